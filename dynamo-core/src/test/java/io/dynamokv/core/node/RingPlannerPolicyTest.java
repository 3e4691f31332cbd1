/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.NodeState;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.RingPlanner;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The ring package behind membership's {@link io.dynamokv.core.membership.RingPolicy}. */
class RingPlannerPolicyTest {
  private static final RingPlanner Q64 = RingPlanner.fixedPartitions(64, 3);
  private static final RingPlannerPolicy MOVES = new RingPlannerPolicy(Q64, true);
  private static final RingPlannerPolicy SWITCHES = new RingPlannerPolicy(Q64);

  private static NodeId node(int i) {
    return NodeId.of("n" + i);
  }

  private static TreeSet<NodeId> ids(int... ids) {
    TreeSet<NodeId> result = new TreeSet<>();
    for (int id : ids) {
      result.add(node(id));
    }
    return result;
  }

  private static SortedMap<NodeId, NodeState> members(int... ids) {
    TreeMap<NodeId, NodeState> result = new TreeMap<>();
    for (NodeId id : ids(ids)) {
      result.put(id, new NodeState(id, 1, 1, NodeStatus.NORMAL, "", "", 0));
    }
    return result;
  }

  private static byte[] ring(int... ids) {
    return RingCodec.encode(Q64.initial(ids(ids), Map.of()));
  }

  @Test
  void aJoinIsPlannedAsAMoveThatPromotionCompletes() {
    byte[] three = ring(1, 2, 3);
    byte[] moving = MOVES.nextRing(three, members(1, 2, 3, 4));
    assertThat(MOVES.moving(moving)).isTrue();
    assertThat(MOVES.owners(moving)).isEqualTo(ids(1, 2, 3, 4));
    assertThat(MOVES.targetOwners(moving)).isEqualTo(ids(1, 2, 3, 4));
    assertThat(MOVES.validate(moving, 0, 2)).isEqualTo(ids(1, 2, 3, 4));
    byte[] switched = MOVES.promote(moving);
    assertThat(MOVES.moving(switched)).isTrue();
    assertThat(MOVES.retiring(switched)).isTrue();
    assertThat(MOVES.targetOwners(switched)).isEqualTo(ids(1, 2, 3, 4));
    assertThat(MOVES.validate(switched, 0, 3)).isEqualTo(ids(1, 2, 3, 4));
    byte[] done = MOVES.promote(switched);
    assertThat(MOVES.moving(done)).isFalse();
    assertThat(MOVES.validate(done, 0, 4)).isEqualTo(ids(1, 2, 3, 4));
    Ring direct = Q64.next(RingCodec.decode(three), ids(1, 2, 3, 4), Map.of());
    assertThat(RingCodec.decode(done)).isEqualTo(direct.atVersion(4));
  }

  @Test
  void aLeaveKeepsTheLeaverAsOwnerUntilPromoted() {
    byte[] moving = MOVES.nextRing(ring(1, 2, 3, 4, 5), members(1, 2, 3, 4));
    assertThat(MOVES.moving(moving)).isTrue();
    assertThat(MOVES.owners(moving)).isEqualTo(ids(1, 2, 3, 4, 5));
    assertThat(MOVES.targetOwners(moving)).isEqualTo(ids(1, 2, 3, 4));
    byte[] switched = MOVES.promote(moving);
    // After the switch the leaver still takes writes (retiring) until every member has it.
    assertThat(MOVES.owners(switched)).isEqualTo(ids(1, 2, 3, 4, 5));
    assertThat(MOVES.targetOwners(switched)).isEqualTo(ids(1, 2, 3, 4));
    assertThat(MOVES.owners(MOVES.promote(switched))).isEqualTo(ids(1, 2, 3, 4));
  }

  @Test
  void aCancelledMoveStopsMoving() {
    byte[] moving = MOVES.nextRing(ring(1, 2, 3), members(1, 2, 3, 4));
    byte[] cancelled = MOVES.nextRing(moving, members(1, 2, 3));
    assertThat(MOVES.moving(cancelled)).isFalse();
    assertThat(MOVES.owners(cancelled)).isEqualTo(ids(1, 2, 3));
    assertThat(MOVES.validate(cancelled, 0, 3)).isEqualTo(ids(1, 2, 3));
    assertThatThrownBy(() -> MOVES.promote(cancelled)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theSwitchingPolicyChangesOwnersAtOnceButReadsMovingRings() {
    byte[] three = ring(1, 2, 3);
    byte[] next = SWITCHES.nextRing(three, members(1, 2, 3, 4));
    assertThat(SWITCHES.moving(next)).isFalse();
    assertThat(SWITCHES.owners(next))
        .isEqualTo(SWITCHES.targetOwners(next))
        .isEqualTo(ids(1, 2, 3, 4));
    byte[] moving = MOVES.nextRing(three, members(1, 2, 3, 4));
    assertThat(SWITCHES.validate(moving, 0, 2)).isEqualTo(Set.copyOf(ids(1, 2, 3, 4)));
    assertThat(RingCodec.decode(SWITCHES.nextRing(moving, members(1, 2, 3, 4))))
        .isEqualTo(RingCodec.decode(next).atVersion(3));
  }

  @Test
  void validateRefusesAMovingRingAtAnotherVersion() {
    byte[] moving = MOVES.nextRing(ring(1, 2, 3), members(1, 2, 3, 4));
    assertThatThrownBy(() -> MOVES.validate(moving, 0, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version 2");
  }
}
