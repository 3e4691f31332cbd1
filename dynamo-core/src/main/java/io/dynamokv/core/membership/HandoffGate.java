/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;

/**
 * Decides when a {@link NodeStatus#LEAVING} node that is no longer in the ring may declare itself
 * {@link NodeStatus#LEFT}: after it has streamed its data to the new owners (SPEC §8, ownership
 * handoff). Asked on the node's scheduler once per gossip round until it says yes. On the claimant
 * it also decides when a moving ring may switch to its pending layout ({@link #moveComplete}).
 */
@FunctionalInterface
public interface HandoffGate {
  /** Lets a node leave as soon as it is out of the ring (no data to hand off). */
  HandoffGate ALWAYS = ring -> true;

  /**
   * Whether this node has handed off everything it owned before {@code ring} took effect.
   *
   * @param ring the current ring bytes, which no longer contain this node
   */
  boolean handoffComplete(byte[] ring);

  /**
   * Asked on the claimant, once per gossip round while {@code ring} is {@linkplain
   * RingPolicy#moving moving}: whether the move may take its next step ({@link
   * RingPolicy#promote}): for a ring moving to a pending layout, every pending owner holds its new
   * partitions completely (and everything else the switch waits for has happened); for a
   * {@linkplain RingPolicy#retiring retiring} one, every member has it. MUST NOT block: an
   * implementation that needs to ask the other nodes does so in the background and answers from
   * what it heard.
   *
   * @param members every member still in the cluster (not LEFT or REMOVED), this node included
   */
  default boolean moveComplete(RingState ring, java.util.SortedSet<NodeId> members) {
    return true;
  }
}
