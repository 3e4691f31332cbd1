/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.PutRequest;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/** {@code maxConnections} holds under a burst of connections, and the server recovers after it. */
@Timeout(60)
class ConnectionLimitTest {
  private static final int MAX_CONNECTIONS = 4;
  private static final int FLOOD = 10;

  private ThriftTestNode node;

  @BeforeEach
  void start() {
    node = ThriftTestNode.start(b -> b.maxConnections(MAX_CONNECTIONS));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @RepeatedTest(3)
  void connectionsOverTheLimitAreClosedPromptly() throws Exception {
    List<RawConnection> flood = new ArrayList<>();
    try {
      for (int i = 0; i < FLOOD; i++) {
        flood.add(RawConnection.open(node.port()));
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> node.server().rejectedConnections() == FLOOD - MAX_CONNECTIONS);
      assertThat(node.server().openConnections()).isEqualTo(MAX_CONNECTIONS);

      List<RawConnection> admitted = new ArrayList<>();
      for (RawConnection c : flood) {
        if (!c.closedWithin(Duration.ofMillis(200))) {
          admitted.add(c);
        }
      }
      assertThat(admitted).hasSize(MAX_CONNECTIONS);
      // The admitted connections are served normally.
      for (RawConnection c : admitted) {
        c.sendFrame(RawConnection.call("cluster", 1, new DynamoService.cluster_args()));
        DynamoService.cluster_result result = new DynamoService.cluster_result();
        assertThat(RawConnection.decodeReply(c.readFrame(Duration.ofSeconds(5)), result)).isEmpty();
        assertThat(result.getSuccess().getNodeId()).isEqualTo("solo");
      }
    } finally {
      for (RawConnection c : flood) {
        c.close();
      }
    }

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> node.server().openConnections() == 0);
    assertThat(node.server().rejectedConnections()).isEqualTo(FLOOD - MAX_CONNECTIONS);
    try (ThriftTestNode.Client client = node.client()) {
      client.put(
          new PutRequest(ThriftTestNode.STORE, utf8("k"), utf8("v"), ByteBuffer.allocate(0)));
      assertThat(client.get(new GetRequest(ThriftTestNode.STORE, utf8("k"))).getValues())
          .containsExactly(utf8("v"));
    }
  }

  /** Connections arriving all at once: the limit is counted when accepting, not later. */
  @RepeatedTest(5)
  void aBurstOfConnectionsAdmitsNoMoreThanTheLimit() throws Exception {
    int burst = 40;
    List<Socket> sockets = new CopyOnWriteArrayList<>();
    CyclicBarrier ready = new CyclicBarrier(burst);
    List<Thread> connectors = new ArrayList<>();
    try {
      for (int i = 0; i < burst; i++) {
        Socket s = new Socket();
        sockets.add(s);
        Thread t =
            new Thread(
                () -> {
                  try {
                    ready.await(10, TimeUnit.SECONDS);
                    s.connect(new InetSocketAddress("127.0.0.1", node.port()), 5_000);
                  } catch (Exception e) {
                    // a refused connect is an outcome too; the counts below tell
                  }
                });
        connectors.add(t);
        t.start();
      }
      for (Thread t : connectors) {
        t.join(10_000);
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> node.server().rejectedConnections() == burst - MAX_CONNECTIONS);
      assertThat(node.server().openConnections()).isEqualTo(MAX_CONNECTIONS);
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> node.server().openConnections() == 0);
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
