/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.runtime.SecretFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The admin commands: {@code join}, {@code leave}, {@code remove} (each shows its plan before it
 * commits) and {@code repair}, which a node serves on its peer port to holders of the admin token
 * only, and {@code admin-token}, which prints the token of a node's cluster secret.
 */
final class AdminCommands {
  /** The environment variable the admin token may come from. */
  static final String TOKEN_VARIABLE = "DYNAMO_ADMIN_TOKEN";

  private AdminCommands() {}

  /**
   * Where an admin command gets the token: {@code --admin-token}, {@code --admin-token-file},
   * {@value #TOKEN_VARIABLE}, or the cluster secret of the node {@code --config} describes, in this
   * order.
   */
  static final class TokenOptions {
    @Option(
        names = "--admin-token",
        paramLabel = "TOKEN",
        description =
            "The admin token (dynamo-admin-1:...); visible to other users in the process list, so"
                + " prefer --admin-token-file or "
                + TOKEN_VARIABLE
                + ".")
    String token;

    @Option(
        names = "--admin-token-file",
        paramLabel = "FILE",
        description = "A file holding the admin token (e.g. the admin.token of a local cluster).")
    Path tokenFile;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "The configuration file of a node of the cluster: the token is derived from the"
                + " cluster secret it names.")
    Path config;

    /**
     * The token, or a usage error saying how to give one.
     *
     * @param command the command's name, for the message
     */
    AdminToken resolve(
        String command, Supplier<ConfigLoader> loaders, Function<String, String> env) {
      if (token != null) {
        return parse(token, "--admin-token");
      }
      if (tokenFile != null) {
        String text;
        try {
          text = Files.readString(tokenFile, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
          throw new CliException(ExitCodes.USAGE, "--admin-token-file: no such file " + tokenFile);
        } catch (IOException | SecurityException e) {
          throw new CliException(
              ExitCodes.USAGE,
              "--admin-token-file: cannot read " + tokenFile + ": " + e.getMessage());
        }
        return parse(text, "--admin-token-file " + tokenFile);
      }
      String fromEnv = env.apply(TOKEN_VARIABLE);
      if (fromEnv != null && !fromEnv.isBlank()) {
        return parse(fromEnv, TOKEN_VARIABLE);
      }
      if (config != null) {
        return fromConfig(config, loaders);
      }
      throw new CliException(
          ExitCodes.USAGE,
          command
              + " needs the admin token: pass --admin-token-file, --admin-token, "
              + TOKEN_VARIABLE
              + " or --config of a node of the cluster");
    }

    private static AdminToken parse(String text, String source) {
      try {
        return AdminToken.parse(text);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCodes.USAGE, source + ": " + e.getMessage());
      }
    }
  }

  /** The token of the cluster secret of the node {@code config} describes. */
  static AdminToken fromConfig(Path config, Supplier<ConfigLoader> loaders) {
    ServerConfig node = loaders.get().withFile(config).load();
    try {
      return AdminToken.of(SecretFile.existing(node));
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "--config " + config + ": " + e.getMessage());
    }
  }

  /** What the admin commands share: the token, and how a refusal is reported. */
  abstract static class AdminCommand extends DataCommand {
    @Mixin TokenOptions tokenOptions = new TokenOptions();

    private final Supplier<ConfigLoader> loaders;
    private final Function<String, String> env;
    private AdminToken resolved;

    AdminCommand(
        CliBackend.Connector connector,
        Supplier<ConfigLoader> loaders,
        Function<String, String> env) {
      super(connector);
      this.loaders = Objects.requireNonNull(loaders, "loaders");
      this.env = Objects.requireNonNull(env, "env");
    }

    @Override
    void check() {
      resolved = tokenOptions.resolve(spec.name(), loaders, env);
    }

    @Override
    final int run(CliBackend backend) {
      if (timeout != null) {
        Duration limit;
        try {
          limit = duration(timeout);
        } catch (IllegalArgumentException e) {
          throw new CliException(ExitCodes.USAGE, "--timeout: " + e.getMessage());
        }
        backend.limitCallsTo(limit);
      }
      try {
        return run(backend, resolved);
      } catch (AuthenticationException e) {
        throw new CliException(
            ExitCodes.REFUSED,
            "the node refused the admin token ("
                + e.getMessage()
                + "): is it the token of this cluster's secret? Print it with: dynamo admin-token"
                + " --config <node config>");
      }
    }

    abstract int run(CliBackend backend, AdminToken token);

    /** For a command about one node: exactly one {@code --address}. */
    void requireOneAddress(String what) {
      if (addresses.size() != 1) {
        throw new CliException(
            ExitCodes.USAGE, what + " with --address HOST:PORT (its client port)");
      }
    }
  }

  /**
   * What {@code join}, {@code leave} and {@code remove} share: each asks the node for the plan of
   * its change first and prints it (Riak's {@code cluster plan}), then commits the change, or with
   * {@code --dry-run} stops there. A refused plan ends the command with {@link
   * ExitCodes#PLAN_REFUSED} before anything changes; a node that cannot plan (a release before
   * plans) gets the change without one, with a warning.
   */
  abstract static class ChangeCommand extends AdminCommand {
    @Option(
        names = "--dry-run",
        description = "Print the plan only (partitions and bytes to move); change nothing.")
    boolean dryRun;

    ChangeCommand(
        CliBackend.Connector connector,
        Supplier<ConfigLoader> loaders,
        Function<String, String> env) {
      super(connector, loaders, env);
    }

    /** The change this command makes. */
    abstract CliBackend.Change change();

    /** The node the change is about; null for the contacted node itself. */
    String subject() {
      return null;
    }

    /** Commits the change; returns the exit code. */
    abstract int commit(CliBackend backend, AdminToken token);

    @Override
    final int run(CliBackend backend, AdminToken token) {
      String name = spec.name();
      CliBackend.Plan plan = backend.plan(token, change(), subject());
      switch (plan.outcome()) {
        case READY -> {
          out().print(plan.text().endsWith("\n") ? plan.text() : plan.text() + "\n");
          out().flush();
        }
        case REFUSED ->
            throw new CliException(
                ExitCodes.PLAN_REFUSED,
                name + " refused by " + plan.node() + ": " + plan.text() + "; nothing was changed");
        case UNAVAILABLE -> {
          if (dryRun) {
            throw new CliException(
                ExitCodes.FAILURE,
                plan.node() + " cannot show the plan of the " + name + ": " + plan.text());
          }
          err()
              .println(
                  "warning: "
                      + plan.node()
                      + " cannot show the plan of the "
                      + name
                      + " ("
                      + plan.text()
                      + "); committing it without one");
          err().flush();
        }
      }
      if (dryRun) {
        out().println("dry run: nothing was changed (run it again without --dry-run to commit)");
        return ExitCodes.OK;
      }
      return commit(backend, token);
    }
  }

  @Command(
      name = "join",
      description = {
        "Makes the node at --address (a STANDBY member: a node started for the first time,"
            + " which owns nothing) join the cluster through its configured seeds: it prints the"
            + " plan (partitions and bytes to move), then commits it. The previous owners stream"
            + " the node its ranges and the ring switches once its copies are complete; follow"
            + " it with 'status' (the transfer section). Needs the admin token (sent to the node's"
            + " peer port).",
        "Exits 4 when the node refuses the token, 5 when it refuses the join (e.g. it is"
            + " already in the ring)."
      },
      mixinStandardHelpOptions = true)
  static final class Join extends ChangeCommand {
    Join(
        CliBackend.Connector connector,
        Supplier<ConfigLoader> loaders,
        Function<String, String> env) {
      super(connector, loaders, env);
    }

    @Override
    void check() {
      super.check();
      requireOneAddress("join: name the one node that joins");
    }

    @Override
    CliBackend.Change change() {
      return CliBackend.Change.JOIN;
    }

    @Override
    int commit(CliBackend backend, AdminToken token) {
      String node = backend.join(token);
      out().println("ok: " + node + " is joining the cluster");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "leave",
      description = {
        "Makes the node at --address leave the cluster: it prints the plan (partitions and bytes"
            + " to move), then commits it; the node streams its ranges to the others, hands on"
            + " its hints, then goes LEFT and its server stops once the others know. Needs the"
            + " admin token (sent to the node's peer port).",
        "Exits 4 when the node refuses the token, 5 when it refuses the leave."
      },
      mixinStandardHelpOptions = true)
  static final class Leave extends ChangeCommand {
    Leave(
        CliBackend.Connector connector,
        Supplier<ConfigLoader> loaders,
        Function<String, String> env) {
      super(connector, loaders, env);
    }

    @Override
    void check() {
      super.check();
      requireOneAddress("leave: name the one node that leaves");
    }

    @Override
    CliBackend.Change change() {
      return CliBackend.Change.LEAVE;
    }

    @Override
    int commit(CliBackend backend, AdminToken token) {
      String node = backend.leave(token);
      out().println("ok: " + node + " is leaving the cluster");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "remove",
      description = {
        "Removes a dead node from the ring for good, through the first node that answers: it"
            + " prints the plan (partitions and bytes to move), then commits it; the remaining"
            + " owners rebuild the node's copies. Needs the admin token (sent to that node's peer"
            + " port).",
        "Exits 4 when the node refuses the token, 5 when it refuses the removal (e.g. the node"
            + " is still reachable)."
      },
      mixinStandardHelpOptions = true)
  static final class Remove extends ChangeCommand {
    @Parameters(index = "0", paramLabel = "NODE-ID", description = "The node to remove.")
    String nodeId;

    Remove(
        CliBackend.Connector connector,
        Supplier<ConfigLoader> loaders,
        Function<String, String> env) {
      super(connector, loaders, env);
    }

    @Override
    CliBackend.Change change() {
      return CliBackend.Change.REMOVE;
    }

    @Override
    String subject() {
      return nodeId;
    }

    @Override
    int commit(CliBackend backend, AdminToken token) {
      String by = backend.remove(token, nodeId);
      out().println("ok: " + nodeId + " is removed (by " + by + ")");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "repair",
      description = {
        "Makes the node at --address run a full anti-entropy pass now: it compares the Merkle"
            + " trees of every partition it holds with each other replica and syncs the keys"
            + " that differ, both ways. With --wait, returns once the pass is done. Needs the"
            + " admin token (sent to the node's peer port).",
        "Exits 4 when the node refuses the token."
      },
      mixinStandardHelpOptions = true)
  static final class Repair extends AdminCommand {
    @Option(names = "--wait", description = "Return only once the pass is done.")
    boolean wait;

    @Option(
        names = "--wait-limit",
        paramLabel = "DURATION",
        defaultValue = "1h",
        description =
            "With --wait, how long to wait for the pass at most (default: ${DEFAULT-VALUE}).")
    String waitLimit;

    Repair(
        CliBackend.Connector connector,
        Supplier<ConfigLoader> loaders,
        Function<String, String> env) {
      super(connector, loaders, env);
    }

    @Override
    void check() {
      super.check();
      requireOneAddress("repair: name the one node that runs the pass");
    }

    @Override
    int run(CliBackend backend, AdminToken token) {
      Duration limit;
      try {
        limit = duration(waitLimit);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCodes.USAGE, "--wait-limit: " + e.getMessage());
      }
      String node = backend.repair(token, wait, limit);
      out()
          .println(
              wait
                  ? "ok: " + node + " finished a full anti-entropy pass"
                  : "ok: " + node + " started a full anti-entropy pass");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "admin-token",
      description = {
        "Prints the admin token of the cluster secret of the node --config describes: what join,"
            + " leave, remove and repair need. It is derived one-way from the secret, so handing it out does"
            + " not reveal the secret; rotating the secret retires it.",
      },
      mixinStandardHelpOptions = true)
  static final class PrintToken implements Callable<Integer> {
    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "The configuration file of a node of the cluster.")
    Path config;

    @Spec CommandSpec spec;

    private final Supplier<ConfigLoader> loaders;

    PrintToken(Supplier<ConfigLoader> loaders) {
      this.loaders = Objects.requireNonNull(loaders, "loaders");
    }

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(fromConfig(config, loaders).encode());
      return ExitCodes.OK;
    }
  }
}
