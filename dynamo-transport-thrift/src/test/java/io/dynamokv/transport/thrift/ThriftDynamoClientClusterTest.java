/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static io.dynamokv.transport.thrift.ThriftDynamoClientTest.bytes;
import static io.dynamokv.transport.thrift.ThriftDynamoClientTest.strings;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.Token;
import io.dynamokv.transport.thrift.client.ClientProbe;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@link ThriftDynamoClient} against three nodes (n1..n3) with N=3, R=2, W=2, plus a store with N=1
 * on which routing is visible: a key has a single owner, so a request that reaches anyone else must
 * be forwarded.
 */
class ThriftDynamoClientClusterTest {
  private static final String STORE = "default";
  private static final String SINGLE = "single";
  private static final List<StoreDefinition> STORES =
      List.of(StoreDefinition.of(STORE, 3, 2, 2), StoreDefinition.of(SINGLE, 1, 1, 1));

  private static ThriftTestCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ThriftTestCluster.start(3, STORES);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void putGetDelete() {
    try (ThriftDynamoClient client = cluster.client().build()) {
      for (int i = 0; i < 20; i++) {
        byte[] key = bytes("pgd-" + i);
        client.put(STORE, key, bytes("v" + i), Context.EMPTY);
        GetResult read = client.get(STORE, key);
        assertThat(strings(read)).containsExactly("v" + i);
        client.delete(STORE, key, read.context());
        assertThat(client.get(STORE, key).isAbsent()).isTrue();
      }
    }
  }

  @Test
  void twoClientsWritingWithTheSameContextLeaveSiblingsThatOneWriteReconciles() {
    try (ThriftDynamoClient alice = cluster.client().build();
        ThriftDynamoClient bob = cluster.client().build()) {
      byte[] key = bytes("cart-of-two");
      alice.put(STORE, key, bytes("alice"), Context.EMPTY);
      bob.put(STORE, key, bytes("bob"), Context.EMPTY);

      GetResult read = bob.get(STORE, key);
      assertThat(strings(read)).containsExactlyInAnyOrder("alice", "bob");
      assertThat(strings(alice.get(STORE, key))).containsExactlyInAnyOrder("alice", "bob");

      alice.put(STORE, key, bytes("alice+bob"), read.context());
      assertThat(strings(bob.get(STORE, key))).containsExactly("alice+bob");
      assertThat(strings(alice.get(STORE, key))).containsExactly("alice+bob");
    }
  }

  /**
   * With client routing, each N=1 key's put and get are coordinated by its owner (the node's
   * counters grow by exactly the keys it owns) and nothing is forwarded. Without it, the one node
   * the client talks to forwards every write it does not own.
   */
  @Test
  void routedRequestsReachTheOwnerDirectly() {
    Ring ring = cluster.ring();
    List<byte[]> keys = new ArrayList<>();
    Map<NodeId, Integer> owned = new TreeMap<>();
    for (int i = 0; i < 60; i++) {
      byte[] key = bytes("routed-" + i);
      keys.add(key);
      owned.merge(ring.preferenceList(Token.of(key), 1).get(0), 1, Integer::sum);
    }
    assertThat(owned).as("the keys spread over every node").hasSize(3);

    Map<NodeId, ThriftTestCluster.Counts> before = counts();
    try (ThriftDynamoClient client = cluster.client().build()) {
      for (byte[] key : keys) {
        client.put(SINGLE, key, key, Context.EMPTY);
        assertThat(client.get(SINGLE, key).values()).containsExactly(key);
      }
    }
    Map<NodeId, ThriftTestCluster.Counts> after = counts();
    for (ThriftTestCluster.Node node : cluster.nodes()) {
      ThriftTestCluster.Counts b = before.get(node.id);
      ThriftTestCluster.Counts a = after.get(node.id);
      int mine = owned.get(node.id);
      assertThat(a.forwarded() - b.forwarded()).as("forwarded by %s", node.id).isZero();
      assertThat(a.writes() - b.writes()).as("writes coordinated by %s", node.id).isEqualTo(mine);
      assertThat(a.reads() - b.reads()).as("reads coordinated by %s", node.id).isEqualTo(mine);
    }

    // The contrast: server-driven coordination through n1 forwards what n1 does not own.
    ThriftTestCluster.Node n1 = cluster.node(1);
    before = counts();
    try (ThriftDynamoClient viaN1 =
        ThriftDynamoClient.builder()
            .bootstrap(List.of(n1.address()))
            .partitionAware(false)
            .build()) {
      for (byte[] key : keys) {
        GetResult read = viaN1.get(SINGLE, key);
        viaN1.put(SINGLE, key, bytes("again"), read.context());
        assertThat(strings(viaN1.get(SINGLE, key))).containsExactly("again");
      }
    }
    after = counts();
    int notOwnedByN1 = keys.size() - owned.get(n1.id);
    assertThat(after.get(n1.id).forwarded() - before.get(n1.id).forwarded())
        .isEqualTo(notOwnedByN1)
        .isPositive();
    assertThat(after.get(n1.id).reads() - before.get(n1.id).reads()).isEqualTo(2L * keys.size());
  }

  /**
   * The N=3 store: a write goes to the first node of the key's preference list, which coordinates
   * it.
   */
  @Test
  void writesGoToTheFirstNodeOfThePreferenceList() {
    Ring ring = cluster.ring();
    Map<NodeId, Integer> first = new HashMap<>();
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      byte[] key = bytes("first-" + i);
      keys.add(key);
      first.merge(ring.preferenceList(Token.of(key), 3).get(0), 1, Integer::sum);
    }
    Map<NodeId, ThriftTestCluster.Counts> before = counts();
    try (ThriftDynamoClient client = cluster.client().build()) {
      for (byte[] key : keys) {
        client.put(STORE, key, key, Context.EMPTY);
      }
    }
    Map<NodeId, ThriftTestCluster.Counts> after = counts();
    for (ThriftTestCluster.Node node : cluster.nodes()) {
      assertThat(after.get(node.id).writes() - before.get(node.id).writes())
          .as("writes coordinated by %s", node.id)
          .isEqualTo((long) first.getOrDefault(node.id, 0));
    }
  }

  /**
   * A client whose whole cluster is gone refreshes its ring many times a second (every failed
   * request asks for one), but logs the outage once, not once per refresh.
   */
  @Test
  void aClusterOutageIsLoggedOnceNotOncePerRefresh() {
    Logger clientLog = (Logger) LoggerFactory.getLogger(ThriftDynamoClient.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    clientLog.addAppender(lines);
    try (ThriftTestCluster one = ThriftTestCluster.start(1, STORES);
        ThriftDynamoClient client =
            one.client().ringRefreshInterval(Duration.ofMillis(20)).build()) {
      long before = ClientProbe.refreshes(client);
      one.close();
      Awaitility.await("40 ring refreshes with no node up")
          .atMost(Duration.ofSeconds(30))
          .until(() -> ClientProbe.refreshes(client) - before >= 40);
      assertThat(
              lines.list.stream()
                  .filter(e -> e.getFormattedMessage().contains("ring refresh"))
                  .map(ILoggingEvent::getFormattedMessage))
          .singleElement()
          .asString()
          .contains("no node answered");
    } finally {
      clientLog.detachAppender(lines);
    }
  }

  /** A separate cluster: one of its nodes is stopped. */
  @Test
  void readsAndWritesFailOverWhenANodeStops() {
    try (ThriftTestCluster three = ThriftTestCluster.start(3, STORES);
        ThriftDynamoClient client = three.client().build()) {
      Ring ring = three.ring();
      NodeId victim = NodeId.of("n2");
      List<byte[]> keys = new ArrayList<>();
      int victimFirst = 0;
      for (int i = 0; i < 30; i++) {
        byte[] key = bytes("failover-" + i);
        keys.add(key);
        if (ring.preferenceList(Token.of(key), 3).get(0).equals(victim)) {
          victimFirst++;
        }
        client.put(STORE, key, bytes("before"), Context.EMPTY);
      }
      assertThat(victimFirst).as("some keys prefer the victim").isPositive();
      long refreshes = ClientProbe.refreshes(client);

      three.node(victim).stop();

      for (byte[] key : keys) {
        GetResult read = client.get(STORE, key);
        assertThat(strings(read)).containsExactly("before");
        client.put(STORE, key, bytes("after"), read.context());
        assertThat(strings(client.get(STORE, key))).containsExactly("after");
      }
      assertThat(ClientProbe.failovers(client))
          .as("requests that moved past the victim")
          .isPositive();
      // Asked for at once, run on the refresh thread at least MIN_REFRESH_GAP after the last one.
      Awaitility.await("a failed connection refreshes the ring")
          .atMost(Duration.ofSeconds(10))
          .until(() -> ClientProbe.refreshes(client) > refreshes);
      Awaitility.await("the live nodes' failure detectors suspect the victim")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  three.nodes().stream()
                      .filter(ThriftTestCluster.Node::isUp)
                      .allMatch(
                          n -> !n.dynamo().membership().view().members().get(victim).reachable()));
      Awaitility.await("the client learns it from its ring refresh")
          .atMost(Duration.ofSeconds(30))
          .until(() -> ClientProbe.unreachable(client).contains(victim));
      // Once the cluster reports it, the victim is tried last: no more failovers.
      long failovers = ClientProbe.failovers(client);
      for (byte[] key : keys) {
        assertThat(strings(client.get(STORE, key))).containsExactly("after");
      }
      assertThat(ClientProbe.failovers(client)).isEqualTo(failovers);
    }
  }

  private static Map<NodeId, ThriftTestCluster.Counts> counts() {
    Map<NodeId, ThriftTestCluster.Counts> counts = new TreeMap<>();
    for (ThriftTestCluster.Node node : cluster.nodes()) {
      counts.put(node.id, node.counts());
    }
    return counts;
  }
}
