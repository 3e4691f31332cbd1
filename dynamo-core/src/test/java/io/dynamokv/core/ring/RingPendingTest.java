/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static io.dynamokv.core.ring.RingPlannerTest.node;
import static io.dynamokv.core.ring.RingPlannerTest.nodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rings that carry a pending layout while partitions move (issue 20). */
class RingPendingTest {
  private static final int N = 3;
  private static final RingPlanner Q64 = RingPlanner.fixedPartitions(64, N);

  @Test
  void aRingWithoutPendingAnswersAsBefore() {
    Ring ring = Q64.initial(nodes(5), Map.of());
    assertThat(ring.moving()).isFalse();
    assertThat(ring.pending()).isEmpty();
    assertThat(ring.withoutPending()).isSameAs(ring);
    assertThat(ring.allNodes()).isEqualTo(ring.nodes());
    for (int p = 0; p < ring.partitionCount(); p++) {
      assertThat(ring.replicas(p, N)).isEqualTo(ring.preferenceList(p, N));
      assertThat(ring.pendingOwners(p, N)).isEmpty();
    }
    Token token = new Token(0x1234_5678_9abc_def0L, 42L);
    assertThat(ring.replicas(token, N)).isEqualTo(ring.preferenceList(token, N));
    assertThat(ring.pendingOwners(token, N)).isEmpty();
    assertThatThrownBy(ring::promoted)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not moving");
  }

  /** A joiner is only ever a pending owner, and is pending exactly where it gains replicas. */
  @Test
  void aJoinNamesTheJoinerAsPendingOwner() {
    Ring before = Q64.initial(nodes(3), Map.of());
    Ring after = Q64.join(before, node(3), null);
    Ring moving = before.atVersion(after.version()).withPending(after);
    assertThat(moving.moving()).isTrue();
    assertThat(moving.nodes()).isEqualTo(nodes(3));
    assertThat(moving.allNodes()).isEqualTo(nodes(4));
    assertThat(moving.pending().orElseThrow().nodes()).isEqualTo(nodes(4));
    int pending = 0;
    for (int p = 0; p < moving.partitionCount(); p++) {
      List<NodeId> owners = moving.pendingOwners(p, N);
      assertThat(owners).isSubsetOf(node(3));
      assertThat(moving.replicas(p, N)).isEqualTo(concat(before.preferenceList(p, N), owners));
      pending += owners.size();
    }
    assertThat(pending).isEqualTo(RingMovement.replicaMoves(before, after, N)).isPositive();
  }

  /** A leaver stays a replica until the move completes and is never a pending owner. */
  @Test
  void aLeaveKeepsTheLeaverUntilPromoted() {
    Ring before = Q64.initial(nodes(5), Map.of());
    Ring after = Q64.leave(before, node(4));
    assertPendingOwnersAreWhatMoves(before, after);
    Ring moving = before.atVersion(after.version()).withPending(after);
    assertThat(moving.allNodes()).isEqualTo(nodes(5));
    for (int p = 0; p < moving.partitionCount(); p++) {
      assertThat(moving.pendingOwners(p, N)).doesNotContain(node(4));
    }
    assertThat(moving.partitionsOf(node(4))).isNotEmpty();
    assertThat(moving.promoted().contains(node(4))).isFalse();
  }

  @Test
  void aRemovalMovesTheDeadNodesReplicasElsewhere() {
    Ring before = Q64.initial(nodes(6), Map.of());
    Ring after = Q64.remove(before, node(2));
    assertPendingOwnersAreWhatMoves(before, after);
    Ring moving = before.atVersion(after.version()).withPending(after);
    for (int p : before.partitionsOf(node(2))) {
      assertThat(moving.pendingOwners(p, N)).isNotEmpty().doesNotContain(node(2));
      assertThat(moving.replicas(p, N)).startsWith(node(2)).hasSizeGreaterThan(N);
    }
  }

  private static void assertPendingOwnersAreWhatMoves(Ring before, Ring after) {
    Ring moving = before.withPending(after);
    int pending = 0;
    for (int p = 0; p < moving.partitionCount(); p++) {
      List<NodeId> current = before.preferenceList(p, N);
      List<NodeId> owners = moving.pendingOwners(p, N);
      assertThat(owners).doesNotContainAnyElementsOf(current).doesNotHaveDuplicates();
      assertThat(after.preferenceList(p, N)).containsAll(owners);
      assertThat(moving.replicas(p, N)).isEqualTo(concat(current, owners));
      Token start = moving.range(p).start();
      assertThat(moving.replicas(start, N)).isEqualTo(moving.replicas(p, N));
      assertThat(moving.pendingOwners(start, N)).isEqualTo(owners);
      pending += owners.size();
    }
    assertThat(pending).isEqualTo(RingMovement.replicaMoves(before, after, N));
  }

  @Test
  void versionsEpochsAndEqualityCoverThePendingLayout() {
    Ring before = Q64.initial(nodes(3), Map.of());
    Ring after = Q64.join(before, node(3), "z");
    Ring moving = before.withPending(after);
    Ring pending = moving.pending().orElseThrow();
    assertThat(pending.version()).isEqualTo(before.version());
    assertThat(pending.epoch()).isEqualTo(before.epoch());
    assertThat(pending.moving()).isFalse();
    assertThat(pending.owners()).isEqualTo(after.owners());
    assertThat(pending.zones()).isEqualTo(Map.of(node(3), "z"));
    assertThat(moving.zones()).isEmpty();

    assertThat(moving).isNotEqualTo(before).isEqualTo(before.withPending(after.atVersion(9)));
    assertThat(moving.hashCode()).isEqualTo(before.withPending(after).hashCode());
    assertThat(moving.withoutPending()).isEqualTo(before);
    assertThat(moving.toString()).contains("pending=[node-000, node-001, node-002, node-003]");
    assertThat(before.toString()).doesNotContain("pending");

    Ring later = moving.atVersion(7).withEpoch(2);
    assertThat(later.version()).isEqualTo(7);
    assertThat(later.epoch()).isEqualTo(2);
    assertThat(later.pending().orElseThrow().version()).isEqualTo(7);
    assertThat(later.pending().orElseThrow().epoch()).isEqualTo(2);
    assertThat(later.atVersion(7)).isSameAs(later);

    Ring switched = later.promoted();
    assertThat(switched.retiring()).isTrue();
    assertThat(switched.withoutPending()).isEqualTo(after.atVersion(8).withEpoch(2));
    assertThat(switched.pending().orElseThrow().owners()).isEqualTo(before.owners());
    assertThat(switched).isNotEqualTo(after.atVersion(8).withEpoch(2).withPending(before));
    assertThat(switched.toString()).contains("retiring=");
    Ring promoted = switched.promoted();
    assertThat(promoted.moving()).isFalse();
    assertThat(promoted.version()).isEqualTo(9);
    assertThat(promoted.epoch()).isEqualTo(2);
    assertThat(promoted).isEqualTo(after.atVersion(9).withEpoch(2));
  }

  @Test
  void withPendingRefusesWhatCannotMove() {
    Ring before = Q64.initial(nodes(3), Map.of());
    Ring after = Q64.join(before, node(3), null);
    assertThat(before.withPending(before.atVersion(5))).isSameAs(before);
    assertThat(before.withPending(after).withPending(before)).isEqualTo(before);
    assertThat(before.withPending(Q64.next(before, nodes(3), Map.of(node(0), "z"))).moving())
        .as("zones alone differ")
        .isTrue();
    assertThatThrownBy(() -> before.withPending(before.withPending(after)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be moving");
    Ring q128 = RingPlanner.fixedPartitions(128, N).initial(nodes(4), Map.of());
    assertThatThrownBy(() -> before.withPending(q128))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Q=64")
        .hasMessageContaining("Q=128");
    Ring tokens = RingPlanner.randomTokens(4, N).initial(nodes(3), Map.of());
    assertThatThrownBy(() -> tokens.withPending(tokens.atVersion(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("strategy-3");
    assertThatThrownBy(() -> before.withPending(tokens))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** move() then promote() ends where next() goes in one step, one version later. */
  @Test
  void moveThenPromoteEndsWhereNextGoes() {
    Ring three = Q64.initial(nodes(3), Map.of());
    Ring direct = Q64.next(three, nodes(4), Map.of());
    Ring moving = Q64.move(three, nodes(4), Map.of());
    assertThat(moving.version()).isEqualTo(three.version() + 1);
    assertThat(moving.epoch()).isEqualTo(three.epoch());
    assertThat(moving.owners()).isEqualTo(three.owners());
    assertThat(moving.pending().orElseThrow().owners()).isEqualTo(direct.owners());
    Q64.verify(moving);
    Ring switched = Q64.promote(moving);
    assertThat(switched.retiring()).isTrue();
    assertThat(switched.incomingOwners(0, 3)).isEmpty();
    Q64.verify(switched);
    Ring done = Q64.promote(switched);
    assertThat(done.moving()).isFalse();
    assertThat(done.version()).isEqualTo(three.version() + 3);
    assertThat(done).isEqualTo(direct.atVersion(three.version() + 3));
    Q64.verify(done);
    assertThatThrownBy(() -> Q64.promote(done))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no pending layout");
  }

  @Test
  void moveFromAMovingRingPlansFromTheCurrentLayout() {
    Ring three = Q64.initial(nodes(3), Map.of()).withEpoch(4);
    Ring moving = Q64.move(three, nodes(4), Map.of());
    Ring retargeted = Q64.move(moving, nodes(5), Map.of());
    assertThat(retargeted.version()).isEqualTo(moving.version() + 1);
    assertThat(retargeted.epoch()).isEqualTo(4);
    assertThat(retargeted.owners()).isEqualTo(three.owners());
    assertThat(retargeted.pending().orElseThrow().owners())
        .isEqualTo(Q64.next(three, nodes(5), Map.of()).owners());

    Ring cancelled = Q64.move(moving, nodes(3), Map.of());
    assertThat(cancelled.moving()).isFalse();
    assertThat(cancelled).isEqualTo(three.atVersion(moving.version() + 1));
  }

  @Test
  void strategyOneMovesSwitchAtOnce() {
    RingPlanner tokens = RingPlanner.randomTokens(8, N);
    Ring three = tokens.initial(nodes(3), Map.of());
    Ring moved = tokens.move(three, nodes(4), Map.of());
    assertThat(moved.moving()).isFalse();
    assertThat(moved).isEqualTo(tokens.next(three, nodes(4), Map.of()));
    assertThatThrownBy(() -> tokens.promote(moved)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void verifyChecksThePendingLayout() {
    Ring four = Q64.initial(nodes(4), Map.of());
    Ring five = Q64.join(four, node(4), null);
    Q64.verify(four.withPending(five));
    List<NodeId> tampered = new ArrayList<>(five.owners());
    tampered.set(1, tampered.get(0));
    Ring bad = four.withPending(Ring.ofPartitions(five.version(), tampered, Map.of()));
    assertThatThrownBy(() -> Q64.verify(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pending layout: ")
        .hasMessageContaining("repeat an owner");
    Ring q64n1 = RingPlanner.fixedPartitions(64, 1).initial(nodes(2), Map.of());
    assertThatThrownBy(() -> RingPlanner.fixedPartitions(128, N).verify(q64n1.withPending(four)))
        .hasMessageContaining("Q=64");
  }

  private static List<NodeId> concat(List<NodeId> a, List<NodeId> b) {
    List<NodeId> result = new ArrayList<>(a);
    result.addAll(b);
    return result;
  }
}
