/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.sim.SimCluster;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Membership and the real ring planner together: the claimant's rings are balanced and every node
 * agrees.
 */
class RingMembershipTest {
  private static final StoreDefinition STORE = StoreDefinition.of("s");

  @Test
  void twentyNodesAgreeOnOneBalancedRing() {
    DynamoSim sim = new DynamoSim(7, 20, List.of(STORE));
    sim.formCluster();
    Ring ring = sim.node(1).ring().orElseThrow();
    for (SimCluster<DynamoNode>.Instance n : sim.cluster.nodes()) {
      assertThat(n.service().ring()).contains(ring);
    }
    assertThat(ring.nodeCount()).isEqualTo(20);
    int q = ring.partitionCount();
    for (NodeId node : ring.nodes()) {
      assertThat(ring.partitionsOf(node).size()).isBetween(q / 20, (q + 19) / 20);
    }
    for (int p = 0; p < q; p++) {
      assertThat(Set.copyOf(ring.preferenceList(p, 3))).hasSize(3);
    }
  }

  @Test
  void aLateJoinerTakesItsShareAndEveryoneConverges() {
    DynamoSim sim = new DynamoSim(8, 6, List.of(STORE));
    sim.cluster.node(6).crash();
    sim.formCluster();
    Ring before = sim.node(1).ring().orElseThrow();
    assertThat(before.nodeCount()).isEqualTo(5);
    sim.cluster.node(6).start();
    sim.cluster.simulation().runUntilOrFail("joined", sim::formed, Duration.ofMinutes(2));
    Ring after = sim.node(1).ring().orElseThrow();
    assertThat(after.nodeCount()).isEqualTo(6);
    long moved =
        java.util.stream.IntStream.range(0, after.partitionCount())
            .filter(p -> !after.owner(p).equals(before.owner(p)))
            .count();
    // Only what the newcomer takes moves: about Q/6 partitions, all to it.
    assertThat(moved).isEqualTo(after.partitionsOf(NodeId.of("n6")).size());
    assertThat(
            sim.cluster.nodes().stream()
                .map(n -> n.service().ring().orElseThrow())
                .collect(Collectors.toSet()))
        .hasSize(1);
  }
}
