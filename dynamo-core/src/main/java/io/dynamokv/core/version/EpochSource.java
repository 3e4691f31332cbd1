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
   * The first epoch this node leased since its data directory was created (its incarnation). The
   * node's actors with a lower epoch belong to a previous life whose counters it may have
   * forgotten; {@link Siblings#actorFor} never reuses them. MUST NOT change while the data
   * directory lives.
   */
  long incarnation();

  /**
   * Leases a new epoch. The result MUST be greater than {@code floor} and than {@link
   * #incarnation()}, MUST never have been returned before by this node (in any incarnation), and
   * MUST be durable before it is returned: a node that crashes and restarts must not lease it
   * again. A counter that jumps to {@code max(counter, floor) + 1} satisfies this.
   *
   * @param floor the returned epoch must exceed it
   */
  long leaseAbove(long floor);
}
