/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Random membership histories for strategy 3, with and without zones. After every step: exactly
 * balanced (within each zone for rings laid out by zone), no tail violations whenever {@link
 * RingPlanner#canSeparateReplicas} holds (for rings laid out by zone, no zone repeated in a window
 * beyond what Q forces), preference lists of distinct nodes spanning as many zones as there are (up
 * to N), and the same ring when planned again. Without zones every step adds at most 1.1× the least
 * replica assignments: the share bound, or where a step moves more, the exact least for Q <= 64;
 * past the small class (both sizes above 2N + 1) at larger Q the share bound again, and in it a
 * Lagrangian lower bound on the least ({@link DualBound}). Zoned steps between two rings laid out
 * by zone add at most 1.1× their least by zone ({@link ZoneShares}). Zoned steps that create or
 * empty a zone, and small-class steps whose replicas cannot be separated, are collected as
 * statistics only.
 */
class RingPlannerProperties {
  static final int N = 3;
  private static final double TARGET = 1.1;

  @Provide
  Arbitrary<Integer> ringSizes() {
    return Arbitraries.of(16, 32, 64, 256);
  }

  @Property(tries = 60)
  void randomHistoriesStayBalancedSeparatedAndCheap(
      @ForAll("ringSizes") int q,
      @ForAll @IntRange(min = 1, max = 16) int initialSize,
      @ForAll boolean zoned,
      @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 2) Integer> kinds,
      @ForAll @Size(min = 6, max = 6) List<@IntRange(min = 0, max = 999) Integer> picks) {
    int maxSize = Math.min(q / 2, 24);
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    TreeSet<NodeId> members = new TreeSet<>();
    TreeMap<NodeId, String> zones = new TreeMap<>();
    int nextId = 0;
    for (int i = 0; i < Math.min(initialSize, maxSize); i++) {
      NodeId node = NodeId.of("n" + nextId);
      members.add(node);
      if (zoned) {
        zones.put(node, "z" + nextId % 3);
      }
      nextId++;
    }
    Ring ring = planner.initial(members, zones);
    check(ring, q);
    for (int step = 0; step < kinds.size(); step++) {
      int s = ring.nodeCount();
      boolean join = s == 1 || (kinds.get(step) == 0 && s < maxSize);
      Ring next;
      long share;
      if (join) {
        NodeId subject = NodeId.of("n" + nextId);
        next = planner.join(ring, subject, zoned ? "z" + nextId % 3 : null);
        nextId++;
        share =
            ZoneShares.byZone(next, N)
                ? ZoneShares.joinLeast(ring, next, subject, N)
                : s + 1 <= N ? q : (long) N * (q / (s + 1));
      } else {
        List<NodeId> nodes = new ArrayList<>(ring.nodes());
        NodeId subject = nodes.get(picks.get(step) % nodes.size());
        next = kinds.get(step) == 2 ? planner.remove(ring, subject) : planner.leave(ring, subject);
        share = s - 1 < N ? 0 : RingMovement.assignments(ring, subject, N);
      }
      check(next, q);
      assertThat(next.version()).isEqualTo(ring.version() + 1);
      assertThat(RingPlanner.fixedPartitions(q, N).next(ring, next.nodes(), next.zones()))
          .isEqualTo(next);
      assertWithinTarget(ring, next, share, zoned);
      ring = next;
    }
  }

  /** A leave and the same node's join, or a join and its leave, move no more than each step. */
  @Property(tries = 30)
  void roundTripsMoveNoMoreThanTheirSteps(
      @ForAll("ringSizes") int q,
      @ForAll @IntRange(min = 2, max = 16) int size,
      @ForAll @IntRange(min = 0, max = 999) int pick) {
    int s = Math.min(size, q / 2);
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    Ring ring = planner.initial(RingPlannerTest.nodes(s), Map.of());
    NodeId leaver = new ArrayList<>(ring.nodes()).get(pick % s);
    Ring left = planner.leave(ring, leaver);
    Ring rejoined = planner.join(left, leaver, null);
    assertWithinTarget(
        ring, left, s - 1 < N ? 0 : RingMovement.assignments(ring, leaver, N), false);
    assertWithinTarget(left, rejoined, s <= N ? q : (long) N * (q / s), false);
    NodeId joiner = NodeId.of("joiner");
    Ring joined = planner.join(ring, joiner, null);
    Ring back = planner.leave(joined, joiner);
    assertWithinTarget(ring, joined, s + 1 <= N ? q : (long) N * (q / (s + 1)), false);
    assertWithinTarget(
        joined, back, s < N ? 0 : RingMovement.assignments(joined, joiner, N), false);
  }

  private static void assertWithinTarget(Ring before, Ring after, long share, boolean zoned) {
    long moved = RingMovement.replicaMoves(before, after, N);
    int q = before.partitionCount();
    int smaller = Math.min(before.nodeCount(), after.nodeCount());
    if (zoned) {
      // Within the zones the least is known; a step that creates or empties a zone re-lays the
      // zone pattern, and its least is not.
      if (ZoneShares.byZone(before, N) && ZoneShares.byZone(after, N)) {
        assertThat((double) moved)
            .as("moved, least by zone %d", share)
            .isLessThanOrEqualTo(TARGET * share);
      } else {
        Statistics.label("zone created or emptied, or not by zone: moved / share bound")
            .collect(share == 0 ? "-" : String.format("%.1f", (double) moved / share));
      }
      return;
    }
    if (moved <= TARGET * share) {
      return;
    }
    // The share is a lower bound; on tiny rings even past 2N + 1 nodes it is not always
    // reachable (a 9 -> 8 leave at Q = 32 that needs 10 for a share of 9), so search the least.
    if (q <= MovementTable.EXACT_UP_TO
        && RingPlanner.canSeparateReplicas(q, after.nodeCount(), N)) {
      long least = LeastMovement.least(before, after.nodes(), N, moved, share, 5_000_000L);
      if (least >= 0) {
        assertThat((double) moved)
            .as("moved, exact least %d", least)
            .isLessThanOrEqualTo(TARGET * least);
        return;
      }
    }
    if (!MovementTable.small(smaller)) {
      assertThat((double) moved)
          .as("moved, share bound %d", share)
          .isLessThanOrEqualTo(TARGET * share);
      return;
    }
    if (RingPlanner.canSeparateReplicas(q, after.nodeCount(), N) && after.nodeCount() > N) {
      // A Lagrangian lower bound on the least (DualBound): the true ratio is at most this one.
      int[][] oldLists = LeastMovement.oldLists(before, after.nodes(), N);
      long bound = Math.max(share, DualBound.of(oldLists, after.nodeCount(), N, moved));
      assertThat((double) moved)
          .as("moved, lower bound on the least %d", bound)
          .isLessThanOrEqualTo(TARGET * bound);
      return;
    }
    Statistics.label("small class, replicas not separable: moved / share bound")
        .collect(String.format("%.1f", (double) moved / share));
  }

  private static void check(Ring ring, int q) {
    RingPlannerTest.assertBalanced(ring);
    int s = ring.nodeCount();
    assertThat(RingPlanner.violations(ring, N)).isZero();
    int zoneCount = new TreeSet<>(ring.zones().values()).size();
    boolean partial = ring.zones().size() < s;
    int spanned = Math.min(N, Math.min(s, zoneCount + (partial && zoneCount > 0 ? 1 : 0)));
    for (int p = 0; p < q; p += Math.max(1, q / 16)) {
      List<NodeId> list = ring.preferenceList(p, N);
      assertThat(list).doesNotHaveDuplicates().hasSize(Math.min(N, s));
      if (zoneCount > 0) {
        TreeSet<String> zones = new TreeSet<>();
        for (NodeId node : list) {
          zones.add(ring.zoneOf(node).orElse(""));
        }
        assertThat(zones).hasSize(spanned);
      }
    }
  }

  @Property
  void strategyOnePlansAreDeterministicAndListsDistinct(
      @ForAll @IntRange(min = 1, max = 12) int size,
      @ForAll @IntRange(min = 1, max = 32) int tokensPerNode,
      @ForAll long key) {
    RingPlanner planner = RingPlanner.randomTokens(tokensPerNode, N);
    TreeSet<NodeId> members = new TreeSet<>();
    for (int i = 0; i < size; i++) {
      members.add(NodeId.of("n" + i));
    }
    Ring ring = planner.initial(members, Map.of());
    assertThat(RingPlanner.randomTokens(tokensPerNode, N).initial(members, Map.of()))
        .isEqualTo(ring);
    assertThat(ring.partitionCount()).isEqualTo(size * tokensPerNode);
    Token token = Token.of(Long.toString(key).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    List<NodeId> list = ring.extendedPreferenceList(token);
    assertThat(list).doesNotHaveDuplicates().hasSize(size);
    assertThat(ring.preferenceList(token, N)).isEqualTo(list.subList(0, Math.min(N, size)));
    assertThat(list.get(0)).isEqualTo(ring.owner(ring.partitionOf(token)));
    assertThat(ring.range(ring.partitionOf(token)).contains(token)).isTrue();
  }
}
