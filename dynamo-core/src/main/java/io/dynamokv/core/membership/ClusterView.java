/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One node's knowledge of the cluster: every node's latest known {@link NodeState}, the {@link
 * Removal} records and the current {@link RingState}. An immutable value.
 *
 * <p>{@link #merge} takes, per node, the newer state, per removed node the winning removal, and the
 * winning ring. It is commutative, associative and idempotent (a join-semilattice), so replicas
 * that exchange views in any order, any number of times, converge to the same view.
 *
 * @param nodes node states by id
 * @param removals removal records by removed node
 * @param ring the current ring, or {@code null} before the cluster has one
 */
public record ClusterView(
    SortedMap<NodeId, NodeState> nodes, SortedMap<NodeId, Removal> removals, RingState ring) {

  /** A view that knows nothing. */
  public static final ClusterView EMPTY = new ClusterView(new TreeMap<>(), new TreeMap<>(), null);

  public ClusterView {
    nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
    removals = Collections.unmodifiableSortedMap(new TreeMap<>(removals));
    for (Map.Entry<NodeId, NodeState> e : nodes.entrySet()) {
      if (!e.getKey().equals(e.getValue().id())) {
        throw new IllegalArgumentException(
            "state of " + e.getValue().id() + " under " + e.getKey());
      }
    }
    for (Map.Entry<NodeId, Removal> e : removals.entrySet()) {
      if (!e.getKey().equals(e.getValue().node())) {
        throw new IllegalArgumentException(
            "removal of " + e.getValue().node() + " under " + e.getKey());
      }
    }
  }

  /** The least upper bound of this view and {@code other}. */
  public ClusterView merge(ClusterView other) {
    TreeMap<NodeId, NodeState> n = new TreeMap<>(nodes);
    other.nodes.forEach((id, s) -> n.merge(id, s, NodeState::newer));
    TreeMap<NodeId, Removal> r = new TreeMap<>(removals);
    other.removals.forEach((id, x) -> r.merge(id, x, Removal::newer));
    return new ClusterView(n, r, RingState.newer(ring, other.ring));
  }

  /** This view with {@code state} merged in. */
  public ClusterView with(NodeState state) {
    TreeMap<NodeId, NodeState> n = new TreeMap<>(nodes);
    n.merge(state.id(), state, NodeState::newer);
    return new ClusterView(n, removals, ring);
  }

  /**
   * The status the cluster gives {@code node}: {@link NodeStatus#REMOVED} when a removal covers its
   * state, its own status otherwise, {@code null} when unknown.
   */
  public NodeStatus effectiveStatus(NodeId node) {
    NodeState s = nodes.get(node);
    if (s == null) {
      return null;
    }
    return effectiveStatus(s, removals.get(node));
  }

  static NodeStatus effectiveStatus(NodeState s, Removal removal) {
    return removal != null && removal.covers(s) ? NodeStatus.REMOVED : s.status();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterView v
        && nodes.equals(v.nodes)
        && removals.equals(v.removals)
        && Objects.equals(ring, v.ring);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodes, removals, ring);
  }
}
