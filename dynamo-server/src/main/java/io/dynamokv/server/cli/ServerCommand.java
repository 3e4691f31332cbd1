/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import io.dynamokv.server.cluster.StoreAgreement;
import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.runtime.LogLevels;
import io.dynamokv.server.runtime.NodeRuntime;
import io.dynamokv.server.runtime.StartupChecks;
import io.dynamokv.server.runtime.TransportFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dynamo server}: loads and validates the configuration, checks the data directory and
 * ports, starts the node and runs until the process is asked to stop (SIGINT, SIGTERM), then stops
 * the node cleanly.
 */
@Command(
    name = "server",
    description = "Runs a node until interrupted.",
    mixinStandardHelpOptions = true)
final class ServerCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The configuration file (HOCON); settings it leaves out keep their defaults.")
  Path config;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Overrides a setting, e.g. --set dynamo.node.port=7001 (repeatable).")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--check",
      description = "Validate the configuration, data directory and ports, then exit.")
  boolean check;

  @Option(
      names = "--restored",
      description =
          "The data directory was restored from a backup (or copied): start a new incarnation, so"
              + " that the node never issues a version it issued before the backup was taken.")
  boolean restored;

  @Option(names = "--exit-with-parent", hidden = true)
  boolean exitWithParent;

  @Spec CommandSpec spec;

  private static final Logger log = LoggerFactory.getLogger(ServerCommand.class);

  private static final java.time.Duration STORE_CHECK_TIMEOUT = java.time.Duration.ofSeconds(2);

  private final Supplier<ConfigLoader> loaders;
  private final TransportFactory transports;

  ServerCommand(Supplier<ConfigLoader> loaders, TransportFactory transports) {
    this.loaders = Objects.requireNonNull(loaders, "loaders");
    this.transports = Objects.requireNonNull(transports, "transports");
  }

  @Override
  public Integer call() throws Exception {
    ConfigLoader loader = loaders.get().withSets(sets);
    ServerConfig server = (config == null ? loader : loader.withFile(config)).load();
    LogLevels.apply(server.logLevel());
    List<String> problems = StartupChecks.run(server);
    if (!problems.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, String.join("\n", problems));
    }
    if (!check) {
      problems = StoreAgreement.checkWithSeeds(server, STORE_CHECK_TIMEOUT);
      if (!problems.isEmpty()) {
        throw new CliException(ExitCodes.USAGE, String.join("\n", problems));
      }
    }
    List<String> warnings = StartupChecks.warnings(server);
    if (check) {
      warnings.forEach(w -> spec.commandLine().getErr().println("warning: " + w));
      spec.commandLine()
          .getOut()
          .println("configuration of node " + server.node().id() + " is valid; ports are free");
      return ExitCodes.OK;
    }
    warnings.forEach(w -> log.warn("{}", w));
    if (exitWithParent) {
      ParentWatch.exitWithParent();
    }
    // The hook is in place before the node starts, so a stop asked for at any moment after start-up
    // closes it cleanly (and records the clean stop).
    AtomicReference<NodeRuntime> running = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // Read first: once stopped is counted down, main's own exit sets it too.
                  boolean askedInCode = Exit.requested();
                  NodeRuntime runtime = running.get();
                  if (runtime == null) {
                    return; // still starting: this is not a completed, graceful stop
                  }
                  runtime.close();
                  stopped.countDown();
                  if (askedInCode) {
                    return; // an exit asked for in code keeps its own code
                  }
                  // A stop asked for from outside (SIGTERM, SIGINT) that completed is a success:
                  // without this the JVM would exit with 128 + the signal's number (143).
                  System.out.flush();
                  System.err.flush();
                  Runtime.getRuntime().halt(ExitCodes.OK);
                },
                "dynamo-shutdown"));
    NodeRuntime runtime = NodeRuntime.start(server, transports, restored);
    running.set(runtime);
    // A node that left (bin/dynamo leave) stops by itself once every other member knows it left.
    while (!stopped.await(1, TimeUnit.SECONDS)) {
      if (runtime.leftTheCluster()) {
        log.info(
            "{} has left the cluster and every other member knows it: stopping",
            server.node().id());
        return ExitCodes.OK;
      }
    }
    return ExitCodes.OK;
  }
}
