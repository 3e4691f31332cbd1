/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The planner's exact search ({@link ExactLayout}) and the Lagrangian bound ({@link DualBound})
 * against plain enumeration of every layout, on rings small enough to enumerate: the least the
 * table's small rows are measured against rests on these two.
 */
class ExactLayoutTest {
  private static final int N = 3;

  @ParameterizedTest(name = "Q={0}, {1} -> {2} nodes, old owners seed {3}")
  @CsvSource({
    "8, 5, 4, 0",
    "8, 4, 5, 0",
    "8, 6, 5, 0",
    "8, 5, 6, 0",
    "8, 7, 6, 0",
    "8, 6, 7, 0",
    "8, 5, 4, 1",
    "8, 6, 5, 2",
    "8, 4, 5, 3",
    "8, 5, 6, 4"
  })
  void theExactSearchFindsTheLeastAndTheDualBoundStaysBelowIt(int q, int from, int to, int seed) {
    Ring before = RingPlanner.fixedPartitions(q, N).initial(RingPlannerTest.nodes(from), Map.of());
    if (seed > 0) {
      // Any old ring will do: owners drawn at random, every node at least once.
      Random random = new Random(seed);
      List<NodeId> owners = new ArrayList<>(before.nodes());
      while (owners.size() < q) {
        owners.add(owners.get(random.nextInt(from)));
      }
      Collections.shuffle(owners, random);
      before = Ring.ofPartitions(1, owners, Map.of());
    }
    List<TreeSet<NodeId>> targets = new ArrayList<>();
    if (to < from) {
      for (NodeId leaver : before.nodes()) {
        TreeSet<NodeId> members = new TreeSet<>(before.nodes());
        members.remove(leaver);
        targets.add(members);
      }
    } else {
      TreeSet<NodeId> members = new TreeSet<>(before.nodes());
      members.add(NodeId.of("joiner"));
      targets.add(members);
    }
    for (TreeSet<NodeId> members : targets) {
      int[][] oldLists = LeastMovement.oldLists(before, members, N);
      long enumerated = enumerate(oldLists, members.size());
      assertThat(enumerated).as("some layout is valid and balanced").isLessThan(Long.MAX_VALUE);
      ExactLayout search = new ExactLayout(oldLists, members.size(), N);
      int[] layout = search.search(Long.MAX_VALUE, 0, Long.MAX_VALUE);
      assertThat(search.complete()).isTrue();
      assertThat(search.best()).as("exact search, members %s", members).isEqualTo(enumerated);
      // The cost model (a partition's replicas are its window) is the ring's own count.
      List<NodeId> nodes = new ArrayList<>(members);
      List<NodeId> owners = new ArrayList<>();
      for (int owner : layout) {
        owners.add(nodes.get(owner));
      }
      assertThat(RingMovement.replicaMoves(before, Ring.ofPartitions(2, owners, Map.of()), N))
          .isEqualTo(enumerated);
      for (boolean cyclic : new boolean[] {true, false}) {
        assertThat(DualBound.of(oldLists, members.size(), N, enumerated + 5, cyclic))
            .as("dual bound (wrap %s), members %s", cyclic, members)
            .isLessThanOrEqualTo(enumerated);
      }
    }
  }

  /** Every layout of S owners over Q partitions: the cheapest valid balanced one's cost. */
  private static long enumerate(int[][] oldLists, int s) {
    int q = oldLists.length;
    int[] layout = new int[q];
    long best = Long.MAX_VALUE;
    long total = 1;
    for (int i = 0; i < q; i++) {
      total *= s;
    }
    for (long code = 0; code < total; code++) {
      long c = code;
      int[] counts = new int[s];
      for (int i = 0; i < q; i++) {
        layout[i] = (int) (c % s);
        c /= s;
        counts[layout[i]]++;
      }
      boolean balanced = true;
      for (int count : counts) {
        balanced &= count >= q / s && count <= (q + s - 1) / s;
      }
      if (!balanced) {
        continue;
      }
      long cost = 0;
      for (int w = 0; w < q && cost >= 0; w++) {
        TreeSet<Integer> window = new TreeSet<>();
        for (int j = 0; j < N; j++) {
          window.add(layout[(w + j) % q]);
        }
        if (window.size() < N) {
          cost = -1;
          break;
        }
        for (int x : window) {
          boolean had = false;
          for (int y : oldLists[w]) {
            had |= y == x;
          }
          cost += had ? 0 : 1;
        }
      }
      if (cost >= 0) {
        best = Math.min(best, cost);
      }
    }
    return best;
  }
}
