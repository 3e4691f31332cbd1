/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Idle connections cannot shut peers out (issue 17): clients and peers have separate listeners, and
 * both close idle connections; pooled peer connections outlive the peers' idle timeout without a
 * failed call.
 */
class IdleConnectionsTest {
  private static final String STORE = "s";
  private static final int IDLE_CLIENTS = 1024;

  @Test
  void idleClientConnectionsDelayNoGossipAndARestartedPeerRejoinsAtOnce() throws Exception {
    Duration clientIdle = Duration.ofSeconds(8);
    List<SocketChannel> idle = new ArrayList<>();
    try (ThriftTestCluster cluster =
        ThriftTestCluster.start(
            3,
            List.of(StoreDefinition.of(STORE, 3, 2, 2)),
            b -> b.maxConnections(IDLE_CLIENTS).idleTimeout(clientIdle))) {
      ThriftTestCluster.Node first = cluster.node(1);
      InetSocketAddress clientPort = first.server().address();
      for (int i = 0; i < IDLE_CLIENTS; i++) {
        idle.add(SocketChannel.open(clientPort));
      }
      Awaitility.await("the client listener is full")
          .atMost(Duration.ofSeconds(10))
          .until(() -> first.server().openConnections() >= IDLE_CLIENTS);
      long since = System.nanoTime();

      // A peer restarted now must open new connections to n1's peer port: it rejoins at once.
      NodeId n3 = cluster.node(3).id;
      long before = first.dynamo().membership().view().members().get(n3).generation();
      cluster.restart(3);
      Awaitility.await("n1 sees the new incarnation of n3")
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> sees(first, n3, before + 1));
      Awaitility.await("the cluster formed again")
          .atMost(Duration.ofSeconds(5))
          .until(cluster::formed);

      // A fresh client succeeds (through the nodes whose client port has room).
      try (ThriftDynamoClient client = cluster.client().build()) {
        client.put(STORE, "fresh".getBytes(UTF_8), "v".getBytes(UTF_8), Context.EMPTY);
        assertThat(client.get(STORE, "fresh".getBytes(UTF_8)).values()).hasSize(1);
      }
      // No peer was suspected while the client port was full.
      for (ThriftTestCluster.Node n : cluster.nodes()) {
        for (MembershipView.Member m : n.dynamo().membership().view().members().values()) {
          assertThat(m.id().equals(n.id) || m.reachable())
              .as("%s finds %s reachable", n.id, m.id())
              .isTrue();
        }
      }
      assertThat(Duration.ofNanos(System.nanoTime() - since))
          .as("all of the above while the idle connections were open")
          .isLessThan(clientIdle);

      // Then the idle timeout frees the client port, and a client of n1 alone is served.
      Awaitility.await("the idle connections are closed")
          .atMost(clientIdle.plusSeconds(10))
          .until(() -> first.server().idleConnections() >= IDLE_CLIENTS);
      try (ThriftDynamoClient client =
          ThriftDynamoClient.builder()
              .bootstrap(List.of(first.address()))
              .connectTimeout(Duration.ofSeconds(1))
              .requestTimeout(Duration.ofSeconds(2))
              .build()) {
        assertThat(client.get(STORE, "fresh".getBytes(UTF_8)).values()).hasSize(1);
      }
    } finally {
      for (SocketChannel c : idle) {
        closeQuietly(c);
      }
    }
  }

  @Test
  void pooledPeerConnectionsOutliveThePeersIdleTimeoutWithoutAFailedCall() throws Exception {
    NodeId a = NodeId.of("a");
    NodeId b = NodeId.of("b");
    Duration idleTimeout = Duration.ofMillis(400);
    try (ThriftCluster cluster =
        new ThriftCluster(
            t -> t.maxIdle(idleTimeout.dividedBy(2)).poolSize(2),
            s -> s.idleTimeout(idleTimeout))) {
      ThriftPeerTransport from = cluster.start(a);
      cluster.start(b);
      PeerMessage reply = new CoordinationMessage.ReplicaWriteReply();
      cluster.transport(b).serve((sender, request) -> CompletableFuture.completedFuture(reply));
      PeerMessage read = new CoordinationMessage.ReplicaRead(STORE, "k".getBytes(UTF_8));

      for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 20; i++) {
          assertThat(
                  from.call(b, read, Duration.ofSeconds(5))
                      .toCompletableFuture()
                      .get(10, TimeUnit.SECONDS))
              .isEqualTo(reply);
        }
        long closedBefore = cluster.server(b).idleConnections();
        // Quiet until b has closed a connection a keeps pooled: the next call must not fail.
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(20))
            .until(() -> cluster.server(b).idleConnections() > closedBefore);
      }
      assertThat(cluster.server(b).idleConnections()).isGreaterThanOrEqualTo(5);
    }
  }

  private static boolean sees(ThriftTestCluster.Node observer, NodeId id, long generation) {
    MembershipView.Member m = observer.dynamo().membership().view().members().get(id);
    return m != null && m.generation() >= generation && m.reachable();
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing
    }
  }
}
