/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.util.SortedSet;

/**
 * The one node that authors ring changes (Riak's claimant): the lowest-id node whose status is
 * normal (joined, not leaving, reachable as the membership layer sees it). Every node computes the
 * same claimant from the same gossiped state, so exactly one node runs the {@link RingPlanner} on
 * the staged changes and gossips the resulting ring; the others adopt the highest ring version they
 * see. If the claimant fails, the next lowest id takes over as soon as membership marks it down.
 */
public final class Claimant {
  private Claimant() {}

  /**
   * The claimant among {@code normalNodes}.
   *
   * @throws IllegalArgumentException if there is no normal node (no ring change can be made)
   */
  public static NodeId claimant(SortedSet<NodeId> normalNodes) {
    if (normalNodes.isEmpty()) {
      throw new IllegalArgumentException(
          "no node has status normal, so no node may author ring changes");
    }
    NodeId lowest = normalNodes.first();
    for (NodeId node : normalNodes) {
      if (node.compareTo(lowest) < 0) {
        lowest = node;
      }
    }
    return lowest;
  }

  /** Whether {@code self} is the claimant among {@code normalNodes}. */
  public static boolean isClaimant(NodeId self, SortedSet<NodeId> normalNodes) {
    return !normalNodes.isEmpty() && claimant(normalNodes).equals(self);
  }
}
