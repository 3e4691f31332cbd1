/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a ring change costs in data moved, for two strategy-3 rings of the same Q. Data moves when a
 * (partition, replica) assignment changes: a node enters the first N entries of a partition's
 * {@link Ring#preferenceList(int, int) preference list} and must receive that partition's data. A
 * change of primary alone (the same N nodes in another order) moves nothing.
 */
public final class RingMovement {
  private RingMovement() {}

  /**
   * The (partition, replica) assignments of {@code after} that {@code before} lacks: for each
   * partition, the nodes among the first {@code n} of its preference list in {@code after} that are
   * not among the first {@code n} in {@code before}, summed over partitions.
   */
  public static int replicaMoves(Ring before, Ring after, int n) {
    int q = sameSize(before, after);
    int moved = 0;
    for (int p = 0; p < q; p++) {
      List<NodeId> old = before.preferenceList(p, n);
      for (NodeId node : after.preferenceList(p, n)) {
        if (!old.contains(node)) {
          moved++;
        }
      }
    }
    return moved;
  }

  /** The partitions whose owner (first node of the preference list) differs. */
  public static int primaryMoves(Ring before, Ring after) {
    int q = sameSize(before, after);
    int moved = 0;
    for (int p = 0; p < q; p++) {
      if (!before.owner(p).equals(after.owner(p))) {
        moved++;
      }
    }
    return moved;
  }

  /** The partitions that have {@code node} among the first {@code n} of their preference list. */
  public static int assignments(Ring ring, NodeId node, int n) {
    int held = 0;
    for (int p = 0; p < ring.partitionCount(); p++) {
      if (ring.preferenceList(p, n).contains(node)) {
        held++;
      }
    }
    return held;
  }

  /**
   * The nodes that give up at least one assignment: on a join, the nodes the joiner takes data from
   * (the paper wants many, so no one node streams the whole share).
   */
  public static SortedSet<NodeId> donors(Ring before, Ring after, int n) {
    int q = sameSize(before, after);
    TreeSet<NodeId> donors = new TreeSet<>();
    for (int p = 0; p < q; p++) {
      Set<NodeId> kept = new HashSet<>(after.preferenceList(p, n));
      for (NodeId node : before.preferenceList(p, n)) {
        if (!kept.contains(node) && after.contains(node)) {
          donors.add(node);
        }
      }
    }
    return Collections.unmodifiableSortedSet(donors);
  }

  private static int sameSize(Ring before, Ring after) {
    if (before.strategy() != PartitionStrategy.FIXED_PARTITIONS
        || after.strategy() != PartitionStrategy.FIXED_PARTITIONS
        || before.partitionCount() != after.partitionCount()) {
      throw new IllegalArgumentException(
          "movement is measured between two strategy-3 rings of the same Q, found "
              + before
              + " and "
              + after);
    }
    return before.partitionCount();
  }
}
