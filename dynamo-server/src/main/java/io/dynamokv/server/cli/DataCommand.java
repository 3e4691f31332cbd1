/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.server.config.Address;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options and connection handling the data commands share: which store, and which node to ask
 * ({@code --address}, else the first node of the running local cluster).
 */
abstract class DataCommand implements Callable<Integer> {
  @Option(
      names = "--store",
      defaultValue = "default",
      paramLabel = "NAME",
      description = "The store (default: ${DEFAULT-VALUE}).")
  String store;

  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      description = "A node to ask (default: the first node of the running local cluster).")
  String address;

  @Option(
      names = "--cluster-file",
      paramLabel = "FILE",
      description = "The local cluster's state file (default: ${DEFAULT-VALUE}).")
  Path clusterFile = ClusterFile.defaultPath();

  @Spec CommandSpec spec;

  private final CliBackend.Connector connector;

  DataCommand(CliBackend.Connector connector) {
    this.connector = Objects.requireNonNull(connector, "connector");
  }

  @Override
  public final Integer call() {
    Address target = target();
    try (CliBackend backend = connector.connect(target)) {
      return run(backend);
    } catch (StoreNotFoundException | LimitExceededException | IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage());
    }
  }

  /** Runs the command against a connected backend; returns the exit code. */
  abstract int run(CliBackend backend);

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }

  private Address target() {
    if (address != null) {
      try {
        return Address.parse(address);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCodes.USAGE, "--address: " + e.getMessage());
      }
    }
    ClusterFile cluster =
        ClusterFile.read(clusterFile)
            .orElseThrow(
                () ->
                    new CliException(
                        ExitCodes.USAGE,
                        "no --address given and no local cluster found ("
                            + clusterFile
                            + " does not exist); start one with 'bin/dynamo local-cluster' or"
                            + " pass --address HOST:PORT"));
    if (!cluster.running() || cluster.nodes().isEmpty()) {
      throw new CliException(
          ExitCodes.USAGE,
          "the local cluster of "
              + clusterFile
              + " is not running (its supervisor, pid "
              + cluster.supervisorPid()
              + ", is gone); start one with 'bin/dynamo local-cluster' or pass --address"
              + " HOST:PORT");
    }
    return Address.parse(cluster.nodes().get(0).address());
  }
}
