/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Random membership histories for strategy 3. After every step: exactly balanced, no tail
 * violations whenever {@link RingPlanner#canSeparateReplicas} holds, the same ring when planned
 * again, and a join moves at most ⌈Q/(S+1)⌉ + 2N partitions once the cluster has at least 2N + 2
 * nodes (the measured excess over ⌊Q/(S+1)⌋ is collected as statistics for every size).
 */
class RingPlannerProperties {
  static final int N = 3;

  @Provide
  Arbitrary<Integer> ringSizes() {
    return Arbitraries.of(16, 32, 64, 256, 1024);
  }

  @Property
  void randomHistoriesStayBalancedSeparatedAndCheap(
      @ForAll("ringSizes") int q,
      @ForAll @IntRange(min = 1, max = 40) int initialSize,
      @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 2) Integer> kinds,
      @ForAll @Size(min = 8, max = 8) List<@IntRange(min = 0, max = 999) Integer> picks) {
    int maxSize = Math.min(q, 40);
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    TreeSet<NodeId> members = new TreeSet<>();
    int nextId = 0;
    for (int i = 0; i < Math.min(initialSize, maxSize); i++) {
      members.add(NodeId.of("n" + nextId++));
    }
    Ring ring = planner.initial(members, Map.of());
    check(ring, q);
    for (int step = 0; step < kinds.size(); step++) {
      int s = ring.nodeCount();
      boolean join = s == 1 || (kinds.get(step) == 0 && s < maxSize);
      Ring next;
      NodeId subject;
      if (join) {
        subject = NodeId.of("n" + nextId++);
        next = planner.join(ring, subject, null);
      } else {
        List<NodeId> nodes = new ArrayList<>(ring.nodes());
        subject = nodes.get(picks.get(step) % nodes.size());
        next = kinds.get(step) == 2 ? planner.remove(ring, subject) : planner.leave(ring, subject);
      }
      check(next, q);
      assertThat(next.version()).isEqualTo(ring.version() + 1);
      assertThat(RingPlanner.fixedPartitions(q, N).next(ring, next.nodes(), Map.of()))
          .isEqualTo(next);

      int moved = 0;
      for (int p = 0; p < q; p++) {
        if (!ring.owner(p).equals(next.owner(p))) {
          moved++;
        }
      }
      int after = next.nodeCount();
      boolean separable =
          RingPlanner.canSeparateReplicas(q, s, N) && RingPlanner.canSeparateReplicas(q, after, N);
      if (join) {
        int share = next.partitionsOf(subject).size();
        assertThat(share).isEqualTo(q / after);
        if (separable) {
          Statistics.label("join: moves beyond floor(Q/(S+1)), S+1 >= 2N+2")
              .collect(after >= 2 * N + 2 ? moved - q / after : null);
          Statistics.label("join: moves beyond floor(Q/(S+1)), S+1 < 2N+2")
              .collect(after < 2 * N + 2 ? moved - q / after : null);
        }
        if (separable && after >= 2 * N + 2) {
          assertThat(moved).isLessThanOrEqualTo((q + after - 1) / after + 2 * N);
        }
      } else {
        int must = ring.partitionsOf(subject).size();
        assertThat(moved).isGreaterThanOrEqualTo(must);
        if (separable && after >= 2 * N + 2) {
          Statistics.label("leave: moves beyond the leaver's partitions, S-1 >= 2N+2")
              .collect(moved - must);
          assertThat(moved).isLessThanOrEqualTo(2 * must + 2 * N);
        }
      }
      ring = next;
    }
  }

  private static void check(Ring ring, int q) {
    RingPlannerTest.assertBalanced(ring);
    int s = ring.nodeCount();
    if (RingPlanner.canSeparateReplicas(q, s, N)) {
      assertThat(RingPlanner.violations(ring.owners(), N)).isZero();
    }
    for (int p = 0; p < q; p += Math.max(1, q / 16)) {
      assertThat(ring.preferenceList(p, N)).doesNotHaveDuplicates().hasSize(Math.min(N, s));
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
