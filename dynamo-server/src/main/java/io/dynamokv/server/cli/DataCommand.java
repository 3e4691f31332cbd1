/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.server.config.Address;
import io.dynamokv.transport.thrift.TlsSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
      split = ",",
      paramLabel = "HOST:PORT",
      description =
          "Nodes to ask, the first that answers (comma-separated or repeated; default: the nodes"
              + " of the running local cluster).")
  List<String> addresses = new ArrayList<>();

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      description =
          "How long the cluster may take to answer each request, e.g. 500ms or 2s (default: 5s);"
              + " with status --wait, the whole wait (default: 60s).")
  String timeout;

  @Option(
      names = "--cluster-file",
      paramLabel = "FILE",
      description = "The local cluster's state file (default: ${DEFAULT-VALUE}).")
  Path clusterFile = ClusterFile.defaultPath();

  @Option(
      names = "--tls-trust-store",
      paramLabel = "FILE",
      defaultValue = "${env:DYNAMO_TLS_TRUST_STORE}",
      description =
          "Connect with TLS, trusting the node certificates this PKCS12 store trusts (env"
              + " DYNAMO_TLS_TRUST_STORE). Nodes with dynamo.thrift.tls serve TLS on their client ports.")
  Path tlsTrustStore;

  @Option(
      names = "--tls-trust-store-password",
      paramLabel = "PASSWORD",
      defaultValue = "${env:DYNAMO_TLS_TRUST_STORE_PASSWORD}",
      description =
          "The trust store's password; prefer the environment variable"
              + " DYNAMO_TLS_TRUST_STORE_PASSWORD, which the process list does not show.")
  String tlsTrustStorePassword;

  @Option(
      names = "--tls-key-store",
      paramLabel = "FILE",
      defaultValue = "${env:DYNAMO_TLS_KEY_STORE}",
      description =
          "With TLS, present this PKCS12 store's certificate to nodes that require one (env"
              + " DYNAMO_TLS_KEY_STORE).")
  Path tlsKeyStore;

  @Option(
      names = "--tls-key-store-password",
      paramLabel = "PASSWORD",
      defaultValue = "${env:DYNAMO_TLS_KEY_STORE_PASSWORD}",
      description =
          "The key store's password; prefer the environment variable"
              + " DYNAMO_TLS_KEY_STORE_PASSWORD.")
  String tlsKeyStorePassword;

  @Spec CommandSpec spec;

  private final CliBackend.Connector connector;

  DataCommand(CliBackend.Connector connector) {
    this.connector = Objects.requireNonNull(connector, "connector");
  }

  @Override
  public final Integer call() {
    check();
    List<Address> targets = targets();
    TlsSettings tls = tls();
    try (CliBackend backend = connector.connect(targets)) {
      if (tls != null) {
        try {
          backend.useTls(tls);
        } catch (TlsSettings.InvalidException e) {
          String option =
              switch (e.part()) {
                case KEY_STORE -> "--tls-key-store";
                case KEY_STORE_PASSWORD -> "--tls-key-store-password";
                case TRUST_STORE, PROTOCOLS -> "--tls-trust-store";
                case TRUST_STORE_PASSWORD -> "--tls-trust-store-password";
              };
          throw new CliException(ExitCodes.USAGE, option + ": " + e.getMessage());
        }
      }
      return run(backend);
    } catch (StoreNotFoundException | LimitExceededException | IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage());
    }
  }

  /** What a command checks before it connects (e.g. that it has a credential); throws if unmet. */
  void check() {}

  /** The TLS options, or null when no trust store is given. */
  private TlsSettings tls() {
    if (tlsTrustStore == null) {
      if (tlsKeyStore != null) {
        throw new CliException(
            ExitCodes.USAGE, "--tls-key-store needs --tls-trust-store (TLS is off without it)");
      }
      return null;
    }
    return TlsSettings.client(
        TlsSettings.Store.pkcs12(tlsTrustStore, tlsTrustStorePassword),
        tlsKeyStore == null ? null : TlsSettings.Store.pkcs12(tlsKeyStore, tlsKeyStorePassword));
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

  /** Request options with the quorum given (null: the store's) and the {@code --timeout} given. */
  RequestOptions options(Integer given, String option) {
    if (given != null && given < 1) {
      throw new CliException(ExitCodes.USAGE, option + ": must be 1 or more, found " + given);
    }
    int quorum = given == null ? 0 : given;
    Duration t = null;
    if (timeout != null) {
      try {
        t = duration(timeout);
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCodes.USAGE, "--timeout: " + e.getMessage());
      }
    }
    try {
      return new RequestOptions(quorum, t);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "--timeout: " + e.getMessage());
    }
  }

  /** A positive duration such as {@code 500ms} or {@code 2s}. */
  static Duration duration(String text) {
    if (text.strip().matches("[0-9.]+")) {
      // HOCON would read a bare number as milliseconds: "--timeout 60" meaning 60 ms surprises.
      throw new IllegalArgumentException(
          "needs a unit, e.g. "
              + text.strip()
              + "s or "
              + text.strip()
              + "ms; found \""
              + text
              + "\"");
    }
    try {
      Duration d = ConfigFactory.parseMap(Map.of("d", text)).getDuration("d");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be positive, found " + text);
      }
      return d;
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          "expected a duration such as 500ms or 2s, found \"" + text + "\"");
    }
  }

  private List<Address> targets() {
    if (!addresses.isEmpty()) {
      List<Address> parsed = new ArrayList<>();
      for (String a : addresses) {
        try {
          parsed.add(Address.parse(a.strip()));
        } catch (IllegalArgumentException e) {
          throw new CliException(ExitCodes.USAGE, "--address: " + e.getMessage());
        }
      }
      return parsed;
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
    return cluster.nodes().stream().map(n -> Address.parse(n.address())).toList();
  }
}
