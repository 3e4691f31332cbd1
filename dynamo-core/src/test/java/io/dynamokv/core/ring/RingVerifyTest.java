/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** {@link RingPlanner#verify}: what a node checks of a ring from a peer or its disk. */
class RingVerifyTest {
  private static final RingPlanner Q64 = RingPlanner.fixedPartitions(64, 3);

  private static SortedSet<NodeId> nodes(int count) {
    TreeSet<NodeId> nodes = new TreeSet<>();
    for (int i = 1; i <= count; i++) {
      nodes.add(NodeId.of("n" + i));
    }
    return nodes;
  }

  /** Every ring the planner plans passes its own check, joins and leaves alike. */
  @Property(tries = 50)
  void everyPlannedRingPasses(@ForAll @IntRange(min = 1, max = 20) int size) {
    Ring ring = Q64.initial(nodes(size), Map.of());
    Q64.verify(ring);
    Ring grown = Q64.join(ring, NodeId.of("x"), null);
    Q64.verify(grown);
    Q64.verify(Q64.leave(grown, NodeId.of("n1")));
    Q64.verify(Q64.fresh(3, nodes(size), Map.of()));
  }

  @Test
  void aRingOfAnotherPartitioningIsRefused() {
    Ring q128 = RingPlanner.fixedPartitions(128, 3).initial(nodes(5), Map.of());
    assertThatThrownBy(() -> Q64.verify(q128))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Q=128")
        .hasMessageContaining("Q=64");
    Ring tokens = RingPlanner.randomTokens(8, 3).initial(nodes(5), Map.of());
    assertThatThrownBy(() -> Q64.verify(tokens)).hasMessageContaining("RANDOM_TOKENS");
    assertThatThrownBy(() -> RingPlanner.randomTokens(16, 3).verify(tokens))
        .hasMessageContaining("has 8 tokens, this cluster gives each node 16");
    assertThatCode(() -> RingPlanner.randomTokens(8, 3).verify(tokens)).doesNotThrowAnyException();
  }

  /** Where Q, S and N allow N distinct owners in every window, a ring that repeats one fails. */
  @Test
  void aRepeatedOwnerInAWindowIsRefusedWhereThePlannerPromisesNone() {
    Ring good = Q64.initial(nodes(8), Map.of());
    List<NodeId> owners = new ArrayList<>(good.owners());
    // swap two partitions so that partitions 0 and 1 share an owner; balance is unchanged
    int other = owners.lastIndexOf(owners.get(0));
    NodeId moved = owners.get(1);
    owners.set(1, owners.get(0));
    owners.set(other, moved);
    Ring bad = Ring.ofPartitions(good.version(), owners, new TreeMap<>());
    assertThatThrownBy(() -> Q64.verify(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("repeat an owner");
    // with S = N = 3 and Q = 64 no layout can keep every window distinct: nothing is promised
    List<NodeId> three = new ArrayList<>();
    for (int p = 0; p < 64; p++) {
      three.add(NodeId.of("n" + (1 + (p / 2) % 3)));
    }
    assertThatCode(() -> Q64.verify(Ring.ofPartitions(1, three, Map.of())))
        .doesNotThrowAnyException();
  }
}
