/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * Partitioning (paper §4.2) and the partitioning strategies of paper §6.2: where a key lives and
 * which nodes replicate it.
 *
 * <ul>
 *   <li>{@link io.dynamokv.core.ring.Token}: a key's position, the MD5 of the key on a 128-bit
 *       ring; {@link io.dynamokv.core.ring.TokenRange} and {@link
 *       io.dynamokv.core.ring.StorageKeys} lay storage keys out as {@code token ++ key} so every
 *       partition is one contiguous scan.
 *   <li>{@link io.dynamokv.core.ring.Ring}: an immutable, versioned assignment of partitions to
 *       physical nodes, answering {@code partitionOf}, {@code owner}, the preference list of N
 *       distinct physical nodes (zone-aware), its extension for sloppy quorum (§4.6) and ownership
 *       shares. Strategy 3 (Q equal partitions, ⌊Q/S⌋ or ⌈Q/S⌉ per node) is the default; strategy 1
 *       (T random tokens per node) is kept for comparison, as in the paper's Figure 8.
 *   <li>{@link io.dynamokv.core.ring.RingPlanner}: the pure function from (current ring, new
 *       members) to the next ring for joins, leaves and removals (§4.8, §4.9): balanced, moving
 *       little, spreading moves over many nodes, and keeping every N consecutive partitions on N
 *       distinct nodes (the "tail violations" Riak's claim shipped with). {@link
 *       io.dynamokv.core.ring.Claimant} names the one node that runs it. For strategy 3 it can also
 *       plan a change as a move ({@code move}, then {@code promote}): the next ring keeps its
 *       current layout and names the target as a pending layout, so reads and writes reach the
 *       current owners and the pending ones ({@code Ring.replicas}) while partitions transfer.
 *   <li>{@link io.dynamokv.core.ring.RingCodec}: the compact, deterministic bytes the membership
 *       layer gossips.
 * </ul>
 *
 * <p>The membership layer uses the package like this: on staged changes, the node for which {@link
 * io.dynamokv.core.ring.Claimant#isClaimant} holds computes {@code planner.apply(current,
 * changes)}, persists and gossips {@code RingCodec.encode(next)}; every node decodes rings it
 * receives and keeps {@link io.dynamokv.core.ring.Ring#latest} of its ring and the received one
 * (highest version, ties broken by the encoded bytes).
 */
package io.dynamokv.core.ring;
