/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.client.Sibling;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.server.config.Sizes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code put}, {@code get}, {@code delete} and {@code status}. Keys and values are UTF-8. */
final class DataCommands {
  private DataCommands() {}

  /**
   * How {@code status} names a figure: {@code owner.hints{owner=n2}}, as {@code /metrics} tags it.
   */
  static String figureName(StatusSection.Stat stat) {
    return stat.name() + (stat.tags().isEmpty() ? "" : stat.tags().toString());
  }

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
    Integer r;

    @Option(names = "--w", paramLabel = "W", description = "Write quorum (default: the store's).")
    Integer w;

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
    Integer r;

    @Option(
        names = "--local",
        description =
            "Debugging: print what the node at --address (the first that answers) stores for the"
                + " key in its own data, read locally: no quorum, no forwarding, tombstones"
                + " included, one version a line as 'value WRITTEN-AT VALUE' or 'tombstone"
                + " WRITTEN-AT'; says on standard error whether the node owns the key. Exits 3"
                + " when it stores nothing.")
    boolean local;

    Get(CliBackend.Connector connector) {
      super(connector);
    }

    @Override
    int run(CliBackend backend) {
      if (local) {
        return runLocal(backend);
      }
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
        int n = 0;
        for (Sibling<byte[]> s : result.siblings()) {
          n++;
          if (s.coordinator() != null) {
            err()
                .println(
                    "  " + n + ": written through " + s.coordinator() + " at " + s.writtenAt());
          }
        }
      }
      result.values().forEach(v -> out().println(new String(v, UTF_8)));
      return ExitCodes.OK;
    }

    private int runLocal(CliBackend backend) {
      if (r != null) {
        throw new CliException(
            ExitCodes.USAGE, "--r does not apply to --local: it reads one node's copy, no quorum");
      }
      if (key.isEmpty()) {
        throw new CliException(ExitCodes.USAGE, "keys must not be empty");
      }
      CliBackend.LocalCopy copy = backend.localRead(store, utf8(key));
      String owners =
          copy.owners().isEmpty()
              ? "it has no ring yet"
              : "owners "
                  + String.join(", ", copy.owners())
                  + "; ring version "
                  + copy.ringVersion();
      err()
          .println(
              copy.contacted()
                  + (copy.owner() ? " owns " : " does NOT own ")
                  + key
                  + " ("
                  + owners
                  + ") and stores "
                  + copy.versions().size()
                  + (copy.versions().size() == 1 ? " version of it" : " versions of it"));
      for (CliBackend.StoredVersion v : copy.versions()) {
        String at = Instant.ofEpochMilli(v.wallMillis()).toString();
        out()
            .println(
                v.tombstone()
                    ? "tombstone " + at
                    : "value " + at + " " + new String(v.value(), UTF_8));
      }
      return copy.versions().isEmpty() ? ExitCodes.NOT_FOUND : ExitCodes.OK;
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
    Integer r;

    @Option(names = "--w", paramLabel = "W", description = "Write quorum (default: the store's).")
    Integer w;

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
      description = {
        "Prints the cluster's members, their state and reachability, and its stores, as a node"
            + " sees them.",
        "With --wait, waits instead until the cluster serves: every partition of every store has"
            + " max(R, W) reachable owners, and a probe put, get and delete of the node's reserved"
            + " key (\\0dynamo:probe:<node id>) through it succeeds in every store. Exits 0 then, 1"
            + " when --timeout passes first."
      },
      mixinStandardHelpOptions = true)
  static final class Status extends DataCommand {
    private static final Duration WAIT_DEFAULT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(500);

    @Option(
        names = "--wait",
        description =
            "Wait until the cluster serves (see above); --timeout is then the whole wait"
                + " (default: 60s).")
    boolean await;

    Status(CliBackend.Connector connector) {
      super(connector);
    }

    @Override
    int run(CliBackend backend) {
      if (await) {
        return waitUntilServing(backend);
      }
      CliBackend.ClusterStatus status = backend.status();
      out().println("as seen by " + status.contacted() + ":");
      out()
          .printf(
              Locale.ROOT,
              "%-16s %-24s %-24s %-10s %-10s %-11s %s%n",
              "node",
              "address",
              "peer address",
              "zone",
              "state",
              "reachable",
              "owns");
      for (CliBackend.Member m : status.members()) {
        out()
            .printf(
                Locale.ROOT,
                "%-16s %-24s %-24s %-10s %-10s %-11s %.1f%%%n",
                m.id(),
                m.address(),
                m.peerAddress().isEmpty() ? "-" : m.peerAddress(),
                m.zone().isEmpty() ? "-" : m.zone(),
                m.state(),
                m.reachable() ? "yes" : "NO",
                m.ownedPercent());
      }
      out().println();
      out()
          .printf(
              Locale.ROOT,
              "%-16s %3s %3s %3s %10s %10s %9s %12s %11s%n",
              "store",
              "N",
              "R",
              "W",
              "max-key",
              "max-value",
              "siblings",
              "bytes/key",
              "context");
      for (StoreDefinition store : status.stores()) {
        out()
            .printf(
                Locale.ROOT,
                "%-16s %3d %3d %3d %10s %10s %9d %12s %11s%n",
                store.name(),
                store.replicationFactor(),
                store.readQuorum(),
                store.writeQuorum(),
                Sizes.format(store.maxKeyBytes()),
                Sizes.format(store.maxValueBytes()),
                store.maxSiblings(),
                Sizes.format(store.maxBytesPerKey()),
                Sizes.format(store.maxContextBytes()));
      }
      ClusterReadiness.unmet(status.ring(), status.stores(), serving(status))
          .ifPresentOrElse(
              why -> out().println("\nnot every key can be served: " + why),
              () -> out().println("\nevery partition has max(R, W) reachable owners"));
      printSections(status.sections());
      return ExitCodes.OK;
    }

    /**
     * Each status section the node reports, one figure a line ({@code name{tags} value}), in the
     * order the node gives them (handoff's per-owner figures owner by owner), values in one column
     * even when long tags such as node ids push it right: whatever a node's protocols contribute
     * shows here without a change of the CLI or the wire protocol.
     */
    private void printSections(List<StatusSection> sections) {
      for (StatusSection section : sections) {
        out().println();
        out().println(section.name() + ":");
        List<String> names = section.stats().stream().map(DataCommands::figureName).toList();
        int width = Math.max(40, names.stream().mapToInt(String::length).max().orElse(0));
        for (int i = 0; i < names.size(); i++) {
          out()
              .printf(
                  Locale.ROOT,
                  "  %-" + width + "s %d%n",
                  names.get(i),
                  section.stats().get(i).value());
        }
      }
    }

    private int waitUntilServing(CliBackend backend) {
      Duration total;
      try {
        total = timeout == null ? WAIT_DEFAULT : duration(timeout);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCodes.USAGE, "--timeout: " + e.getMessage());
      }
      String shown = timeout == null ? "60s" : timeout.strip();
      long start = System.nanoTime();
      long deadline = start + total.toNanos();
      String last;
      while (true) {
        try {
          backend.limitCallsTo(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
          CliBackend.ClusterStatus status = backend.status();
          Optional<String> unmet =
              ClusterReadiness.unmet(status.ring(), status.stores(), serving(status));
          if (unmet.isEmpty()) {
            for (StoreDefinition store : status.stores()) {
              backend.probe(store.name());
            }
            out()
                .printf(
                    Locale.ROOT,
                    "serving, as seen by %s: every partition of %d store(s) has max(R, W)"
                        + " reachable owners; a probe put, get and delete succeeded in each"
                        + " (%d ms)%n",
                    status.contacted(),
                    status.stores().size(),
                    Duration.ofNanos(System.nanoTime() - start).toMillis());
            return ExitCodes.OK;
          }
          last = unmet.get();
        } catch (RuntimeException e) {
          last = e.getMessage();
        }
        if (System.nanoTime() - deadline >= 0) {
          err().println("error: the cluster does not serve after " + shown + ": " + last);
          return ExitCodes.FAILURE;
        }
        try {
          TimeUnit.NANOSECONDS.sleep(Math.min(POLL.toNanos(), deadline - System.nanoTime()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          err().println("error: interrupted while waiting for the cluster to serve: " + last);
          return ExitCodes.FAILURE;
        }
      }
    }

    /** Members the contacted node finds reachable, in a state that serves their ranges. */
    private static Predicate<NodeId> serving(CliBackend.ClusterStatus status) {
      Set<String> up =
          status.members().stream()
              .filter(m -> m.reachable() && ClusterReadiness.servingState(m.state()))
              .map(CliBackend.Member::id)
              .collect(Collectors.toSet());
      return id -> up.contains(id.toString());
    }
  }
}
