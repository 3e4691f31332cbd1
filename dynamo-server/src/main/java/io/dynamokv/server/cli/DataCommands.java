/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code put}, {@code get}, {@code delete} and {@code status}. Keys and values are UTF-8. */
final class DataCommands {
  private DataCommands() {}

  @Command(
      name = "put",
      description = "Writes a value, superseding every version the key has now.",
      mixinStandardHelpOptions = true)
  static final class Put extends DataCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Option(
        names = "--r",
        paramLabel = "R",
        description = "Read quorum of the read before the write (default: the store's).")
    int r;

    @Option(names = "--w", paramLabel = "W", description = "Write quorum (default: the store's).")
    int w;

    Put(CliBackend.Connector connector) {
      super(connector);
    }

    @Override
    int run(CliBackend backend) {
      GetResult current = readFirst(backend, "put", store, key, options(r, "--r"));
      backend.put(store, utf8(key), utf8(value), current.context(), options(w, "--w"));
      out().println("ok");
      return ExitCodes.OK;
    }
  }

  /**
   * The read before a put or delete, so the write supersedes what is there instead of becoming a
   * sibling of it. Its failure is the write's: nothing was written, and the message says so.
   */
  static GetResult readFirst(
      CliBackend backend, String op, String store, String key, RequestOptions options) {
    try {
      return backend.get(store, DataCommand.utf8(key), options);
    } catch (InsufficientReplicasException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          op
              + " failed before writing anything: reading the key's current versions, to supersede"
              + " them, "
              + e.getMessage().replaceFirst("^get ", ""));
    }
  }

  @Command(
      name = "get",
      description =
          "Prints a key's value; concurrent versions (siblings) are printed one per line. Exits"
              + " with 3 when the key is absent.",
      mixinStandardHelpOptions = true)
  static final class Get extends DataCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(names = "--r", paramLabel = "R", description = "Read quorum (default: the store's).")
    int r;

    Get(CliBackend.Connector connector) {
      super(connector);
    }

    @Override
    int run(CliBackend backend) {
      GetResult result = backend.get(store, utf8(key), options(r, "--r"));
      if (result.isAbsent()) {
        err().println("not found: " + key);
        return ExitCodes.NOT_FOUND;
      }
      if (result.hasSiblings()) {
        err()
            .println(
                result.values().size()
                    + " concurrent versions (siblings); a put supersedes them all");
      }
      result.values().forEach(v -> out().println(new String(v, UTF_8)));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "delete",
      description = "Deletes every version the key has now.",
      mixinStandardHelpOptions = true)
  static final class Delete extends DataCommand {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(
        names = "--r",
        paramLabel = "R",
        description = "Read quorum of the read before the delete (default: the store's).")
    int r;

    @Option(names = "--w", paramLabel = "W", description = "Write quorum (default: the store's).")
    int w;

    Delete(CliBackend.Connector connector) {
      super(connector);
    }

    @Override
    int run(CliBackend backend) {
      GetResult current = readFirst(backend, "delete", store, key, options(r, "--r"));
      backend.delete(store, utf8(key), current.context(), options(w, "--w"));
      out().println("ok");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      description = "Prints the cluster's members as a node sees them.",
      mixinStandardHelpOptions = true)
  static final class Status extends DataCommand {
    Status(CliBackend.Connector connector) {
      super(connector);
    }

    @Override
    int run(CliBackend backend) {
      CliBackend.ClusterStatus status = backend.status();
      out().println("as seen by " + status.contacted() + ":");
      out()
          .printf(
              Locale.ROOT,
              "%-16s %-24s %-10s %-10s %-11s %s%n",
              "node",
              "address",
              "zone",
              "state",
              "reachable",
              "owns");
      for (CliBackend.Member m : status.members()) {
        out()
            .printf(
                Locale.ROOT,
                "%-16s %-24s %-10s %-10s %-11s %.1f%%%n",
                m.id(),
                m.address(),
                m.zone().isEmpty() ? "-" : m.zone(),
                m.state(),
                m.reachable() ? "yes" : "NO",
                m.ownedPercent());
      }
      printSections(status.sections());
      return ExitCodes.OK;
    }

    /**
     * Each status section the node reports, one figure a line ({@code name{tags} value}): whatever
     * a node's protocols contribute shows here without a change of the CLI or the wire protocol.
     */
    private void printSections(List<StatusSection> sections) {
      for (StatusSection section : sections) {
        out().println();
        out().println(section.name() + ":");
        for (StatusSection.Stat stat : section.stats()) {
          String name = stat.name() + (stat.tags().isEmpty() ? "" : stat.tags().toString());
          out().printf(Locale.ROOT, "  %-40s %d%n", name, stat.value());
        }
      }
    }
  }
}
