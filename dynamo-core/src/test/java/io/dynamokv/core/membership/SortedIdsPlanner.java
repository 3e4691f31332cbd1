/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A trivial {@link RingPolicy} for tests: the ring is the sorted member ids, comma-separated; the
 * epoch and version travel only in the {@link RingState}.
 */
final class SortedIdsPlanner implements RingPolicy {
  static final SortedIdsPlanner INSTANCE = new SortedIdsPlanner();

  @Override
  public byte[] initialRing(NodeId firstNode, String zone) {
    return firstNode.value().getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public byte[] nextRing(byte[] currentRing, SortedMap<NodeId, NodeState> targetMembers) {
    return String.join(",", targetMembers.keySet().stream().map(NodeId::value).toList())
        .getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public byte[] freshRing(long epoch, SortedMap<NodeId, NodeState> members) {
    return nextRing(null, members);
  }

  /** Accepts comma-separated valid node ids, at least one, ascending and distinct. */
  @Override
  public Set<NodeId> validate(byte[] ring, long epoch, long version) {
    String s = new String(ring, StandardCharsets.US_ASCII);
    if (!s.equals(new String(ring, StandardCharsets.ISO_8859_1))) {
      throw new IllegalArgumentException("not ASCII");
    }
    Set<NodeId> owners = owners(ring);
    if (owners.isEmpty() || !Arrays.equals(ring, nextRing(null, toStates(owners)))) {
      throw new IllegalArgumentException("not a sorted, comma-separated list of node ids");
    }
    return owners;
  }

  private static SortedMap<NodeId, NodeState> toStates(Set<NodeId> ids) {
    TreeMap<NodeId, NodeState> states = new TreeMap<>();
    for (NodeId id : ids) {
      states.put(id, new NodeState(id, 1, 0, NodeStatus.NORMAL, "", "", 0));
    }
    return states;
  }

  @Override
  public Set<NodeId> owners(byte[] ring) {
    TreeSet<NodeId> owners = new TreeSet<>();
    String s = new String(ring, StandardCharsets.US_ASCII);
    if (!s.isEmpty()) {
      for (String id : s.split(",")) {
        owners.add(NodeId.of(id));
      }
    }
    return owners;
  }
}
