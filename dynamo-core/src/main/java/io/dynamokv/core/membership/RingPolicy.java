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
 * <p>A ring may be {@link #moving}: while partitions transfer (issue 20) it names, besides the
 * nodes that own partitions now, the nodes that will own them once the move completes ({@link
 * #targetOwners}); {@link #promote} gives the ring that completes the move. Implementations that
 * never plan moves keep the defaults (no ring moves, the target owners are the owners).
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
   * The ring that follows {@code currentRing} when the members are to be exactly {@code
   * targetMembers}: members not in {@code currentRing} are added (their {@link NodeState#zone()} is
   * available for zone-aware placement), owners not in {@code targetMembers} are dropped. Called
   * only when {@code targetOwners(currentRing)} differs from {@code targetMembers.keySet()}. The
   * result MUST have the epoch of {@code currentRing} and its version plus one, and exactly {@code
   * targetMembers.keySet()} as {@link #targetOwners}. It may switch at once ({@link #owners} then
   * equal the target owners too) or be a {@link #moving} ring, whose owners are the nodes that own
   * partitions now (of {@code currentRing}'s current layout; a move already under way is replanned
   * from it) together with the target owners; a move cancelled (the target members are the current
   * layout's nodes) gives a ring that does not move. {@code targetMembers} is never empty.
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
   * All nodes of {@code ring}, a ring that {@link #validate}d: those that own at least one part of
   * it now and, if it is {@link #moving}, those that will own one once the move completes.
   */
  Set<NodeId> owners(byte[] ring);

  /** Whether {@code ring}, a ring that {@link #validate}d, is moving partitions to new owners. */
  default boolean moving(byte[] ring) {
    return false;
  }

  /**
   * Whether {@code ring}, a {@link #moving} ring, is in the last step of its move: it has switched
   * to its new owners and keeps the previous ones only until every member knows. The claimant plans
   * no other change meanwhile.
   */
  default boolean retiring(byte[] ring) {
    return false;
  }

  /**
   * The nodes that own at least one part of {@code ring}, a ring that {@link #validate}d, once its
   * move completes, else its {@link #owners}.
   */
  default Set<NodeId> targetOwners(byte[] ring) {
    return owners(ring);
  }

  /**
   * The next step of the move of {@code ring}, a {@link #moving} ring that {@link #validate}d, at
   * the same epoch and version plus one: the switch to the target layout (which may keep the
   * previous owners as {@link #retiring}), or, from a retiring ring, the target layout alone. Its
   * {@link #targetOwners} are {@code targetOwners(ring)}.
   *
   * @throws UnsupportedOperationException if this policy never plans moves
   * @throws IllegalArgumentException if {@code ring} is not moving
   */
  default byte[] promote(byte[] ring) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " plans no moving rings: nothing to promote");
  }

  /**
   * Checks bytes that arrived as a ring, from a peer or from this node's disk, before membership
   * uses them, and returns their owners. MUST throw a {@link RuntimeException} whose message says
   * what is wrong unless {@code ring} decodes completely as a ring at ring epoch {@code epoch} and
   * version {@code version} that this planner could have planned for this cluster (same
   * partitioning settings, and every guarantee the planner makes about placement holds, for the
   * target layout of a moving ring as well). MUST NOT allocate more than the input justifies.
   * Returns the ring's {@link #owners} (current and target); membership separately checks that
   * every owner is a member.
   */
  Set<NodeId> validate(byte[] ring, long epoch, long version);
}
