/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

/**
 * Where a node stands in the cluster's life cycle. A node's own status changes only on that node,
 * except {@link #REMOVED}, which an administrator imposes on a dead node through a {@link Removal}
 * record.
 *
 * <pre>
 *   (bootstrap, not the first seed)  STANDBY --join()--> JOINING --sees itself in the ring--> NORMAL
 *   (bootstrap, first seed)          NORMAL
 *   leave()                          NORMAL/JOINING --> LEAVING --out of the ring + handoff done--> LEFT
 *   remove(dead node)                any --> REMOVED (until the node joins again)
 * </pre>
 */
public enum NodeStatus {
  /** Wants to enter the ring; the claimant will add it. Owns nothing yet. */
  JOINING,
  /** In the ring, serving. */
  NORMAL,
  /** Asked to leave gracefully; the claimant drops it from the next ring. */
  LEAVING,
  /** Left gracefully: out of the ring and its handoff completed. It may shut down. */
  LEFT,
  /** Removed by an administrator while dead; out of the ring. */
  REMOVED,
  /**
   * A member that owns nothing and does not ask to: a node that started for the first time and
   * waits for an operator's {@code join} (SPEC §8). It gossips, knows the ring and forwards
   * requests. Last in the enum: gossip encodes statuses by ordinal.
   */
  STANDBY;

  /** Whether a node in this status belongs in the next ring the claimant plans. */
  public boolean wantsRing() {
    return this == JOINING || this == NORMAL;
  }

  /** Whether a node in this status still takes part in gossip as a peer. */
  public boolean isActive() {
    return this != LEFT && this != REMOVED;
  }
}
