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
public interface RingPlanner {
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
   * {@code targetMembers.keySet()} as {@link #owners}. {@code targetMembers} is never empty.
   */
  byte[] nextRing(byte[] currentRing, SortedMap<NodeId, NodeState> targetMembers);

  /** The physical nodes that own at least one part of {@code ring}. */
  Set<NodeId> owners(byte[] ring);
}
