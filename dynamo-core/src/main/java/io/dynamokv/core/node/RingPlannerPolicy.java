/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.NodeState;
import io.dynamokv.core.membership.RingPolicy;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.RingPlanner;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Lets the membership claimant plan rings with the {@code ring} package: membership gossips rings
 * as opaque bytes ({@link RingCodec}), so neither package depends on the other.
 */
final class RingPlannerPolicy implements RingPolicy {
  private final RingPlanner planner;

  RingPlannerPolicy(RingPlanner planner) {
    this.planner = planner;
  }

  @Override
  public byte[] initialRing(NodeId firstNode, String zone) {
    TreeMap<NodeId, String> zones = new TreeMap<>();
    if (zone != null && !zone.isEmpty()) {
      zones.put(firstNode, zone);
    }
    return RingCodec.encode(planner.initial(new TreeSet<>(Set.of(firstNode)), zones));
  }

  @Override
  public byte[] nextRing(byte[] currentRing, SortedMap<NodeId, NodeState> targetMembers) {
    Ring current = RingCodec.decode(currentRing);
    return RingCodec.encode(
        planner.next(current, new TreeSet<>(targetMembers.keySet()), zonesOf(targetMembers)));
  }

  @Override
  public byte[] freshRing(long epoch, SortedMap<NodeId, NodeState> members) {
    return RingCodec.encode(
        planner.fresh(epoch, new TreeSet<>(members.keySet()), zonesOf(members)));
  }

  @Override
  public int capacity() {
    return planner.capacity();
  }

  @Override
  public Set<NodeId> owners(byte[] ring) {
    return RingCodec.decode(ring).nodes();
  }

  @Override
  public Set<NodeId> validate(byte[] bytes, long epoch, long version) {
    Ring ring = RingCodec.decode(bytes);
    if (ring.epoch() != epoch || ring.version() != version) {
      throw new IllegalArgumentException(
          "the ring bytes are epoch "
              + ring.epoch()
              + " version "
              + ring.version()
              + " but travel as epoch "
              + epoch
              + " version "
              + version);
    }
    planner.verify(ring);
    return ring.nodes();
  }

  private static TreeMap<NodeId, String> zonesOf(SortedMap<NodeId, NodeState> members) {
    TreeMap<NodeId, String> zones = new TreeMap<>();
    members.forEach(
        (id, state) -> {
          if (state.zone() != null && !state.zone().isEmpty()) {
            zones.put(id, state.zone());
          }
        });
    return zones;
  }
}
