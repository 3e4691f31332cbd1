/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.transfer.ClusterChange;
import io.dynamokv.core.transfer.TransferPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Ownership transfer on a simulated cluster (issue 20): n1..n5 form the ring, n6..n8 start as
 * STANDBY members and join by command.
 */
class TransferTest {
  private static final String STORE = "cart";
  private static final int KEYS = 300;
  private static final Set<NodeId> STANDBY =
      Set.of(NodeId.of("n6"), NodeId.of("n7"), NodeId.of("n8"));

  private static DynamoSim sim(BrokenVariant broken) {
    DynamoSim sim =
        new DynamoSim(
            11,
            8,
            List.of(StoreDefinition.of(STORE)),
            broken,
            Duration.ofMillis(500),
            b -> b,
            STANDBY);
    sim.formCluster();
    sim.awaitAllReachable();
    return sim;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  /** Writes KEYS keys at W=2 through n1..n5; all must be acknowledged. */
  private static void load(DynamoSim sim) {
    load(sim, KEYS, 5);
  }

  private static void load(DynamoSim sim, int keys, int through) {
    for (int i = 0; i < keys; i++) {
      sim.join(
          sim.node(1 + i % through)
              .put(STORE, bytes("k" + i), bytes("v" + i), Context.EMPTY, RequestOptions.DEFAULTS));
    }
  }

  private static void joinThree(DynamoSim sim) {
    for (int i = 6; i <= 8; i++) {
      sim.join(sim.node(i).join());
    }
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "n6..n8 in a stable ring",
            () -> sim.formed() && sim.node(1).ring().orElseThrow().nodes().size() == 8,
            Duration.ofMinutes(3));
  }

  /** The keys a read at {@code r} through each node in turn finds absent. */
  private static List<String> absentAt(DynamoSim sim, int r) {
    List<String> absent = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      GetResult got =
          sim.join(
              sim.node(1 + i % 8)
                  .get(STORE, bytes("k" + i), new RequestOptions(r, Duration.ofSeconds(2))));
      if (got.values().isEmpty()) {
        absent.add("k" + i);
      }
    }
    return absent;
  }

  /**
   * The reproduction: 300 keys acknowledged on 5 nodes, then 3 nodes join. With moves no
   * key reads as absent, at R=2 or R=3.
   */
  @Test
  void threeJoinsHideNoAcknowledgedKey() {
    DynamoSim sim = sim(BrokenVariant.NONE);
    load(sim);
    joinThree(sim);
    assertThat(absentAt(sim, 2)).as("absent at R=2").isEmpty();
    assertThat(absentAt(sim, 3)).as("absent at R=3").isEmpty();
    long streamed = 0;
    for (int i = 6; i <= 8; i++) {
      streamed += stat(sim.node(i), "records_received");
    }
    assertThat(streamed).as("records streamed to the joiners").isPositive();
  }

  /**
   * The same with the switch of the code before issue 20 (owners change at once, nothing streams):
   * keys read as absent. The test above fails on that code.
   */
  @Test
  void theInstantSwitchHidesAcknowledgedKeys() {
    DynamoSim sim = sim(BrokenVariant.SWITCH_AT_ONCE);
    load(sim);
    joinThree(sim);
    assertThat(absentAt(sim, 2)).as("absent at R=2").isNotEmpty();
  }

  /** After the move, the old owners hold nothing they gave up. */
  @Test
  void theOldOwnersDropWhatTheyGaveUp() {
    DynamoSim sim = sim(BrokenVariant.NONE);
    load(sim);
    joinThree(sim);
    sim.cluster.runFor(Duration.ofSeconds(10));
    io.dynamokv.core.ring.Ring ring = sim.node(1).ring().orElseThrow();
    for (SimCluster<DynamoNode>.Instance n : sim.cluster.nodes()) {
      for (int i = 0; i < KEYS; i++) {
        byte[] key = bytes("k" + i);
        boolean owner =
            ring.preferenceList(io.dynamokv.core.ring.Token.of(key), 3).contains(n.id());
        assertThat(!n.service().dataOf(STORE, key).isEmpty())
            .as(n.id() + " holds k" + i)
            .isEqualTo(owner);
      }
    }
    assertThat(stat(sim.node(1), "moving")).isZero();
  }

  /**
   * A copy of a partition a node no longer replicates may hold writes no owner has: a pending owner
   * of a plan that changed holds them when their other copies are gone (a W=1 write through an
   * owner that then crashed for good), and no stream reads a node that is not a current owner. The
   * sweep hands such a copy to an owner before it drops it. Before, it dropped it, and the write
   * was lost (TransferSimulationTest seed 7169583085132460317).
   */
  @Test
  void aCopyGivenUpIsHandedToAnOwnerBeforeItIsDropped() {
    DynamoSim sim = antiEntropySim();
    assertThat(valuesAfterAHandOff(sim, Duration.ofMinutes(1))).hasSize(1);
    assertThat(stat(sim.node(holder(sim)), "hand_offs")).isPositive();
  }

  /**
   * A given-up copy's set older than the tombstone grace period is not handed on: a value that old
   * which the owners lack may have been deleted and purged, and must not come back (as a node back
   * with old data drops it, AntiEntropyTest).
   */
  @Test
  void aHandOffLeavesOutWhatIsOlderThanTheTombstoneGrace() {
    DynamoSim sim = antiEntropySim();
    assertThat(valuesAfterAHandOff(sim, Duration.ofDays(2))).isEmpty();
  }

  private static DynamoSim antiEntropySim() {
    DynamoSim sim =
        new DynamoSim(
            11,
            5,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b -> b.antiEntropy(io.dynamokv.core.merkle.AntiEntropyConfig.DEFAULTS),
            Set.of());
    sim.formCluster();
    sim.awaitAllReachable();
    load(sim, 20, 5);
    return sim;
  }

  private static final byte[] ORPHAN = bytes("only-here");

  /** The first node that does not replicate {@link #ORPHAN}. */
  private static int holder(DynamoSim sim) {
    List<NodeId> owners =
        sim.node(1).ring().orElseThrow().preferenceList(io.dynamokv.core.ring.Token.of(ORPHAN), 3);
    int holder = 1;
    while (owners.contains(sim.cluster.node(holder).id())) {
      holder++;
    }
    return holder;
  }

  /**
   * Gives a node that does not replicate {@link #ORPHAN} the key's only copy, written {@code age}
   * ago, restarts it (a start sweeps what the node does not replicate), waits until it dropped the
   * copy, and reads the key from its owners.
   */
  private static List<byte[]> valuesAfterAHandOff(DynamoSim sim, Duration age) {
    int holder = holder(sim);
    DynamoNode node = sim.node(holder);
    long written = sim.cluster.node(holder).clock().wallMillis() - age.toMillis();
    node.replica()
        .merge(
            node.config().stores().get(STORE),
            ORPHAN,
            io.dynamokv.core.version.Siblings.empty()
                .update(
                    io.dynamokv.core.version.VectorClock.empty(),
                    io.dynamokv.core.version.Versioned.of(bytes("orphan"), written),
                    io.dynamokv.core.version.Actor.of("n9", 1)));
    assertThat(node.dataOf(STORE, ORPHAN).isEmpty()).isFalse();
    sim.cluster.node(holder).restart();
    DynamoNode restarted = sim.node(holder);
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "the copy dropped",
            () -> restarted.dataOf(STORE, ORPHAN).isEmpty(),
            Duration.ofMinutes(1));
    return sim.join(
            sim.node(holder).get(STORE, ORPHAN, new RequestOptions(3, Duration.ofSeconds(2))))
        .values();
  }

  /** A leave streams the leaver's partitions away, then the node is LEFT and owns nothing. */
  @Test
  void aLeaverHandsEverythingOnAndIsLeft() {
    DynamoSim sim = sim(BrokenVariant.NONE);
    load(sim);
    DynamoNode leaver = sim.node(3);
    sim.join(leaver.membership().leave());
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "n3 LEFT",
            () -> leaver.membership().view().status(leaver.id()) == NodeStatus.LEFT,
            Duration.ofMinutes(3));
    assertThat(sim.node(1).ring().orElseThrow().allNodes()).doesNotContain(leaver.id());
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "n3 dropped its data",
            () -> {
              for (int i = 0; i < KEYS; i++) {
                if (!leaver.dataOf(STORE, bytes("k" + i)).isEmpty()) {
                  return false;
                }
              }
              return true;
            },
            Duration.ofMinutes(1));
    sim.cluster.node(3).stop();
    for (int i = 0; i < KEYS; i++) {
      GetResult got =
          sim.join(
              sim.node(1).get(STORE, bytes("k" + i), new RequestOptions(3, Duration.ofSeconds(2))));
      assertThat(got.values()).as("k" + i).hasSize(1);
    }
  }

  /**
   * With anti-entropy on but its background passes an hour apart (as the process test runs it), a
   * join and then a leave still complete: the transfer drives the confirming exchanges itself.
   * Before, a pass planned while a new tree was still building waited for the next interval, and
   * the leave never completed.
   */
  @Test
  void movesDoNotWaitForTheAntiEntropyInterval() {
    DynamoSim sim =
        new DynamoSim(
            3,
            4,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b ->
                b.antiEntropy(
                    io.dynamokv.core.merkle.AntiEntropyConfig.DEFAULTS.withInterval(
                        Duration.ofHours(1))),
            Set.of(NodeId.of("n4")));
    sim.formCluster();
    load(sim, 100, 3);
    sim.join(sim.node(4).join());
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "n4 in a stable ring",
            () -> sim.formed() && sim.node(1).ring().orElseThrow().nodes().size() == 4,
            Duration.ofMinutes(2));
    sim.join(sim.node(4).membership().leave());
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "n4 LEFT",
            () -> sim.node(4).membership().view().status(NodeId.of("n4")) == NodeStatus.LEFT,
            Duration.ofMinutes(2));
    assertThat(sim.node(1).ring().orElseThrow().allNodes()).doesNotContain(NodeId.of("n4"));
  }

  /**
   * Writes keep coming while n4 joins (read repair off, anti-entropy passes an hour apart, as the
   * process test runs it): once the ring is stable and the hints have gone home, every owner holds
   * its own copy of every acknowledged key. Before, a write forwarded to n4 while it was a pending
   * owner was coordinated by n4 as a stand-in for a current owner, and n4 never kept a copy of its
   * own (the process test found 9 such keys).
   */
  @Test
  void writesDuringAJoinReachEveryOwner() {
    DynamoSim sim =
        new DynamoSim(
            5,
            4,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b ->
                b.readRepair(false)
                    .handoff(
                        io.dynamokv.core.handoff.HandoffConfig.DEFAULTS
                            .withInterval(Duration.ofMillis(200))
                            .withMaxBackoff(Duration.ofSeconds(1)))
                    .antiEntropy(
                        io.dynamokv.core.merkle.AntiEntropyConfig.DEFAULTS.withInterval(
                            Duration.ofHours(1))),
            Set.of(NodeId.of("n4")));
    sim.formCluster();
    List<String> acknowledged = new ArrayList<>();
    int[] next = {0};
    java.util.function.BooleanSupplier write =
        () -> {
          String key = "w" + next[0]++;
          sim.node(1 + next[0] % 3)
              .put(STORE, bytes(key), bytes(key), Context.EMPTY, RequestOptions.DEFAULTS)
              .whenComplete(
                  (ok, error) -> {
                    if (error == null) {
                      acknowledged.add(key);
                    }
                  });
          return true;
        };
    for (int i = 0; i < 50; i++) {
      write.getAsBoolean();
      sim.cluster.runFor(Duration.ofMillis(5));
    }
    sim.join(sim.node(4).join());
    for (int i = 0;
        i < 2000 && !(sim.formed() && sim.node(1).ring().orElseThrow().nodes().size() == 4);
        i++) {
      write.getAsBoolean();
      sim.cluster.runFor(Duration.ofMillis(5));
    }
    for (int i = 0; i < 100; i++) {
      write.getAsBoolean();
      sim.cluster.runFor(Duration.ofMillis(5));
    }
    sim.cluster.runFor(Duration.ofSeconds(10));
    io.dynamokv.core.ring.Ring ring = sim.node(1).ring().orElseThrow();
    assertThat(ring.moving()).isFalse();
    List<String> missing = new ArrayList<>();
    for (String key : acknowledged) {
      for (NodeId owner : ring.preferenceList(io.dynamokv.core.ring.Token.of(bytes(key)), 3)) {
        if (sim.cluster.node(owner).service().dataOf(STORE, bytes(key)).isEmpty()) {
          missing.add(owner + ":" + key);
        }
      }
    }
    assertThat(acknowledged).hasSizeGreaterThan(100);
    assertThat(missing).as("own copies missing of %s keys", acknowledged.size()).isEmpty();
  }

  @Test
  void aPlanNamesWhatAChangeWouldMove() {
    DynamoSim sim = sim(BrokenVariant.NONE);
    load(sim);
    TransferPlan join = sim.join(sim.node(1).plan(new ClusterChange.Join(NodeId.of("n6"))));
    assertThat(join.ownersAfter()).contains(NodeId.of("n6"));
    assertThat(join.partitionsMoving()).isPositive();
    assertThat(join.incoming()).containsKey(NodeId.of("n6"));
    assertThat(join.estimatedBytes()).isPositive();
    assertThat(join.describe()).contains("n6 receives");

    TransferPlan leave = sim.join(sim.node(1).plan(new ClusterChange.Leave(NodeId.of("n2"))));
    assertThat(leave.ownersAfter()).doesNotContain(NodeId.of("n2"));
    assertThat(leave.outgoing()).containsKey(NodeId.of("n2"));

    assertThatThrownBy(() -> sim.join(sim.node(1).plan(new ClusterChange.Join(NodeId.of("n2")))))
        .isInstanceOf(CompletionException.class)
        .hasMessageContaining("already owns");
    assertThatThrownBy(() -> sim.join(sim.node(1).plan(new ClusterChange.Remove(NodeId.of("n9")))))
        .hasMessageContaining("not a member");
    // Planning changes nothing.
    assertThat(sim.node(1).ring().orElseThrow().moving()).isFalse();
    assertThat(sim.node(6).membership().view().status(NodeId.of("n6")))
        .isEqualTo(NodeStatus.STANDBY);
  }

  private static long stat(DynamoNode node, String name) {
    for (StatusSection section : node.status()) {
      if (section.name().equals("transfer")) {
        for (StatusSection.Stat stat : section.stats()) {
          if (stat.name().equals(name)) {
            return stat.value();
          }
        }
      }
    }
    throw new AssertionError("no transfer stat " + name);
  }
}
