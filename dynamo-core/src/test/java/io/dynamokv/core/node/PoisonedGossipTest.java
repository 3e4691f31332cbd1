/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.membership.ClusterView;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.GossipRefusal;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeState;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimSeeds;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reproductions of issue 15 ("gossip that cannot be poisoned"), on a simulated 5-node cluster
 * of {@link DynamoNode}s with the production ring planner: one hostile gossip message, or a bad
 * ring persisted by a node before the fix, must neither spread nor wedge the claimant.
 */
class PoisonedGossipTest {
  private static final String STORE = "cart";
  private static final byte[] VIEW_KEY = "membership/view".getBytes(UTF_8);
  private static final NodeId N2 = NodeId.of("n2");

  /** {@code -Dsim.seed=S} runs the scenarios with another seed. */
  private final DynamoSim sim =
      new DynamoSim(SimSeeds.seed(15), 5, List.of(StoreDefinition.of(STORE)));

  /**
   * The reviewer's reproduction: one Ack2 carrying ring bytes {1,2,3} at ring version 1000, sent to
   * one node. Before the fix it spread to every node within 20 simulated seconds and the claimant
   * could never plan again.
   */
  @Test
  void aRingThatDoesNotDecodeIsRefusedAndNeverSpreads() {
    sim.formCluster();
    long before = sim.node(1).membership().view().ringVersion();
    inject(3, new RingState(new byte[] {1, 2, 3}, 1000, N2));
    sim.cluster.runFor(Duration.ofSeconds(20));
    assertEveryNodeHoldsAValidRingBelow(1000);
    assertThat(sim.node(1).membership().view().ringVersion()).isEqualTo(before);
    assertTheClaimantStillPlans();
  }

  /** A well-formed ring at version Long.MAX would freeze every later ring change (version + 1). */
  @Test
  void aRingVersionThatWouldOverflowIsRefused() {
    sim.formCluster();
    byte[] valid = sim.node(1).membership().view().ringBytes();
    inject(4, new RingState(valid, Long.MAX_VALUE, N2));
    sim.cluster.runFor(Duration.ofSeconds(20));
    assertEveryNodeHoldsAValidRingBelow(1000);
    assertTheClaimantStillPlans();
  }

  /**
   * A node that persisted a bad ring before the fix starts, ignores it and recovers the ring from
   * its peers.
   */
  @Test
  void aNodeThatPersistedABadRingRecoversItFromItsPeers() {
    sim.formCluster();
    RingState agreed = sim.node(1).membership().view().ring();
    poisonPersistedRing(4, new RingState(new byte[] {1, 2, 3}, 1000, N2));
    sim.cluster.node(4).start();
    sim.formCluster();
    assertThat(sim.node(4).membership().view().ring()).isEqualTo(agreed);
    assertEveryNodeHoldsAValidRingBelow(1000);
    assertTheClaimantStillPlans();
  }

  /**
   * Every node persisted the bad ring (it had spread before the fix): no peer holds a valid ring,
   * so the claimant plans a fresh one that outranks the refused one, and the cluster serves again.
   */
  @Test
  void whenNoPeerHoldsAValidRingTheClaimantPlansAFreshOne() {
    sim.formCluster();
    byte[] valid = sim.node(1).membership().view().ringBytes();
    for (int i = 1; i <= 5; i++) {
      poisonPersistedRing(i, new RingState(i % 2 == 0 ? valid : new byte[] {1, 2, 3}, 1000, N2));
    }
    sim.cluster.startAll();
    sim.formCluster();
    assertEveryNodeHoldsAValidRingBelow(1000);
    RingState fresh = sim.node(2).membership().view().ring();
    assertThat(fresh.epoch()).as("the fresh ring's epoch").isEqualTo(1);
    assertThat(fresh.author()).as("planned by the claimant").isEqualTo(NodeId.of("n1"));
    assertThat(sim.node(2).ring().orElseThrow().epoch()).isEqualTo(1);
    assertThat(sim.node(2).ring().orElseThrow().nodes()).hasSize(5);
    assertThat(sim.node(1).membership().stats().refused().get(GossipRefusal.Reason.INVALID_RING))
        .as("n1 refused its persisted ring")
        .isEqualTo(1);
    byte[] key = "after".getBytes(UTF_8);
    sim.join(
        sim.node(3).put(STORE, key, "v".getBytes(UTF_8), Context.EMPTY, RequestOptions.DEFAULTS));
    assertThat(sim.join(sim.node(5).get(STORE, key, RequestOptions.quorum(3))).values()).hasSize(1);
    assertTheClaimantStillPlans();
  }

  /**
   * Well-formed JOINING members beyond the ring's capacity (Q = 64 partitions): before, the planner
   * threw on every reconcile and the claimant could never plan again. Now joining nodes beyond Q
   * wait, and other changes (a leave, here) are still planned.
   */
  @Test
  void joiningNodesBeyondTheRingsCapacityWaitWithoutStoppingTheClaimant() {
    sim.formCluster();
    List<NodeState> crowd = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      NodeId id = NodeId.of(String.format("x%02d", i));
      crowd.add(new NodeState(id, 1, 1, NodeStatus.JOINING, id + ":7000", "", 0));
    }
    sim.node(1).membership().handle(N2, new GossipMessage.Ack2(crowd, null));
    sim.cluster.runFor(Duration.ofSeconds(10));
    // The joiners are pending owners: gossip states that no process stands behind never answer
    // the claimant's readiness queries, so the move never completes, but it is planned.
    Ring full = sim.node(1).ring().orElseThrow();
    assertThat(full.pending().orElseThrow().nodes())
        .hasSize(64)
        .contains(NodeId.of("n5"))
        .doesNotContain(NodeId.of("x69"));
    NodeId n5 = NodeId.of("n5");
    sim.node(5).membership().leave();
    assertThat(
            sim.cluster.runUntil(
                () ->
                    !sim.node(1).ring().orElseThrow().pending().orElseThrow().nodes().contains(n5),
                Duration.ofMinutes(1)))
        .as("the claimant planned n5 out")
        .isTrue();
    assertThat(sim.node(1).ring().orElseThrow().pending().orElseThrow().nodes())
        .hasSize(64)
        .doesNotContain(n5)
        .contains(NodeId.of("x59"));
  }

  // ---- helpers ----

  private void inject(int node, RingState ring) {
    sim.node(node).membership().handle(N2, new GossipMessage.Ack2(List.of(), ring));
  }

  /**
   * Crashes node {@code node} and writes {@code ring} into its persisted view, as before the fix.
   */
  private void poisonPersistedRing(int node, RingState ring) {
    SimCluster<DynamoNode>.Instance instance = sim.cluster.node(node);
    if (instance.isUp()) {
      instance.crash();
    }
    MemoryStorageEngine engine = MemoryStorageEngine.open(instance.directory());
    Keyspace metadata = engine.keyspace(StorageEngine.METADATA);
    ClusterView view = MembershipCodec.decodeView(metadata.get(VIEW_KEY));
    metadata.put(
        VIEW_KEY, MembershipCodec.encode(new ClusterView(view.nodes(), view.removals(), ring)));
    engine.close();
  }

  /** Every up node's current and persisted ring decodes, and its version is below {@code limit}. */
  private void assertEveryNodeHoldsAValidRingBelow(long limit) {
    for (SimCluster<DynamoNode>.Instance n : sim.cluster.nodes()) {
      if (!n.isUp()) {
        continue;
      }
      MembershipView view = n.service().membership().view();
      assertThat(view.ringVersion()).as("%s's ring version", n.id()).isLessThan(limit);
      Ring ring = RingCodec.decode(view.ringBytes());
      assertThat(n.service().ring()).as("%s routes by its ring", n.id()).contains(ring);
      MemoryStorageEngine engine = MemoryStorageEngine.open(n.directory());
      ClusterView persisted =
          MembershipCodec.decodeView(engine.keyspace(StorageEngine.METADATA).get(VIEW_KEY));
      assertThat(persisted.ring().version()).as("%s's persisted ring", n.id()).isLessThan(limit);
      RingCodec.decode(persisted.ring().ring());
    }
  }

  /**
   * The claimant can still change the ring: a restarted node comes back NORMAL, and a new node
   * joins and is planned into the ring.
   */
  private void assertTheClaimantStillPlans() {
    sim.cluster.node(5).restart();
    SimCluster<DynamoNode>.Instance joiner = sim.cluster.addNode();
    joiner.start();
    sim.formCluster();
    for (SimCluster<DynamoNode>.Instance n : sim.cluster.nodes()) {
      assertThat(n.service().membership().view().status(n.id()))
          .as("%s's own status", n.id())
          .isEqualTo(NodeStatus.NORMAL);
      assertThat(n.service().ring().orElseThrow().nodes()).contains(joiner.id()).hasSize(6);
    }
  }
}
