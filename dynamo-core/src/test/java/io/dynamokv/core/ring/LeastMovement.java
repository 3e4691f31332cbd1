/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.util.Arrays;
import java.util.List;
import java.util.SortedSet;

/**
 * The least movement any valid balanced layout needs: the reference the planner is measured against
 * for small clusters, where the distinct-owner rule can force more than the share a joiner takes or
 * a leaver gives up. Valid: N distinct owners in every window of N consecutive partitions (so a
 * partition's replicas are the owners of that window); balanced: ⌊Q/S⌋ to ⌈Q/S⌉ partitions each.
 * Movement: the (partition, replica) assignments the new layout adds to the old ring's preference
 * lists, as {@link RingMovement#replicaMoves} counts them.
 *
 * <p>Two independent proofs: a Lagrangian lower bound ({@link DualBound}) that meets a known
 * layout, tried first as it is cheap, and the exhaustive branch and bound of {@link ExactLayout};
 * both are checked against plain enumeration on tiny rings in {@code ExactLayoutTest}.
 */
final class LeastMovement {
  private LeastMovement() {}

  /**
   * The least number of assignments any valid balanced layout of {@code members} adds to {@code
   * before}, or -1 if neither proof settles it within {@code maxNodes} search nodes. {@code upper}
   * is a known achievable cost (for example the planner's), used as the first bound; {@code floor}
   * a known lower bound (the share bound): the search stops when it reaches it.
   */
  static long least(
      Ring before, SortedSet<NodeId> members, int n, long upper, long floor, long maxNodes) {
    if (upper <= floor) {
      return upper;
    }
    int[][] oldLists = oldLists(before, members, n);
    // The bound is cheap and often meets a good layout at once; the search settles the rest.
    if (DualBound.of(oldLists, members.size(), n, upper) >= upper) {
      return upper;
    }
    ExactLayout search = new ExactLayout(oldLists, members.size(), n);
    search.search(upper, floor, maxNodes);
    if (search.complete()) {
      return search.best();
    }
    long bound = DualBound.of(oldLists, members.size(), n, search.best());
    return bound >= search.best() ? search.best() : -1;
  }

  /** The first N entries of every old preference list, as indices into {@code members} or -1. */
  static int[][] oldLists(Ring before, SortedSet<NodeId> members, int n) {
    NodeId[] nodes = members.toArray(new NodeId[0]);
    int[][] oldLists = new int[before.partitionCount()][];
    for (int p = 0; p < oldLists.length; p++) {
      List<NodeId> list = before.preferenceList(p, n);
      oldLists[p] = new int[list.size()];
      for (int i = 0; i < list.size(); i++) {
        oldLists[p][i] = Math.max(-1, Arrays.binarySearch(nodes, list.get(i)));
      }
    }
    return oldLists;
  }
}
