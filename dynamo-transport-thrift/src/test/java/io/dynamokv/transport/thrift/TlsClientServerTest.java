/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.server.TlsClientServer;
import io.dynamokv.transport.thrift.server.TlsClientServerConfig;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node's client service over TLS ({@link TlsClientServer}), with real sockets and stores. */
@Timeout(120)
class TlsClientServerTest {
  @TempDir static Path stores;
  private static TestCa ca;

  private ThriftTestNode node;
  private DynamoService.AsyncIface service;
  private TlsClientServer server;

  @BeforeAll
  static void makeCa() throws Exception {
    ca = TestCa.make(stores.resolve("ca"));
  }

  @BeforeEach
  void startNode() {
    AtomicReference<DynamoService.AsyncIface> captured = new AtomicReference<>();
    node =
        ThriftTestNode.start(
            StoreDefinition.of(ThriftTestNode.STORE, 1, 1, 1),
            UnaryOperator.identity(),
            s -> {
              captured.set(s);
              return s;
            });
    service = captured.get();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    node.close();
  }

  private TlsClientServer serve(
      TlsSettings settings, UnaryOperator<TlsClientServerConfig.Builder> config) {
    server =
        TlsClientServer.start(
            config.apply(TlsClientServerConfig.builder("127.0.0.1", 0)).build(),
            settings.load(),
            service);
    return server;
  }

  private String address() {
    return "127.0.0.1:" + server.address().getPort();
  }

  private ThriftDynamoClient client(TlsSettings tls) {
    ThriftDynamoClient.Builder b =
        ThriftDynamoClient.builder()
            .bootstrap(List.of(address()))
            .partitionAware(false)
            .connectTimeout(Duration.ofSeconds(5))
            .requestTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      b.tls(tls);
    }
    return b.build();
  }

  @Test
  void aTlsClientPutsAndGetsAndSeesTheSameErrorsAsOnThePlainPort() {
    serve(TlsSettings.server(ca.server(), null), UnaryOperator.identity());
    try (ThriftDynamoClient client = client(TlsSettings.client(ca.trust(), null))) {
      client.put("default", bytes("k"), bytes("v1"), client.get("default", bytes("k")).context());
      GetResult read = client.get("default", bytes("k"));
      assertThat(read.values()).containsExactly(bytes("v1"));
      assertThatThrownBy(() -> client.get("nope", bytes("k")))
          .isInstanceOf(StoreNotFoundException.class);
    }
    try (ThriftAdminClient admin =
        ThriftAdminClient.connect(
            address(), Duration.ofSeconds(5), TlsSettings.client(ca.trust(), null).load())) {
      assertThat(admin.status().nodeId()).isEqualTo("solo");
    }
  }

  @Test
  void aPlaintextClientIsToldToUseTlsAndTheServerKeepsServing() {
    serve(TlsSettings.server(ca.server(), null), UnaryOperator.identity());
    assertThatThrownBy(() -> client(null))
        .isInstanceOf(ThriftDynamoClient.UnavailableException.class)
        .hasMessageContaining(address() + " (INVALID_REQUEST port " + server.address().getPort())
        .hasMessageContaining("serves clients over TLS only: connect with TLS");
    assertThatThrownBy(() -> ThriftAdminClient.connect(address(), Duration.ofSeconds(5)).status())
        .hasMessageContaining("serves clients over TLS only");
    assertThat(server.plaintextRefused()).isEqualTo(2);
    try (ThriftDynamoClient client = client(TlsSettings.client(ca.trust(), null))) {
      assertThat(client.get("default", bytes("k")).values()).isEmpty();
    }
  }

  @Test
  void aClientThatDoesNotTrustTheServerFailsTheHandshake() {
    serve(TlsSettings.server(ca.server(), null), UnaryOperator.identity());
    assertThatThrownBy(() -> client(TlsSettings.client(ca.untrusted(), null)))
        .isInstanceOf(ThriftDynamoClient.UnavailableException.class)
        .hasMessageContaining("TLS handshake with " + address() + " failed")
        .hasMessageContaining("certification path");
    Awaitility.await().until(() -> server.handshakeFailures() == 1);
    Awaitility.await().until(() -> server.openConnections() == 0);
  }

  @Test
  void aServerThatNamesAnotherHostIsRefused() {
    serve(TlsSettings.server(ca.server(), null), UnaryOperator.identity());
    // The certificate names localhost, 127.0.0.1 and ::1; 127.0.0.2 reaches the same socket only
    // where the whole 127/8 is loopback, so check through the admin client's host instead.
    TlsContext tls = TlsSettings.client(ca.trust(), null).load();
    assertThatThrownBy(
            () ->
                tls.client(
                        new Socket("127.0.0.1", server.address().getPort()),
                        "elsewhere.example",
                        server.address().getPort())
                    .startHandshake())
        .hasMessageContaining("elsewhere.example");
  }

  @Test
  void withATrustStoreTheServerRefusesClientsWithoutACertificate() {
    serve(TlsSettings.server(ca.server(), ca.trust()), UnaryOperator.identity());
    assertThatThrownBy(() -> client(TlsSettings.client(ca.trust(), null)))
        .isInstanceOf(ThriftDynamoClient.UnavailableException.class)
        .hasMessageContaining("could not reach any bootstrap node");
    Awaitility.await().until(() -> server.handshakeFailures() == 1);
    try (ThriftDynamoClient client = client(TlsSettings.client(ca.trust(), ca.client()))) {
      assertThat(client.get("default", bytes("k")).values()).isEmpty();
    }
  }

  @Test
  void aWrongPasswordOrMissingStoreIsNamed() {
    TlsSettings.Store wrong = TlsSettings.Store.pkcs12(ca.server().path(), "not-the-password");
    assertThatThrownBy(() -> TlsSettings.server(wrong, null).load())
        .isInstanceOfSatisfying(
            TlsSettings.InvalidException.class,
            e -> assertThat(e.part()).isEqualTo(TlsSettings.Part.KEY_STORE_PASSWORD))
        .hasMessageContaining("wrong password for key store " + ca.server().path());
    TlsSettings.Store missing = TlsSettings.Store.pkcs12(stores.resolve("nope.p12"), "x");
    assertThatThrownBy(() -> TlsSettings.server(ca.server(), missing).load())
        .isInstanceOfSatisfying(
            TlsSettings.InvalidException.class,
            e -> assertThat(e.part()).isEqualTo(TlsSettings.Part.TRUST_STORE))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> TlsSettings.server(ca.trust(), null).load())
        .isInstanceOfSatisfying(
            TlsSettings.InvalidException.class,
            e -> assertThat(e.part()).isEqualTo(TlsSettings.Part.KEY_STORE))
        .hasMessageContaining("holds no private key");
    assertThatThrownBy(
            () -> TlsSettings.server(ca.server(), null).withProtocols(List.of("SSLv2")).load())
        .isInstanceOfSatisfying(
            TlsSettings.InvalidException.class,
            e -> assertThat(e.part()).isEqualTo(TlsSettings.Part.PROTOCOLS));
  }

  @Test
  void idleConnectionsAndStalledHandshakesAreClosed() throws Exception {
    serve(
        TlsSettings.server(ca.server(), null),
        // 2 s for a handshake: ample on a slow machine, short enough for the silent connection.
        c -> c.idleTimeout(Duration.ofMillis(300)).frameReadTimeout(Duration.ofSeconds(2)));
    TlsContext tls = TlsSettings.client(ca.trust(), null).load();
    try (SSLSocket idle =
            tls.client(
                new Socket("127.0.0.1", server.address().getPort()),
                "127.0.0.1",
                server.address().getPort());
        Socket silent = new Socket("127.0.0.1", server.address().getPort())) {
      idle.startHandshake();
      Awaitility.await().until(() -> server.idleClosed() == 1);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> server.stalledConnections() == 1);
      Awaitility.await().until(() -> server.openConnections() == 0);
      assertClosedByServer(idle);
    }
  }

  @Test
  void connectionsBeyondTheLimitAreClosedOnAccept() throws Exception {
    serve(TlsSettings.server(ca.server(), null), c -> c.maxConnections(1));
    try (Socket first = new Socket("127.0.0.1", server.address().getPort())) {
      Awaitility.await().until(() -> server.openConnections() == 1);
      try (Socket second = new Socket("127.0.0.1", server.address().getPort())) {
        Awaitility.await().until(() -> server.rejectedConnections() == 1);
        assertClosedByServer(second);
      }
    }
    Awaitility.await().until(() -> server.openConnections() == 0);
    try (ThriftDynamoClient client = client(TlsSettings.client(ca.trust(), null))) {
      assertThat(client.get("default", bytes("k")).values()).isEmpty();
    }
  }

  @Test
  void anOversizedFrameClosesItsConnectionOnly() throws Exception {
    serve(TlsSettings.server(ca.server(), null), c -> c.maxFrameBytes(4096));
    TlsContext tls = TlsSettings.client(ca.trust(), null).load();
    try (SSLSocket s =
        tls.client(
            new Socket("127.0.0.1", server.address().getPort()),
            "127.0.0.1",
            server.address().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {0, 0, 0x10, 1}); // 4097 bytes announced
      out.flush();
      assertClosedByServer(s);
    }
    assertThat(server.invalidFrames()).isEqualTo(1);
    try (ThriftDynamoClient client = client(TlsSettings.client(ca.trust(), null))) {
      assertThat(client.get("default", bytes("k")).values()).isEmpty();
    }
  }

  @Test
  void closeAnswersWhatWasReadAndThenRefusesConnections() throws Exception {
    serve(TlsSettings.server(ca.server(), null), UnaryOperator.identity());
    InetSocketAddress at = server.address();
    ThriftDynamoClient client = client(TlsSettings.client(ca.trust(), null));
    try {
      client.put("default", bytes("k"), bytes("v"), client.get("default", bytes("k")).context());
      server.close();
      assertThat(server.openConnections()).isZero();
      assertThatThrownBy(() -> new Socket(at.getAddress(), at.getPort()).close())
          .isInstanceOf(java.net.ConnectException.class);
    } finally {
      client.close();
    }
  }

  @Test
  void theStoresAreNotReadableByOthers() throws Exception {
    // The script makes every file with mode 600: they hold keys and the password.
    if (Files.getFileStore(stores).supportsFileAttributeView("posix")) {
      assertThat(Files.getPosixFilePermissions(ca.server().path()))
          .containsExactlyInAnyOrder(
              PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
  }

  /** The server closed: the end of the stream, or (TLS without close_notify) an error. */
  private static void assertClosedByServer(Socket s) {
    int read;
    try {
      s.setSoTimeout(30_000);
      read = s.getInputStream().read();
    } catch (java.io.IOException e) {
      return;
    }
    assertThat(read).isEqualTo(-1);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }
}
