/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

/**
 * Where a node gets epochs for its {@link Actor}s: typically a counter in the node's durable
 * metadata, leased in blocks. Implementations MUST be thread-safe if the node coordinates writes
 * concurrently.
 */
public interface EpochSource {
  /**
   * No node leases an epoch at or above this bound (epochs start near the wall-clock time in
   * milliseconds times 10^6, about 1.8 * 10^18 in 2026, so the bound is a century away). An epoch
   * above it in a set or context is forged, and is never a floor to lease above.
   */
  long MAX_EPOCH = Long.MAX_VALUE / 2;

  /**
   * The first epoch of this node's current incarnation: it starts a new one with a new data
   * directory, and whenever it starts after a stop that may have lost commits (a crash with a
   * durability that does not fsync every commit, a directory restored from a backup). The node's
   * actors with a lower epoch belong to a previous life whose counters it may have forgotten;
   * {@link Siblings#actorFor} never reuses them. MUST NOT change while the node runs.
   */
  long incarnation();

  /**
   * Leases a new epoch. The result MUST be greater than {@code floor}, at least {@link
   * #incarnation()}, below {@link #leasedBelow()}, MUST never have been returned before by this
   * node (in any incarnation), and MUST be durable before it is returned: a node that crashes and
   * restarts must not lease it again. A counter that jumps to {@code max(counter, floor) + 1}
   * satisfies this.
   *
   * @param floor the returned epoch must exceed it; below {@link #MAX_EPOCH}
   */
  long leaseAbove(long floor);

  /**
   * A bound above every epoch this node has leased (in this incarnation and every earlier one it
   * knows of): an actor of the node with an epoch at or above it was never leased, so its record
   * cannot be trusted. Never decreases.
   */
  long leasedBelow();

  /**
   * A bound no epoch this node ever leased, in any life, reaches: an actor of this node with a
   * higher epoch is forged, and is never a floor to lease above. At least {@link #leasedBelow()},
   * at most {@link #MAX_EPOCH}.
   */
  long ceiling();
}
