/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.SortedSet;

/**
 * This node's local opinion of which peers are alive, from the {@link PhiAccrualFailureDetector}.
 * Routing uses it to skip unreachable replicas and hinted handoff to decide when to hold and when
 * to deliver hints (paper §4.6, SPEC §7). Different nodes MAY disagree.
 *
 * <p>The node itself is always reachable. A peer is unreachable until its first heartbeat arrives.
 * Queries are thread-safe; listeners run on the node's scheduler, in transition order.
 */
public interface Reachability {
  /** Whether {@code node} is currently considered alive. */
  boolean isReachable(NodeId node);

  /** Every node currently considered alive, including this node. */
  SortedSet<NodeId> reachableNodes();

  /** Registers a listener for up/down transitions. */
  void addListener(Listener listener);

  /** Notified of reachability transitions. */
  interface Listener {
    /** {@code node} became reachable (first heartbeat, recovery or restart). */
    void onReachable(NodeId node);

    /** The failure detector suspects {@code node}. */
    void onUnreachable(NodeId node);
  }
}
