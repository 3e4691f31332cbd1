/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.ConfigValidationException;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.runtime.NodeRuntime;
import io.dynamokv.server.runtime.StartupChecks;
import io.dynamokv.server.runtime.ThriftTransportFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with {@code dynamo.thrift.tls} enabled, started in process on the real network, serves the
 * CLI's put and get over TLS, refuses clients on its plain port, and refuses to start with a store
 * it cannot open. The stores come from {@code scripts/make-test-ca.sh}.
 */
@Timeout(180)
class ClientTlsCliTest {
  @TempDir static Path ca;
  private static String password;

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void makeCa() throws Exception {
    Path script = Path.of("..", "scripts", "make-test-ca.sh").toAbsolutePath().normalize();
    ProcessBuilder pb =
        new ProcessBuilder("bash", script.toString(), "--dir", ca.toString())
            .redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    password = Files.readAllLines(ca.resolve("password"), UTF_8).get(0);
  }

  private ServerConfig config(int port, int tlsPort, String... sets) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "dynamo.node.id=n1",
                "dynamo.node.port=" + port,
                "dynamo.node.data-dir=" + dir.resolve("data"),
                "dynamo.storage.engine=memory",
                "dynamo.metrics.enabled=false",
                "dynamo.cluster.gossip-interval=100ms",
                "dynamo.stores=[{name = default, replicas = 1, read-quorum = 1, write-quorum = 1}]",
                "dynamo.thrift.tls.enabled=true",
                "dynamo.thrift.tls.port=" + tlsPort,
                "dynamo.thrift.tls.key-store=" + ca.resolve("server.p12"),
                "dynamo.thrift.tls.key-store-password=" + password));
    all.addAll(List.of(sets));
    return ConfigLoader.isolated(dir).withSets(all).load();
  }

  private int cli(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return new DynamoCli(
            () -> ConfigLoader.isolated(dir),
            new ThriftTransportFactory(),
            ThriftCliBackend.connector())
        .run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private String[] overTls(int tlsPort, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--address",
            "127.0.0.1:" + tlsPort,
            "--tls-trust-store",
            ca.resolve("truststore.p12").toString(),
            "--tls-trust-store-password",
            password));
    return all.toArray(String[]::new);
  }

  @Test
  void theCliPutsAndGetsOverTlsAndThePlainPortRefusesClients() throws Exception {
    int port = freePort();
    int tlsPort = freePort();
    ServerConfig config = config(port, tlsPort);
    assertThat(StartupChecks.run(config)).isEmpty();
    try (NodeRuntime node = NodeRuntime.start(config, new ThriftTransportFactory())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> node.node().ring().isPresent());

      assertThat(cli(overTls(tlsPort, "put", "k", "v1"))).as(err.toString()).isZero();
      assertThat(out.toString()).isEqualTo("ok\n");
      assertThat(cli(overTls(tlsPort, "get", "k"))).as(err.toString()).isZero();
      assertThat(out.toString()).isEqualTo("v1\n");
      assertThat(cli(overTls(tlsPort, "status"))).as(err.toString()).isZero();
      assertThat(out.toString()).contains("n1");

      assertThat(cli("get", "k", "--address", "127.0.0.1:" + port)).isEqualTo(ExitCodes.FAILURE);
      assertThat(err.toString())
          .contains("this node serves clients over TLS only, on port " + tlsPort);
      assertThat(cli("get", "k", "--address", "127.0.0.1:" + tlsPort)).isEqualTo(ExitCodes.FAILURE);
      assertThat(err.toString()).contains("serves clients over TLS only: connect with TLS");

      assertThat(
              cli(
                  "get",
                  "k",
                  "--address",
                  "127.0.0.1:" + tlsPort,
                  "--tls-trust-store",
                  ca.resolve("truststore.p12").toString(),
                  "--tls-trust-store-password",
                  "wrong"))
          .isEqualTo(ExitCodes.USAGE);
      assertThat(err.toString()).contains("--tls-trust-store-password: wrong password");
    }
  }

  @Test
  void aWrongKeyStorePasswordStopsTheNodeNamingTheSetting() throws Exception {
    ServerConfig config =
        config(freePort(), freePort(), "dynamo.thrift.tls.key-store-password=not-it");
    String expected =
        "dynamo.thrift.tls.key-store-password: wrong password for key store "
            + ca.resolve("server.p12");
    assertThat(StartupChecks.run(config)).containsExactly(expected);
    assertThatThrownBy(() -> NodeRuntime.start(config, new ThriftTransportFactory()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(expected);
    assertThat(
            cli(
                "server",
                "--check",
                "--set",
                "dynamo.node.id=n1",
                "--set",
                "dynamo.thrift.tls.enabled=true",
                "--set",
                "dynamo.thrift.tls.key-store=" + ca.resolve("server.p12"),
                "--set",
                "dynamo.thrift.tls.key-store-password=not-it",
                "--set",
                "dynamo.node.data-dir=" + dir.resolve("data"),
                "--set",
                "dynamo.node.port=" + freePort(),
                "--set",
                "dynamo.metrics.enabled=false"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains(expected);
  }

  @Test
  void tlsWithoutAKeyStoreOrWithAMissingOneIsAConfigurationProblem() {
    assertThatThrownBy(() -> config(freePort(), freePort(), "dynamo.thrift.tls.key-store=null"))
        .isInstanceOf(ConfigValidationException.class)
        .hasMessageContaining("dynamo.thrift.tls.key-store")
        .hasMessageContaining("required when dynamo.thrift.tls.enabled is true");
    ServerConfig missing =
        config(freePort(), freePort(), "dynamo.thrift.tls.key-store=" + dir.resolve("no.p12"));
    assertThat(StartupChecks.run(missing))
        .containsExactly(
            "dynamo.thrift.tls.key-store: key store " + dir.resolve("no.p12") + " does not exist");
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
