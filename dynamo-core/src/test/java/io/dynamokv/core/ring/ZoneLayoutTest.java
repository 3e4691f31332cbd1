/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rings whose members are in exactly N zones are laid out by zone ({@link ZoneLayout}). */
class ZoneLayoutTest {
  private static final int N = 3;

  /** Members n0 .. n(size - 1), member i in zone "z" + i mod 3. */
  private static Ring ring(RingPlanner planner, int size) {
    TreeSet<NodeId> nodes = new TreeSet<>();
    TreeMap<NodeId, String> zones = new TreeMap<>();
    for (int i = 0; i < size; i++) {
      nodes.add(node(i));
      zones.put(node(i), "z" + i % 3);
    }
    return planner.initial(nodes, zones);
  }

  private static NodeId node(int i) {
    return NodeId.of(String.format("n%02d", i));
  }

  @ParameterizedTest(name = "Q={0}, S={1}")
  @CsvSource({"16, 3", "32, 5", "64, 6", "256, 7", "1024, 10"})
  void everyWindowSpansTheZonesButThoseQForces(int q, int s) {
    Ring ring = ring(RingPlanner.fixedPartitions(q, N), s);
    int[] pattern = ZoneLayout.pattern(ring, N);
    assertThat(pattern).isNotNull();
    assertThat(ZoneLayout.excessRepeats(pattern, N)).isZero();
    assertThat(RingPlanner.violations(ring, N)).isZero();
    int listsThatAreTheirWindow = 0;
    for (int p = 0; p < q; p++) {
      List<NodeId> window = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        window.add(ring.owner((p + i) % q));
      }
      TreeSet<String> zones = new TreeSet<>();
      for (NodeId node : ring.preferenceList(p, N)) {
        zones.add(ring.zoneOf(node).orElseThrow());
      }
      assertThat(zones).hasSize(N);
      listsThatAreTheirWindow += ring.preferenceList(p, N).equals(window) ? 1 : 0;
    }
    // Only the lists next to a repeated zone reach past their window.
    assertThat(listsThatAreTheirWindow).isGreaterThanOrEqualTo(q - (q % N) * (N - 1));
    RingPlannerTest.assertBalanced(ring);
  }

  /**
   * A join inside a zone changes only that zone's replica, in as many lists as the joiner's share
   * of the zone needs; no list changes its replicas in the other zones.
   */
  @ParameterizedTest(name = "Q={0}, S={1}")
  @CsvSource({"16, 3", "64, 5", "256, 8", "1024, 30"})
  void aJoinTouchesOnlyItsZone(int q, int s) {
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    Ring ring = ring(planner, s);
    NodeId joiner = node(s);
    Ring joined = planner.join(ring, joiner, "z" + s % 3);
    for (int p = 0; p < q; p++) {
      for (int i = 0; i < N; i++) {
        NodeId before = ring.preferenceList(p, N).get(i);
        if (!ring.zoneOf(before).equals(joined.zoneOf(joiner))) {
          assertThat(joined.preferenceList(p, N)).contains(before);
        }
      }
    }
    assertThat(RingMovement.replicaMoves(ring, joined, N))
        .isEqualTo(RingMovement.assignments(joined, joiner, N))
        .isEqualTo(ZoneShares.joinLeast(ring, joined, joiner, N));
    RingPlannerTest.assertBalanced(joined);
  }

  /**
   * A leave hands exactly the leaver's assignments to its zone peers, also when its zone is left
   * with one member where Q makes the pattern repeat that zone: the pattern stays, and that member
   * owns both partitions of the repeat (the walk skips a zone it has used, so no list is shorter).
   */
  @ParameterizedTest(name = "Q={0}, S={1}")
  @CsvSource({"16, 5", "16, 6", "32, 6", "64, 5", "64, 6", "4096, 6"})
  void everyLeaveWithinAZoneMovesOnlyTheLeaversAssignments(int q, int s) {
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    Ring ring = ring(planner, s);
    for (NodeId leaver : ring.nodes()) {
      Ring left = planner.leave(ring, leaver);
      if (!ZoneShares.byZone(left, N)) {
        continue;
      }
      assertThat(RingMovement.replicaMoves(ring, left, N))
          .as("%s leaves", leaver)
          .isEqualTo(RingMovement.assignments(ring, leaver, N));
      assertThat(ZoneLayout.pattern(left, N)).isEqualTo(ZoneLayout.pattern(ring, N));
      assertThatCode(() -> planner.verify(left)).doesNotThrowAnyException();
      for (int p = 0; p < q; p++) {
        assertThat(left.preferenceList(p, N)).doesNotHaveDuplicates().hasSize(N);
      }
    }
  }

  /** Zones of different sizes: balanced within each zone, each zone holding one replica a list. */
  @ParameterizedTest(name = "Q={0}")
  @CsvSource({"64", "1024"})
  void unequalZonesAreBalancedWithinEachZone(int q) {
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    TreeSet<NodeId> nodes = new TreeSet<>();
    TreeMap<NodeId, String> zones = new TreeMap<>();
    String[] layout = {"a", "a", "a", "a", "b", "b", "c"};
    for (int i = 0; i < layout.length; i++) {
      nodes.add(node(i));
      zones.put(node(i), layout[i]);
    }
    Ring ring = planner.initial(nodes, zones);
    RingPlannerTest.assertBalanced(ring);
    assertThat(RingMovement.assignments(ring, node(6), N)).isEqualTo(q);
    assertThat(RingMovement.assignments(ring, node(4), N)).isBetween(q / 2 - N, q / 2 + N);
  }

  /**
   * A zoned ring laid out before layouts were by zone (owners distinct in every window, zones
   * anywhere) still verifies, and the next change lays it out by zone.
   */
  @ParameterizedTest(name = "Q={0}")
  @CsvSource({"16", "256"})
  void anOlderZonedLayoutStillVerifiesAndIsLaidOutByZoneNext(int q) {
    List<NodeId> owners = new ArrayList<>();
    // n0 n1 n2 n3 repeated: every window distinct, but n0 and n3 share zone z0.
    for (int p = 0; p < q; p++) {
      owners.add(node(p % 4));
    }
    Map<NodeId, String> zones = Map.of(node(0), "z0", node(1), "z1", node(2), "z2", node(3), "z0");
    Ring old = Ring.ofPartitions(7, owners, zones);
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    assertThat(ZoneLayout.excessRepeats(ZoneLayout.pattern(old, N), N)).isPositive();
    assertThatCode(() -> planner.verify(old)).doesNotThrowAnyException();
    Ring next = planner.join(old, node(4), "z1");
    assertThat(RingPlanner.violations(next, N)).isZero();
    RingPlannerTest.assertBalanced(next);
  }

  /** A ring that is neither laid out by zone nor has distinct windows is refused. */
  @ParameterizedTest(name = "Q={0}")
  @CsvSource({"16", "64"})
  void aZonedRingWithRepeatedOwnersIsRefused(int q) {
    // n0 n1 n2 n0, repeated: windows repeat both n0 and zone z0 far beyond what Q forces.
    List<NodeId> owners = new ArrayList<>();
    for (int p = 0; p < q; p++) {
      owners.add(node(p % 4 == 3 ? 0 : p % 4));
    }
    owners.set(q - 1, node(3));
    Ring bad =
        Ring.ofPartitions(
            7, owners, Map.of(node(0), "z0", node(1), "z1", node(2), "z2", node(3), "z0"));
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    assertThat(RingPlanner.violations(bad, N)).isPositive();
    assertThatThrownBy(() -> planner.verify(bad)).hasMessageContaining("repeat an owner");
  }

  /**
   * Found by review: with N = 5 a pattern without excess repeats can leave a zone fewer partitions
   * than ⌊Q/N⌋; a join into that zone then had a member without a partition (Ring.ofPartitions
   * refused the plan, on every claimant round). Such a pattern is not kept, and not verified as
   * one.
   */
  @ParameterizedTest(name = "zone of 5 members, 5 partitions")
  @CsvSource({"32"})
  void aPatternThatStarvesAZoneIsReLaidOut(int q) {
    int[] pattern = {
      2, 0, 4, 1, 3, 2, 0, 4, 1, 3, 2, 0, 1, 4, 3, 2, 0, 1, 0, 2, 3, 1, 4, 0, 2, 3, 1, 2, 0, 4, 1, 3
    };
    int[] members = {2, 2, 2, 2, 5};
    List<NodeId> owners = new ArrayList<>();
    Map<NodeId, String> zones = new TreeMap<>();
    int[] next = new int[5];
    for (int zone : pattern) {
      NodeId node = NodeId.of("z" + zone + "-" + next[zone]++ % members[zone]);
      owners.add(node);
      zones.put(node, "z" + zone);
    }
    Ring ring = Ring.ofPartitions(3, owners, zones);
    RingPlanner planner = RingPlanner.fixedPartitions(q, 5);
    assertThat(ZoneLayout.excessRepeats(ZoneLayout.pattern(ring, 5), 5)).isZero();
    assertThat(ZoneLayout.regular(ZoneLayout.pattern(ring, 5), 5)).isFalse();
    Ring joined = planner.join(ring, NodeId.of("z4-5"), "z4");
    assertThat(joined.nodes()).hasSize(ring.nodeCount() + 1);
    assertThat(RingPlanner.violations(joined, 5)).isZero();
    assertThatCode(() -> planner.verify(joined)).doesNotThrowAnyException();
  }

  /** N = 2 and N = 5: laid out by zone as for 3, every change moving only the zone's share. */
  @ParameterizedTest(name = "N={0}, Q={1}, S={2}")
  @CsvSource({"2, 64, 4", "2, 256, 7", "5, 64, 10", "5, 256, 12"})
  void otherReplicationFactorsAreLaidOutByZone(int n, int q, int s) {
    RingPlanner planner = RingPlanner.fixedPartitions(q, n);
    TreeSet<NodeId> nodes = new TreeSet<>();
    TreeMap<NodeId, String> zones = new TreeMap<>();
    for (int i = 0; i < s; i++) {
      nodes.add(node(i));
      zones.put(node(i), "z" + i % n);
    }
    Ring ring = planner.initial(nodes, zones);
    assertThat(ZoneLayout.pattern(ring, n)).isNotNull();
    assertThat(RingPlanner.violations(ring, n)).isZero();
    NodeId joiner = node(s);
    Ring joined = planner.join(ring, joiner, "z" + s % n);
    assertThat(RingMovement.replicaMoves(ring, joined, n))
        .isEqualTo(RingMovement.assignments(joined, joiner, n))
        .isEqualTo(ZoneShares.joinLeast(ring, joined, joiner, n));
    for (NodeId leaver : List.of(node(0), node(s - 1))) {
      Ring left = planner.leave(ring, leaver);
      assertThat(RingMovement.replicaMoves(ring, left, n))
          .isEqualTo(RingMovement.assignments(ring, leaver, n));
      assertThatCode(() -> planner.verify(left)).doesNotThrowAnyException();
    }
    for (int p = 0; p < q; p++) {
      TreeSet<String> spanned = new TreeSet<>();
      for (NodeId node : joined.preferenceList(p, n)) {
        spanned.add(joined.zoneOf(node).orElseThrow());
      }
      assertThat(spanned).hasSize(n);
    }
  }

  /**
   * Found by review: nodes without a zone counted as a zone "", so two zoned nodes among twenty
   * without each owned a third of the ring. By zone only when every member has a zone.
   */
  @ParameterizedTest(name = "Q={0}")
  @CsvSource({"1024"})
  void membersWithoutAZoneAreNotAZone(int q) {
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    Ring ring = planner.initial(RingPlannerTest.nodes(20), Map.of());
    ring = planner.join(ring, NodeId.of("zoned-a"), "a");
    ring = planner.join(ring, NodeId.of("zoned-b"), "b");
    assertThat(ZoneLayout.pattern(ring, N)).isNull();
    RingPlannerTest.assertBalanced(ring);
    assertThat(ring.partitionsOf(NodeId.of("zoned-b")).size()).isBetween(q / 22, q / 22 + 1);
  }
}
