/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.Comparator;
import java.util.Objects;

/**
 * An administrator's decision that {@code node}, dead, leaves the cluster (paper §4.8: membership
 * changes are explicit). It is cluster-level state, gossiped next to the node states, because the
 * removed node cannot author its own status change.
 *
 * <p>A removal <b>wins over every state of {@code node} whose generation is at most {@code
 * generation}</b>: the cluster treats such a node as {@link NodeStatus#REMOVED}. A node that later
 * {@linkplain Membership#join joins again} does so in a higher generation, which the removal no
 * longer covers, so re-joining needs no "un-remove". Two removals of one node merge to the one with
 * the higher generation (ties: the lower {@code by}).
 *
 * @param node the removed node
 * @param generation the highest generation of {@code node} the removal covers
 * @param by the node where the administrator issued the removal
 */
public record Removal(NodeId node, long generation, NodeId by) {
  /** Higher generation wins; ties broken by the lower issuer id (so the max is well defined). */
  public static final Comparator<Removal> ORDER =
      Comparator.comparingLong(Removal::generation)
          .thenComparing(Removal::by, Comparator.reverseOrder());

  public Removal {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(by, "by");
  }

  /** Whether this removal covers {@code state}. */
  public boolean covers(NodeState state) {
    return state.id().equals(node) && state.generation() <= generation;
  }

  /** The winner of two removals of the same node. */
  public static Removal newer(Removal a, Removal b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return ORDER.compare(a, b) >= 0 ? a : b;
  }
}
