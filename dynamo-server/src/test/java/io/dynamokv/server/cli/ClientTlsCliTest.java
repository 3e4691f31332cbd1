/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.DynamoException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.ConfigValidationException;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.runtime.NodeRuntime;
import io.dynamokv.server.runtime.SecretFile;
import io.dynamokv.server.runtime.StartupChecks;
import io.dynamokv.server.runtime.ThriftTransportFactory;
import io.dynamokv.transport.thrift.TlsSettings;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes with {@code dynamo.thrift.tls} enabled, started in process on the real network: a node
 * serves the CLI's put, get and status over TLS on its client port and refuses plaintext clients
 * there; a TLS cluster gossips and replicates over its peer ports and a TLS client routes by the
 * ring to the client ports members advertise; a store the node cannot open stops it naming the
 * setting. The stores come from {@code scripts/make-test-ca.sh}.
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

  private ServerConfig config(int port, String... sets) {
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

  private String[] overTls(int port, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--address",
            "127.0.0.1:" + port,
            "--tls-trust-store",
            ca.resolve("truststore.p12").toString(),
            "--tls-trust-store-password",
            password));
    return all.toArray(String[]::new);
  }

  private static TlsSettings clientTls() {
    return TlsSettings.client(
        TlsSettings.Store.pkcs12(ca.resolve("truststore.p12"), password), null);
  }

  @Test
  void theCliPutsAndGetsOverTlsOnTheClientPortWhichRefusesPlaintextClients() throws Exception {
    int port = freePort();
    ServerConfig config = config(port, "dynamo.peer.port=" + freePort());
    assertThat(StartupChecks.run(config)).isEmpty();
    try (NodeRuntime node = NodeRuntime.start(config, new ThriftTransportFactory())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> node.node().ring().isPresent());

      assertThat(cli(overTls(port, "put", "k", "v1"))).as(err.toString()).isZero();
      assertThat(out.toString()).isEqualTo("ok\n");
      assertThat(cli(overTls(port, "get", "k"))).as(err.toString()).isZero();
      assertThat(out.toString()).isEqualTo("v1\n");
      assertThat(cli(overTls(port, "status"))).as(err.toString()).isZero();
      assertThat(out.toString()).contains("n1");

      assertThat(cli("get", "k", "--address", "127.0.0.1:" + port)).isEqualTo(ExitCodes.FAILURE);
      assertThat(err.toString()).contains("serves clients over TLS only: connect with TLS");

      assertThat(
              cli(
                  "get",
                  "k",
                  "--address",
                  "127.0.0.1:" + port,
                  "--tls-trust-store",
                  ca.resolve("truststore.p12").toString(),
                  "--tls-trust-store-password",
                  "wrong"))
          .isEqualTo(ExitCodes.USAGE);
      assertThat(err.toString()).contains("--tls-trust-store-password: wrong password");
    }
  }

  @Test
  void aTlsClusterReplicatesOverItsPeerPortsAndTlsClientsRouteByTheRing() throws Exception {
    Path secret = dir.resolve("cluster.secret");
    SecretFile.make(secret);
    int client1 = freePort();
    int peer1 = freePort();
    int client2 = freePort();
    int peer2 = freePort();
    String seeds =
        "dynamo.cluster.seeds=[\"n1@127.0.0.1:%d\", \"n2@127.0.0.1:%d\"]".formatted(peer1, peer2);
    String stores =
        "dynamo.stores=[{name = default, replicas = 2, read-quorum = 2, write-quorum = 2}]";
    ServerConfig c1 =
        config(
            client1,
            "dynamo.peer.port=" + peer1,
            seeds,
            stores,
            "dynamo.cluster.secret-file=" + secret,
            "dynamo.node.data-dir=" + dir.resolve("n1"),
            "dynamo.metrics.enabled=true",
            "dynamo.metrics.port=0");
    ServerConfig c2 =
        config(
            client2,
            "dynamo.node.id=n2",
            // This test is about TLS: n2 joins by itself (an operator's join is tested elsewhere).
            "dynamo.membership.join-at-start=true",
            "dynamo.peer.port=" + peer2,
            seeds,
            stores,
            "dynamo.cluster.secret-file=" + secret,
            "dynamo.node.data-dir=" + dir.resolve("n2"),
            "dynamo.metrics.enabled=true",
            "dynamo.metrics.port=0");
    try (NodeRuntime n1 = NodeRuntime.start(c1, new ThriftTransportFactory());
        NodeRuntime n2 = NodeRuntime.start(c2, new ThriftTransportFactory())) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  n1.node().ring().map(r -> r.nodeCount() == 2).orElse(false)
                      && n2.node().ring().map(r -> r.nodeCount() == 2).orElse(false));

      // Written through n1 with W = 2: n1 replicated it to n2 over the peer port.
      assertThat(cli(overTls(client1, "put", "k", "v1"))).as(err.toString()).isZero();
      assertThat(cli(overTls(client2, "get", "k"))).as(err.toString()).isZero();
      assertThat(out.toString()).isEqualTo("v1\n");
      assertThat(cli(overTls(client1, "status"))).as(err.toString()).isZero();
      assertThat(out.toString()).contains("n1").contains("n2").contains("127.0.0.1:" + client2);

      // Bootstrapped from n1 only, a partition-aware TLS client learns n2's client address from
      // the ring and connects to it with TLS for the keys n2 coordinates.
      try (ThriftDynamoClient client =
          ThriftDynamoClient.builder()
              .bootstrap(List.of("127.0.0.1:" + client1))
              .tls(clientTls())
              .build()) {
        for (int i = 0; i < 20; i++) {
          byte[] key = ("key-" + i).getBytes(UTF_8);
          client.put("default", key, ("v" + i).getBytes(UTF_8), Context.EMPTY);
          assertThat(client.get("default", key).values())
              .extracting(v -> new String(v, UTF_8))
              .containsExactly("v" + i);
        }
        assertThat(clientConnections(n2))
            .as("the client reached n2's client port itself")
            .isPositive();
      }

      // Admin commands: status over TLS on the client port, the command on the plain peer port.
      try (ThriftAdminClient admin =
          ThriftAdminClient.connect(
              "127.0.0.1:" + client1, Duration.ofSeconds(5), clientTls().load())) {
        assertThatThrownBy(() -> admin.remove(AdminToken.of(SecretFile.existing(c1)), "n9"))
            .as("the token opens the peer port's admin door; the command itself fails")
            .isInstanceOf(DynamoException.class)
            .isNotInstanceOf(AuthenticationException.class)
            .hasMessageContaining("n9");
      }
    }
  }

  @Test
  void localClusterRefusesClientTls() {
    assertThat(
            cli(
                "local-cluster",
                "--data-dir",
                dir.resolve("local").toString(),
                "--cluster-file",
                dir.resolve("cluster.json").toString(),
                "--set",
                "dynamo.thrift.tls.enabled=true"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("local-cluster does not serve clients over TLS");
    assertThat(dir.resolve("local")).doesNotExist();
  }

  private static long clientConnections(NodeRuntime runtime) throws Exception {
    int port = runtime.metricsAddress().orElseThrow().getPort();
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile("dynamo_connections_open\\{listener=\"client\",node=\"n2\"\\} (\\d+)")
            .matcher(metrics);
    assertThat(m.find()).as(metrics).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void aWrongKeyStorePasswordStopsTheNodeNamingTheSetting() throws Exception {
    ServerConfig config = config(freePort(), "dynamo.thrift.tls.key-store-password=not-it");
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
    assertThatThrownBy(() -> config(freePort(), "dynamo.thrift.tls.key-store=null"))
        .isInstanceOf(ConfigValidationException.class)
        .hasMessageContaining("dynamo.thrift.tls.key-store")
        .hasMessageContaining("required when dynamo.thrift.tls.enabled is true");
    ServerConfig missing =
        config(freePort(), "dynamo.thrift.tls.key-store=" + dir.resolve("no.p12"));
    assertThat(StartupChecks.run(missing))
        .containsExactly(
            "dynamo.thrift.tls.key-store: key store " + dir.resolve("no.p12") + " does not exist");
  }

  private static int freePort() {
    return io.dynamokv.server.FreePorts.next();
  }
}
