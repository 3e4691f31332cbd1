/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.Set;
import java.util.SortedMap;

/**
 * How the claimant turns membership into a ring. Membership treats rings as opaque bytes; the
 * {@code ring} package implements this interface (partition strategy, claim/balance, codec).
 *
 * <p>Contract: implementations MUST be deterministic pure functions of their arguments (every node
 * may replay them and the simulation replays bit for bit), and thread-safe.
 */
public interface RingPolicy {
  /**
   * The ring of a brand-new cluster whose only member is {@code firstNode}, in {@code zone} (may be
   * empty).
   */
  byte[] initialRing(NodeId firstNode, String zone);

  /**
   * The ring that follows {@code currentRing} when the members are exactly {@code targetMembers}:
   * members not in {@code currentRing} are added (their {@link NodeState#zone()} is available for
   * zone-aware placement), owners not in {@code targetMembers} are dropped. Called only when {@code
   * owners(currentRing)} differs from {@code targetMembers.keySet()}; the result MUST have exactly
   * {@code targetMembers.keySet()} as {@link #owners}, the epoch of {@code currentRing} and its
   * version plus one. {@code targetMembers} is never empty.
   */
  byte[] nextRing(byte[] currentRing, SortedMap<NodeId, NodeState> targetMembers);

  /**
   * A fresh ring for exactly {@code members} (never empty), laid out from scratch at version 1 of
   * ring epoch {@code epoch}: what the claimant plans when it has no ring it can use and no peer
   * offered one (see {@link Membership}). Its {@link #owners} MUST be {@code members.keySet()}.
   */
  byte[] freshRing(long epoch, SortedMap<NodeId, NodeState> members);

  /**
   * The most owners a ring can have (strategy 3: one per partition). The claimant never asks for a
   * ring with more; joining nodes beyond it wait. {@link Integer#MAX_VALUE} when unbounded.
   */
  default int capacity() {
    return Integer.MAX_VALUE;
  }

  /**
   * The physical nodes that own at least one part of {@code ring}, a ring that {@link #validate}d.
   */
  Set<NodeId> owners(byte[] ring);

  /**
   * Checks bytes that arrived as a ring, from a peer or from this node's disk, before membership
   * uses them, and returns their owners. MUST throw a {@link RuntimeException} whose message says
   * what is wrong unless {@code ring} decodes completely as a ring at ring epoch {@code epoch} and
   * version {@code version} that this planner could have planned for this cluster (same
   * partitioning settings, and every guarantee the planner makes about placement holds). MUST NOT
   * allocate more than the input justifies. Membership separately checks that every owner is a
   * member.
   */
  Set<NodeId> validate(byte[] ring, long epoch, long version);
}
