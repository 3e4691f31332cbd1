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
 *
 * <p>A policy that {@linkplain #RingPlannerPolicy(RingPlanner, boolean) plans moves} plans each
 * ring change with {@link RingPlanner#move}: for strategy 3 the next ring names the new layout as
 * pending until {@link #promote} completes it; strategy-1 rings switch at once. One that does not
 * plans with {@link RingPlanner#next} and switches owners at once. Either reads, validates and
 * promotes moving rings.
 */
final class RingPlannerPolicy implements RingPolicy {
  private final RingPlanner planner;
  private final boolean plansMoves;

  /**
   * A policy that switches owners at once, with no pending owners and no transfer: the behaviour
   * before issue 20, kept for tests that compare the two. Nodes plan moves.
   */
  RingPlannerPolicy(RingPlanner planner) {
    this(planner, false);
  }

  /**
   * @param plansMoves whether {@link #nextRing} plans moves ({@link RingPlanner#move}) rather than
   *     switches ({@link RingPlanner#next})
   */
  RingPlannerPolicy(RingPlanner planner, boolean plansMoves) {
    this.planner = planner;
    this.plansMoves = plansMoves;
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
    TreeSet<NodeId> members = new TreeSet<>(targetMembers.keySet());
    TreeMap<NodeId, String> zones = zonesOf(targetMembers);
    return RingCodec.encode(
        plansMoves
            ? planner.move(current, members, zones)
            : planner.next(current.withoutPending(), members, zones));
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
    return RingCodec.decode(ring).allNodes();
  }

  @Override
  public boolean moving(byte[] ring) {
    return RingCodec.decode(ring).moving();
  }

  @Override
  public boolean retiring(byte[] ring) {
    return RingCodec.decode(ring).retiring();
  }

  @Override
  public Set<NodeId> targetOwners(byte[] bytes) {
    Ring ring = RingCodec.decode(bytes);
    return ring.retiring() ? ring.nodes() : ring.pending().orElse(ring).nodes();
  }

  @Override
  public byte[] promote(byte[] ring) {
    return RingCodec.encode(planner.promote(RingCodec.decode(ring)));
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
    return ring.allNodes();
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
