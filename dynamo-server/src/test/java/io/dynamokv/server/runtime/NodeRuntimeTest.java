/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.inject.Guice;
import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.GossipRefusedException;
import io.dynamokv.core.node.Incarnation;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class NodeRuntimeTest {
  @TempDir Path dir;

  private ServerConfig config(String... sets) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "dynamo.node.id=n1",
                "dynamo.node.data-dir=" + dir.resolve("data"),
                "dynamo.metrics.port=0",
                "dynamo.cluster.gossip-interval=100ms",
                "dynamo.stores=[{name = s, replicas = 1, read-quorum = 1, write-quorum = 1}]"));
    all.addAll(List.of(sets));
    return ConfigLoader.isolated(dir).withSets(all).load();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lmdb", "bdb", "memory"})
  void aSingleIsolatedNodeServesItsStoresAndReportsHealth(String engine) throws Exception {
    ServerConfig config = config("dynamo.storage.engine=" + engine);
    try (NodeRuntime runtime = NodeRuntime.start(config, TransportFactory.isolated())) {
      assertThat(runtime.serving()).isTrue();
      // Before the client port opens: what a first "cluster" request (and an admin command) sees.
      assertThat(runtime.node().membership().view().members())
          .as("the node's own entry, right after start")
          .containsKey(runtime.node().id());
      assertThat(health(runtime)).isEqualTo(200);

      await().atMost(Duration.ofSeconds(20)).until(() -> runtime.node().ring().isPresent());
      byte[] key = "k".getBytes(UTF_8);
      runtime
          .node()
          .put("s", key, "v".getBytes(UTF_8), Context.EMPTY, RequestOptions.DEFAULTS)
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      GetResult got =
          runtime
              .node()
              .get("s", key, RequestOptions.DEFAULTS)
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      assertThat(got.values()).singleElement().extracting(v -> new String(v, UTF_8)).isEqualTo("v");

      runtime.close();
      assertThat(runtime.serving()).isFalse();
    }
    if (!engine.equals("memory")) {
      assertThat(dir.resolve("data").resolve(engine)).isDirectory();
    }
  }

  /**
   * Hostile gossip reaching a real node: refused, counted by reason in {@code /metrics} and logged
   * once per sender and reason, however often it comes.
   */
  @Test
  void refusedGossipIsCountedByReasonAndLoggedOncePerSenderAndReason() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(MembershipEventLog.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try (NodeRuntime runtime =
        NodeRuntime.start(config("dynamo.storage.engine=memory"), TransportFactory.isolated())) {
      await().atMost(Duration.ofSeconds(20)).until(() -> runtime.node().ring().isPresent());
      for (int i = 0; i < 3; i++) {
        CompletableFuture<PeerMessage> answer =
            runtime
                .node()
                .handle(NodeId.of("x9"), new GossipMessage.Encoded(new byte[] {7, 7}))
                .toCompletableFuture();
        assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS))
            .hasCauseInstanceOf(GossipRefusedException.class)
            .hasMessageContaining("unsupported format 7");
      }
      assertThat(fetch(runtime, "/metrics"))
          .contains("dynamo_gossip_refused_total{node=\"n1\",reason=\"malformed\"} 3.0")
          .contains("dynamo_gossip_refused_total{node=\"n1\",reason=\"invalid-ring\"} 0.0")
          .contains("dynamo_handoff_hints{node=\"n1\"} 0.0")
          .contains("dynamo_handoff_expired_total{node=\"n1\"} 0.0");
      List<String> refusals =
          logged.list.stream()
              .map(ILoggingEvent::getFormattedMessage)
              .filter(m -> m.contains("refused"))
              .toList();
      assertThat(refusals)
          .singleElement()
          .asString()
          .contains("gossip from x9 refused (malformed)")
          .contains("unsupported format 7");
    } finally {
      logger.detachAppender(logged);
    }
  }

  @Test
  void theServerModuleBindsTheConfiguredEngine() throws Exception {
    ServerConfig config = config("dynamo.storage.engine=bdb");
    Files.createDirectories(dir.resolve("data"));
    try (StorageEngine engine =
        Guice.createInjector(new ServerModule(config, TransportFactory.isolated()))
            .getInstance(StorageEngine.class)) {
      assertThat(engine.describe()).startsWith("bdb at ");
      assertThat(Files.list(dir.resolve("data/bdb"))).isNotEmpty();
    }
  }

  @Test
  void keysTooLongForTheEngineAreRefusedAtStart() {
    ServerConfig config =
        config(
            "dynamo.stores=[{name = s, replicas = 1, read-quorum = 1, write-quorum = 1, max-key-bytes = 500}]");
    assertThatThrownBy(() -> NodeRuntime.start(config, TransportFactory.isolated()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("dynamo.stores[0].max-key-bytes: store s allows keys of 500 bytes,")
        .hasMessageContaining("lower max-key-bytes to 396 or less");
    // the engine was closed: a second runtime can open the directory
    assertThat(StartupChecks.run(config(("dynamo.storage.engine=lmdb")))).isEmpty();
  }

  @Test
  void theReadBufferBudgetIsCheckedAgainstTheHeap() {
    long mib = 1 << 20;
    ServerConfig.Thrift explicit =
        config(
                "dynamo.thrift.max-read-buffer-bytes=128 MiB",
                "dynamo.thrift.max-frame-bytes=16 MiB")
            .thrift();
    assertThat(StartupChecks.readBuffers(explicit, 256 * mib)).isEmpty();
    assertThat(StartupChecks.readBuffers(explicit, 200 * mib))
        .hasValue(
            "dynamo.thrift.max-read-buffer-bytes: 128 MiB is more than half of the 200 MiB heap;"
                + " lower it to at most 100 MiB (or set it to auto), or give the node a larger heap"
                + " (-Xmx in DYNAMO_JAVA_OPTS)");
    assertThat(StartupChecks.readBuffers(explicit, 24 * mib))
        .get()
        .asString()
        .contains("lower dynamo.thrift.max-frame-bytes too (16 MiB now)");

    // auto: a quarter of the heap, at most 128 MiB, at least a frame; refused only when one
    // frame is over half the heap.
    ServerConfig.Thrift auto = config("dynamo.thrift.max-frame-bytes=8 MiB").thrift();
    long heap = io.dynamokv.server.config.Heap.maxBytes();
    assertThat(auto.maxReadBufferBytes())
        .isEqualTo(Math.max(8 * mib, Math.min(128 * mib, heap / 4)));
    assertThat(StartupChecks.readBuffers(auto, heap)).isEmpty();
    assertThat(ServerConfig.Thrift.autoReadBuffers(16 << 20, 256 * mib)).isEqualTo(64 * mib);
    assertThat(ServerConfig.Thrift.autoReadBuffers(16 << 20, 8L << 30)).isEqualTo(128 * mib);
    assertThat(ServerConfig.Thrift.autoReadBuffers(16 << 20, 32 * mib)).isEqualTo(16 * mib);
  }

  @Test
  void aBusyMetricsPortFailsTheStartAndReleasesTheEngine() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      ServerConfig config = config("dynamo.metrics.port=" + busy.getLocalPort());
      assertThatThrownBy(() -> NodeRuntime.start(config, TransportFactory.isolated()))
          .isInstanceOf(java.net.BindException.class);
    }
    try (NodeRuntime again = NodeRuntime.start(config(), TransportFactory.isolated())) {
      assertThat(again.serving()).isTrue();
    }
  }

  @Test
  void startupChecksReportAnUncreatableDataDirAndBusyPorts() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        ServerSocket busy2 = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        ServerSocket busy3 = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      int port2 = busy2.getLocalPort();
      int port3 = busy3.getLocalPort();
      ServerConfig config =
          config(
              "dynamo.node.data-dir=" + file.resolve("sub"),
              "dynamo.node.port=" + port,
              "dynamo.peer.port=" + port3,
              "dynamo.metrics.port=" + port2);
      assertThat(StartupChecks.run(config))
          .containsExactly(
              "dynamo.node.data-dir: cannot create " + file.resolve("sub") + ": Not a directory",
              "dynamo.cluster.secret-file: not set, and this node would make "
                  + file.resolve("cluster.secret")
                  + " but cannot write in "
                  + file
                  + "; set dynamo.cluster.secret-file",
              "dynamo.node.lease-file: "
                  + file
                  + " exists and is not a directory (for "
                  + file.resolve("n1.lease")
                  + ")",
              "dynamo.node.port: the client port "
                  + port
                  + " on 127.0.0.1 is already in use by another process; stop it or choose another port (dynamo.node.port)",
              "dynamo.peer.port: the peer port "
                  + port3
                  + " on 127.0.0.1 is already in use by another process; stop it or choose another port (dynamo.peer.port)",
              "dynamo.metrics.port: the metrics port "
                  + port2
                  + " on 127.0.0.1 is already in use by another process; stop it or choose another port (dynamo.metrics.port)");
    }
  }

  @Test
  void aCleanStopKeepsTheIncarnationAndARestoreStartsANewOne() throws Exception {
    ServerConfig config =
        config("dynamo.storage.engine=lmdb", "dynamo.storage.lmdb.durability=write-no-sync");
    Incarnation first;
    try (NodeRuntime runtime = NodeRuntime.start(config, TransportFactory.isolated())) {
      first = runtime.node().incarnation();
      assertThat(first.fresh()).isTrue();
      assertThat(first.reason()).contains("new data directory");
    }
    assertThat(dir.resolve("n1.lease")).isRegularFile();
    Path secret = dir.resolve("cluster.secret");
    assertThat(secret).isRegularFile();
    assertThat(Files.getPosixFilePermissions(secret))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    String secretText = Files.readString(secret);

    try (NodeRuntime runtime = NodeRuntime.start(config, TransportFactory.isolated())) {
      Incarnation again = runtime.node().incarnation();
      assertThat(again.fresh()).isFalse();
      assertThat(again.reason()).contains("clean");
      assertThat(again.epoch()).isEqualTo(first.epoch());
    }
    assertThat(Files.readString(secret)).as("the secret a node made is kept").isEqualTo(secretText);

    try (NodeRuntime restored = NodeRuntime.start(config, TransportFactory.isolated(), true)) {
      Incarnation fresh = restored.node().incarnation();
      assertThat(fresh.fresh()).isTrue();
      assertThat(fresh.epoch()).isGreaterThan(first.epoch());
    }
  }

  @Test
  void aNodeWithSeedsNeedsTheClusterSecretFile() throws Exception {
    String seeds = "dynamo.cluster.seeds=[\"n1@127.0.0.1:7100\", \"n2@127.0.0.1:7101\"]";
    assertThat(StartupChecks.run(config(seeds)))
        .anyMatch(
            p ->
                p.startsWith(
                    "dynamo.cluster.secret-file: not set, but this node has seeds: every node of a"
                        + " cluster needs the same secret file"));
    assertThatThrownBy(() -> NodeRuntime.start(config(seeds), TransportFactory.isolated()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dynamo.cluster.secret-file");

    Path missing = dir.resolve("nope.secret");
    assertThat(StartupChecks.run(config(seeds, "dynamo.cluster.secret-file=" + missing)))
        .anyMatch(
            p ->
                p.equals(
                    "dynamo.cluster.secret-file: no such file "
                        + missing
                        + "; every node of a cluster needs a copy of the same secret file (for a new"
                        + " cluster make one with: head -c 32 /dev/urandom | base64 > "
                        + missing
                        + ")"));
    Path bad = Files.writeString(dir.resolve("bad.secret"), "# short\nAAAA\n");
    assertThat(StartupChecks.run(config(seeds, "dynamo.cluster.secret-file=" + bad)))
        .anyMatch(
            p -> p.startsWith("dynamo.cluster.secret-file: " + bad + ":2: the secret has 3 bytes"));

    Path good = dir.resolve("good.secret");
    SecretFile.make(good);
    assertThat(StartupChecks.run(config(seeds, "dynamo.cluster.secret-file=" + good)))
        .noneMatch(p -> p.contains("secret"));
  }

  @Test
  void clientsAndPeersHavePortsOfTheirOwnAndAdminNeedsTheToken() throws Exception {
    int clientPort = freePort();
    int peerPort = freePort();
    while (peerPort == clientPort) {
      peerPort = freePort();
    }
    String client = "127.0.0.1:" + clientPort;
    String peer = "127.0.0.1:" + peerPort;
    ServerConfig config =
        config(
            "dynamo.node.port=" + clientPort,
            "dynamo.peer.port=" + peerPort,
            "dynamo.storage.engine=memory");
    try (NodeRuntime runtime = NodeRuntime.start(config, new ThriftTransportFactory())) {
      try (ThriftAdminClient admin = ThriftAdminClient.connect(client, Duration.ofSeconds(5))) {
        // Membership loads its state on the node's scheduler after start returns.
        await().atMost(Duration.ofSeconds(20)).until(() -> !admin.status().members().isEmpty());
        assertThat(admin.status().members())
            .singleElement()
            .satisfies(
                m -> {
                  assertThat(m.address()).isEqualTo(client);
                  assertThat(m.peerAddress()).isEqualTo(peer);
                });
        AdminToken token = AdminToken.of(SecretFile.existing(config));
        byte[] other = new byte[32];
        other[0] = 1;
        AdminToken wrong = AdminToken.of(ClusterSecret.of(List.of(other)));
        assertThat(admin.status().sections())
            .as("the transport reports its own section beside the node's")
            .filteredOn(section -> section.name().equals("transport"))
            .singleElement()
            .satisfies(
                section ->
                    assertThat(section.stats())
                        .extracting(StatusSection.Stat::name)
                        .containsExactly(
                            "client.direct.replies",
                            "peer.direct.replies",
                            "peer.requests",
                            "peer.request.writes",
                            "peer.connections"));
        assertThatThrownBy(() -> admin.remove(wrong, "n9"))
            .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> admin.remove(token, "n9"))
            .as("the token opens the door; the command itself fails")
            .isInstanceOf(DynamoException.class)
            .isNotInstanceOf(AuthenticationException.class)
            .hasMessageContaining("n9");
      }
      try (ThriftAdminClient onPeerPort = ThriftAdminClient.connect(peer, Duration.ofSeconds(5))) {
        assertThatThrownBy(onPeerPort::status)
            .as("client requests are refused on the peer port")
            .isInstanceOf(DynamoException.class);
      }
      assertThat(fetch(runtime, "/metrics"))
          .contains("dynamo_connections_open{listener=\"client\",node=\"n1\"}")
          .contains("dynamo_connections_idle_total{listener=\"peer\",node=\"n1\"}")
          .containsPattern("dynamo_peer_channels_refused_total\\{node=\"n1\"\\} [1-9]")
          .contains("dynamo_transport_client_direct_replies_total{node=\"n1\"}")
          .contains("dynamo_transport_peer_connections{node=\"n1\"}");
    }
  }

  private static int freePort() {
    return io.dynamokv.server.FreePorts.next();
  }

  private static String fetch(NodeRuntime runtime, String path) throws Exception {
    int port = runtime.metricsAddress().orElseThrow().getPort();
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static int health(NodeRuntime runtime) throws Exception {
    int port = runtime.metricsAddress().orElseThrow().getPort();
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
