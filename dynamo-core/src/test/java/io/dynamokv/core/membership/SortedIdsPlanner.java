/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

/** A trivial {@link RingPlanner} for tests: the ring is the sorted member ids, comma-separated. */
final class SortedIdsPlanner implements RingPlanner {
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
