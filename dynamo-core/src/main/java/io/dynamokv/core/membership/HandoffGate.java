/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

/**
 * Decides when a {@link NodeStatus#LEAVING} node that is no longer in the ring may declare itself
 * {@link NodeStatus#LEFT}: after it has streamed its data to the new owners (SPEC §8, ownership
 * handoff). Asked on the node's scheduler once per gossip round until it says yes.
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
}
