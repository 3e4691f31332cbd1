/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.RingPlanner.RingChange;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RingPlannerTest {
  static NodeId node(int i) {
    return NodeId.of(String.format("node-%03d", i));
  }

  static TreeSet<NodeId> nodes(int count) {
    TreeSet<NodeId> nodes = new TreeSet<>();
    for (int i = 0; i < count; i++) {
      nodes.add(node(i));
    }
    return nodes;
  }

  /** Grows a cluster one join at a time from one node to {@code size}, returning every ring. */
  static List<Ring> grow(RingPlanner planner, int size) {
    Ring ring = planner.initial(nodes(1), Map.of());
    List<Ring> rings = new java.util.ArrayList<>(List.of(ring));
    for (int i = 1; i < size; i++) {
      ring = planner.join(ring, node(i), null);
      rings.add(ring);
    }
    return rings;
  }

  /** Asserted on owners of consecutive partitions, not on the (skipping) preference-list walk. */
  static void assertNoTailViolations(Ring ring, int n) {
    int q = ring.partitionCount();
    for (int p = 0; p < q; p++) {
      TreeSet<NodeId> window = new TreeSet<>();
      for (int i = 0; i < n; i++) {
        window.add(ring.owner((p + i) % q));
      }
      assertThat(window)
          .as("owners of partitions %d..%d of %s", p, p + n - 1, ring.owners())
          .hasSize(n);
    }
  }

  /**
   * ⌊Q/S⌋ to ⌈Q/S⌉ partitions each; for a ring laid out by zone (N = 3), the same within each zone
   * over the zone's partitions.
   */
  static void assertBalanced(Ring ring) {
    if (ZoneShares.byZone(ring, 3)) {
      ZoneShares.members(ring)
          .forEach(
              (zone, members) -> {
                int q = ZoneShares.partitions(ring, zone);
                int s = members.size();
                for (NodeId node : members) {
                  assertThat(ring.partitionsOf(node).size())
                      .as("partitions of %s among the %d nodes of zone '%s'", node, s, zone)
                      .isBetween(q / s, (q + s - 1) / s);
                }
              });
      return;
    }
    int q = ring.partitionCount();
    int s = ring.nodeCount();
    for (NodeId node : ring.nodes()) {
      assertThat(ring.partitionsOf(node).size())
          .as("partitions of %s among %d nodes, Q=%d", node, s, q)
          .isBetween(q / s, (q + s - 1) / s);
    }
  }

  /** Riak shipped tail violations at ring size 16 with 5 nodes. */
  @Test
  void riakTailViolationsRingSize16FiveNodes() {
    RingPlanner planner = RingPlanner.fixedPartitions(16, 3);
    for (Ring ring : grow(planner, 5)) {
      assertBalanced(ring);
      if (ring.nodeCount() >= 4) {
        assertNoTailViolations(ring, 3);
      }
    }
    Ring direct = planner.initial(nodes(5), Map.of());
    assertBalanced(direct);
    assertNoTailViolations(direct, 3);
  }

  /** Riak shipped an 8-vs-6 imbalance at ring size 32 with 5 nodes: it must be 7 and 6. */
  @Test
  void riakImbalanceRingSize32FiveNodes() {
    RingPlanner planner = RingPlanner.fixedPartitions(32, 3);
    List<Ring> grown = grow(planner, 5);
    for (Ring ring : List.of(grown.get(4), planner.initial(nodes(5), Map.of()))) {
      TreeMap<Integer, Integer> histogram = new TreeMap<>();
      for (NodeId node : ring.nodes()) {
        histogram.merge(ring.partitionsOf(node).size(), 1, Integer::sum);
      }
      assertThat(histogram).isEqualTo(Map.of(7, 2, 6, 3));
      assertNoTailViolations(ring, 3);
    }
    for (Ring ring : grown) {
      assertBalanced(ring);
    }
  }

  @Test
  void planningIsDeterministic() {
    Ring a = RingPlanner.fixedPartitions(256, 3).initial(nodes(7), Map.of());
    Ring b = RingPlanner.fixedPartitions(256, 3).initial(nodes(7), Map.of());
    assertThat(a).isEqualTo(b);
    Ring a2 = RingPlanner.fixedPartitions(256, 3).join(a, node(9), "z");
    Ring b2 = RingPlanner.fixedPartitions(256, 3).join(b, node(9), "z");
    assertThat(RingCodec.encode(a2)).isEqualTo(RingCodec.encode(b2));
    assertThat(a2.version()).isEqualTo(2);
  }

  @Test
  void stagedChangesDoNotDependOnTheirOrder() {
    RingPlanner planner = RingPlanner.fixedPartitions(64, 3);
    Ring ring = planner.initial(nodes(5), Map.of());
    RingChange joinX = RingChange.join(node(10), "z1");
    RingChange joinY = RingChange.join(node(11), null);
    RingChange leave = RingChange.leave(node(2));
    Ring one = planner.apply(ring, List.of(joinX, joinY, leave));
    Ring other = planner.apply(ring, List.of(leave, joinY, joinX));
    assertThat(one).isEqualTo(other);
    assertThat(one.nodes()).contains(node(10), node(11)).doesNotContain(node(2));
    assertThat(one.zoneOf(node(10))).contains("z1");
    assertBalanced(one);
    assertNoTailViolations(one, 3);
  }

  @Test
  void strategyOneTokensDoNotDependOnJoinOrder() {
    RingPlanner planner = RingPlanner.randomTokens(16, 3);
    Ring ring = planner.initial(nodes(3), Map.of());
    Ring xThenY = planner.join(planner.join(ring, node(10), null), node(11), null);
    Ring yThenX = planner.join(planner.join(ring, node(11), null), node(10), null);
    Ring batch =
        planner.apply(
            ring, List.of(RingChange.join(node(11), null), RingChange.join(node(10), null)));
    assertThat(xThenY.tokens()).isEqualTo(yThenX.tokens()).isEqualTo(batch.tokens());
    assertThat(xThenY.partitionCount()).isEqualTo(5 * 16);
    Ring without = planner.remove(xThenY, node(0));
    assertThat(without.partitionCount()).isEqualTo(4 * 16);
    assertThat(without.tokens().values()).doesNotContain(node(0));
  }

  @Test
  void leaveAndRemovePlanAlike() {
    RingPlanner planner = RingPlanner.fixedPartitions(128, 3);
    Ring ring = planner.initial(nodes(9), Map.of());
    assertThat(planner.leave(ring, node(4))).isEqualTo(planner.remove(ring, node(4)));
  }

  @Test
  void joinTakesFromManyDonorsAndLeaveGivesToManyReceivers() {
    RingPlanner planner = RingPlanner.fixedPartitions(1024, 3);
    Ring ring = planner.initial(nodes(10), Map.of());
    Ring joined = planner.join(ring, node(10), null);
    TreeSet<NodeId> donors = new TreeSet<>();
    int moved = 0;
    for (int p = 0; p < 1024; p++) {
      if (!ring.owner(p).equals(joined.owner(p))) {
        moved++;
        donors.add(ring.owner(p));
        assertThat(joined.owner(p)).isEqualTo(node(10));
      }
    }
    assertThat(moved).isEqualTo(1024 / 11);
    assertThat(donors).hasSize(10);

    Ring left = planner.leave(joined, node(3));
    TreeSet<NodeId> receivers = new TreeSet<>();
    for (int p : joined.partitionsOf(node(3))) {
      receivers.add(left.owner(p));
    }
    assertThat(receivers).hasSize(10);
  }

  @Test
  void fewerNodesThanReplicasStillBalancesAndMovesLittle() {
    RingPlanner planner = RingPlanner.fixedPartitions(16, 3);
    Ring two = planner.initial(nodes(2), Map.of());
    assertBalanced(two);
    assertNoTailViolations(two, 2);
    assertThat(two.preferenceList(0, 3)).hasSize(2);
    Ring three = planner.join(two, node(2), null);
    assertBalanced(three);
    assertThat(RingPlanner.canSeparateReplicas(16, 3, 3)).isFalse();
    for (int p = 0; p < 16; p++) {
      assertThat(three.preferenceList(p, 3)).doesNotHaveDuplicates().hasSize(3);
    }
    int moved = 0;
    for (int p = 0; p < 16; p++) {
      moved += two.owner(p).equals(three.owner(p)) ? 0 : 1;
    }
    assertThat(moved).as("S <= N: no window constraint, minimal movement").isEqualTo(16 / 3);
  }

  @Test
  void rejectsImpossibleRequests() {
    assertThatThrownBy(() -> RingPlanner.fixedPartitions(24, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("power of two");
    RingPlanner planner = RingPlanner.fixedPartitions(4, 3);
    assertThatThrownBy(() -> planner.initial(nodes(5), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("larger Q");
    Ring ring = planner.initial(nodes(2), Map.of());
    assertThatThrownBy(() -> RingPlanner.fixedPartitions(8, 3).next(ring, nodes(3), Map.of()))
        .hasMessageContaining("Q cannot change");
    assertThatThrownBy(() -> RingPlanner.randomTokens(8, 3).next(ring, nodes(3), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> planner.join(ring, node(0), null))
        .hasMessageContaining("already a member");
    assertThatThrownBy(() -> planner.leave(ring, node(7))).hasMessageContaining("not a member");
    assertThatThrownBy(
            () ->
                planner.apply(
                    ring, List.of(RingChange.join(node(5), null), RingChange.leave(node(5)))))
        .hasMessageContaining("more than one staged change");
    assertThatThrownBy(() -> planner.next(ring, new TreeSet<>(), Map.of()))
        .hasMessageContaining("at least one member");
  }

  @Test
  void zonesReachTheRing() {
    RingPlanner planner = RingPlanner.fixedPartitions(64, 3);
    Map<NodeId, String> zones = new TreeMap<>();
    for (int i = 0; i < 6; i++) {
      zones.put(node(i), "zone-" + (i % 3));
    }
    Ring ring = planner.initial(nodes(6), zones);
    for (int p = 0; p < 64; p++) {
      TreeSet<String> spanned = new TreeSet<>();
      for (NodeId n : ring.preferenceList(p, 3)) {
        spanned.add(ring.zoneOf(n).orElseThrow());
      }
      assertThat(spanned).hasSize(3);
    }
  }
}
