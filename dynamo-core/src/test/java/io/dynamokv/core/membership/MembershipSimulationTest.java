/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimSeeds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Membership over the deterministic simulation (SPEC §7). Seeds are fixed; failures print them. */
class MembershipSimulationTest {
  private static final Duration STEP = Duration.ofMillis(100);
  private final List<String> suspicions = new ArrayList<>();

  private MembershipSim sim(long seed, int nodes) {
    return new MembershipSim(
        MembershipSim.builder(
            seed, nodes, i -> MembershipSim.ids("n1", "n2", "n3"), false, suspicions));
  }

  private static double bound(int nodes) {
    return 2 * (Math.log(nodes) / Math.log(2)) + 4;
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().getNow(null);
  }

  private void form(MembershipSim sim, int maxSeconds) {
    sim.cluster.startAll();
    double rounds = sim.roundsUntil(sim::formed, Duration.ofSeconds(maxSeconds), STEP);
    assertThat(rounds).as("cluster of %d formed", sim.cluster.size()).isNotNegative();
  }

  @Test
  void hundredNodesConvergeOnAJoinWithinLogRounds(TestInfo test) {
    for (long seed : SimSeeds.seeds(2, 100L)) {
      SimSeeds.replayable(test, seed, () -> hundredNodes(seed, 100));
    }
  }

  static double[] hundredNodes(long seed, int nodes) {
    List<String> ignored = new ArrayList<>();
    MembershipSim sim =
        new MembershipSim(
            MembershipSim.builder(
                    seed, nodes, i -> MembershipSim.ids("n1", "n2", "n3"), true, ignored)
                .maxEvents(Long.MAX_VALUE));
    long t0 = System.nanoTime();
    sim.cluster.startAll();
    double formRounds = sim.roundsUntil(sim::formed, Duration.ofSeconds(600), STEP);
    assertThat(formRounds).as("formation").isNotNegative();
    // steady state: bytes per node per round over 5 rounds
    long bytesBefore = sim.totalBytes();
    sim.cluster.runFor(Duration.ofSeconds(5));
    double steadyBytes = (sim.totalBytes() - bytesBefore) / (5.0 * nodes);
    // one change: a new node joins through a seed
    SimCluster<Membership>.Instance joiner = sim.cluster.addNode();
    long joinBytesBefore = sim.totalBytes();
    joiner.start();
    double joinRounds = sim.roundsUntil(sim::formed, Duration.ofSeconds(120), STEP);
    double joinBytes =
        (sim.totalBytes() - joinBytesBefore) / (Math.max(1, joinRounds) * (nodes + 1));
    // one more change: a node leaves gracefully
    SimCluster<Membership>.Instance leaver = sim.cluster.node(nodes / 2);
    leaver.service().leave();
    double leaveRounds =
        sim.roundsUntil(
            () -> sim.agree() && sim.view(1).status(leaver.id()) == NodeStatus.LEFT,
            Duration.ofSeconds(120),
            STEP);
    System.out.printf(
        "membership sim: seed=%d nodes=%d formed in %.1f rounds; join converged in %.1f rounds,"
            + " leave in %.1f rounds (bound 2*log2(S)+4 = %.1f); bytes/node/round steady %.0f,"
            + " during join %.0f; wall %.1f s%n",
        seed,
        nodes,
        formRounds,
        joinRounds,
        leaveRounds,
        bound(nodes + 1),
        steadyBytes,
        joinBytes,
        (System.nanoTime() - t0) / 1e9);
    assertThat(joinRounds).as("rounds to converge after a join").isBetween(0.0, bound(nodes + 1));
    assertThat(leaveRounds).as("rounds to converge after a leave").isBetween(0.0, bound(nodes + 1));
    assertThat(sim.ringOwners(1)).contains(joiner.id()).doesNotContain(leaver.id());
    return new double[] {formRounds, joinRounds, leaveRounds, steadyBytes, joinBytes};
  }

  @Test
  void crashedNodeIsSuspectedByEveryPeerAndBackAfterRestart(TestInfo test) {
    for (long seed : SimSeeds.seeds(2, 7L)) {
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            MembershipSim sim = sim(seed, 12);
            form(sim, 120);
            sim.cluster.runFor(Duration.ofSeconds(20));
            long generation = sim.view(1).members().get(NodeId.of("n5")).generation();
            NodeId n5 = NodeId.of("n5");
            sim.cluster.node(5).crash();
            // configured bound: phi 8 with 1 s rounds, 3 s pause, 500 ms min std-dev ~ 7 s + spread
            double down =
                sim.roundsUntil(
                    () ->
                        upNodes(sim).stream()
                            .noneMatch(i -> sim.service(i).reachability().isReachable(n5)),
                    Duration.ofSeconds(15),
                    STEP);
            assertThat(down).as("rounds until every peer suspects n5").isBetween(4.0, 15.0);
            assertThat(sim.view(1).status(n5)).isEqualTo(NodeStatus.NORMAL);
            sim.cluster.node(5).start();
            double up =
                sim.roundsUntil(
                    () ->
                        upNodes(sim).stream()
                            .allMatch(
                                i ->
                                    sim.service(i).reachability().isReachable(n5)
                                        && sim.view(i).members().get(n5).generation() > generation),
                    Duration.ofSeconds(15),
                    STEP);
            assertThat(up).as("rounds until every peer sees n5 again").isNotNegative();
            assertThat(sim.view(5).status(n5)).isEqualTo(NodeStatus.NORMAL);
            System.out.printf(
                "crash: seed=%d suspected by all after %.1f rounds, back after %.1f%n",
                seed, down, up);
          });
    }
  }

  @Test
  void noFalseSuspicionUnderJitter(TestInfo test) {
    for (long seed : SimSeeds.seeds(2, 11L)) {
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            suspicions.clear();
            MembershipSim sim =
                new MembershipSim(
                    MembershipSim.builder(
                            seed, 20, i -> MembershipSim.ids("n1", "n2"), false, suspicions)
                        .latency(Duration.ofMillis(150), Duration.ofMillis(140)));
            sim.cluster.filters().all().reorder(Duration.ofMillis(400));
            sim.cluster.filters().all().drop(0.05);
            form(sim, 120);
            sim.cluster.runFor(Duration.ofSeconds(20));
            suspicions.clear();
            sim.cluster.runFor(Duration.ofSeconds(120));
            assertThat(suspicions).isEmpty();
          });
    }
  }

  @Test
  void partitionedClusterHealsToOneView(TestInfo test) {
    for (long seed : SimSeeds.seeds(2, 23L)) {
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            MembershipSim sim = sim(seed, 10);
            form(sim, 120);
            SimCluster<Membership>.Instance a = sim.cluster.addNode(); // n11
            SimCluster<Membership>.Instance b = sim.cluster.addNode(); // n12
            sim.cluster.partition(Set.of(1, 2, 3, 4, 5, 11), Set.of(6, 7, 8, 9, 10, 12));
            a.start();
            b.start();
            b.service().join(NodeId.of("n6"));
            sim.cluster.runFor(Duration.ofSeconds(30));
            // each side suspects the other and changed its ring on its own
            assertThat(sim.service(1).reachability().isReachable(NodeId.of("n6"))).isFalse();
            assertThat(sim.view(1).status(a.id())).isEqualTo(NodeStatus.NORMAL);
            assertThat(sim.view(6).status(b.id())).isEqualTo(NodeStatus.NORMAL);
            sim.cluster.heal();
            double rounds = sim.roundsUntil(sim::formed, Duration.ofSeconds(60), STEP);
            assertThat(rounds).as("rounds to heal").isNotNegative();
            assertThat(sim.ringOwners(1)).hasSize(12);
            System.out.printf("partition: seed=%d healed in %.1f rounds%n", seed, rounds);
          });
    }
  }

  @Test
  void concurrentJoinsThroughDifferentSeedsConvergeOnOneRing(TestInfo test) {
    for (long seed : SimSeeds.seeds(3, 31L)) {
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            // n6 knows only seed n2, n7 only seed n3: they meet through the cluster
            MembershipSim sim =
                new MembershipSim(
                    MembershipSim.builder(
                        seed,
                        5,
                        i ->
                            i == 6
                                ? MembershipSim.ids("n2")
                                : i == 7
                                    ? MembershipSim.ids("n3")
                                    : MembershipSim.ids("n1", "n2", "n3"),
                        false,
                        suspicions));
            form(sim, 120);
            SimCluster<Membership>.Instance x = sim.cluster.addNode();
            SimCluster<Membership>.Instance y = sim.cluster.addNode();
            x.start();
            y.start();
            double rounds = sim.roundsUntil(sim::formed, Duration.ofSeconds(60), STEP);
            assertThat(rounds).isNotNegative();
            assertThat(sim.ringOwners(1)).contains(x.id(), y.id()).hasSize(7);
          });
    }
  }

  @Test
  void brandNewClusterBootstrapsFromTwoSeedsAtOnce(TestInfo test) {
    for (long seed : SimSeeds.seeds(3, 37L)) {
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            // nodes 2..6 each know one different seed; only n1 founds
            MembershipSim sim =
                new MembershipSim(
                    MembershipSim.builder(
                        seed,
                        6,
                        i ->
                            i % 2 == 0
                                ? MembershipSim.ids("n1", "n2")
                                : MembershipSim.ids("n1", "n3"),
                        false,
                        suspicions));
            form(sim, 60);
            assertThat(sim.ringOwners(4)).hasSize(6);
            assertThat(sim.view(4).ring().version()).isGreaterThan(1);
          });
    }
  }

  @Test
  void removeOnlyADeadNodeAndItMayRejoinLater() {
    long seed = SimSeeds.seed(41L);
    SimSeeds.replayable(
        MembershipSimulationTest.class,
        "removeOnlyADeadNodeAndItMayRejoinLater",
        seed,
        () -> {
          MembershipSim sim = sim(seed, 6);
          form(sim, 60);
          NodeId n4 = NodeId.of("n4");
          CompletionStage<Void> refused = sim.service(2).remove(n4);
          sim.cluster.runFor(Duration.ofMillis(10));
          assertThatThrownBy(() -> refused.toCompletableFuture().join())
              .isInstanceOf(CompletionException.class)
              .hasMessageContaining("reachable");
          sim.cluster.node(4).crash();
          sim.cluster.runFor(Duration.ofSeconds(15));
          CompletionStage<Void> removed = sim.service(2).remove(n4);
          sim.cluster.runFor(Duration.ofMillis(10));
          assertThat(removed.toCompletableFuture().isCompletedExceptionally()).isFalse();
          assertThat(sim.roundsUntil(sim::agree, Duration.ofSeconds(30), STEP)).isNotNegative();
          assertThat(sim.view(1).status(n4)).isEqualTo(NodeStatus.REMOVED);
          assertThat(sim.ringOwners(1)).doesNotContain(n4).hasSize(5);
          // the removed node restarts: it learns it was removed and stays out...
          sim.cluster.node(4).start();
          sim.cluster.runFor(Duration.ofSeconds(15));
          assertThat(sim.view(4).status(n4)).isEqualTo(NodeStatus.REMOVED);
          assertThat(sim.ringOwners(1)).doesNotContain(n4);
          // ...until an administrator makes it join again
          sim.service(4).join(NodeId.of("n2"));
          assertThat(sim.roundsUntil(sim::formed, Duration.ofSeconds(30), STEP)).isNotNegative();
          assertThat(sim.ringOwners(1)).contains(n4).hasSize(6);
        });
  }

  @Test
  void leaveSurvivesRestartAndEndsInLeft() {
    long seed = SimSeeds.seed(43L);
    SimSeeds.replayable(
        MembershipSimulationTest.class,
        "leaveSurvivesRestartAndEndsInLeft",
        seed,
        () -> {
          MembershipSim sim = sim(seed, 5);
          form(sim, 60);
          NodeId n3 = NodeId.of("n3");
          sim.cluster.partition(Set.of(3), Set.of(1, 2, 4, 5));
          sim.service(3).leave();
          sim.cluster.runFor(Duration.ofMillis(10));
          sim.cluster.node(3).crash();
          sim.cluster.heal();
          sim.cluster.node(3).start();
          sim.cluster.runFor(Duration.ofMillis(1));
          assertThat(sim.view(3).status(n3)).isEqualTo(NodeStatus.LEAVING);
          double rounds =
              sim.roundsUntil(
                  () -> sim.agree() && sim.view(1).status(n3) == NodeStatus.LEFT,
                  Duration.ofSeconds(60),
                  STEP);
          assertThat(rounds).isNotNegative();
          assertThat(sim.ringOwners(1)).doesNotContain(n3).hasSize(4);
        });
  }

  @Test
  void ringListenersSeeEveryChangeInVersionOrder() {
    MembershipSim sim = sim(SimSeeds.seed(47L), 4);
    form(sim, 60);
    List<Long> versions = new ArrayList<>();
    sim.service(4).addRingListener(ring -> versions.add(ring.version()));
    sim.cluster.addNode().start();
    sim.cluster.addNode().start();
    assertThat(sim.roundsUntil(sim::formed, Duration.ofSeconds(60), STEP)).isNotNegative();
    assertThat(versions).isNotEmpty().isSorted().doesNotHaveDuplicates();
    assertThat(versions.get(versions.size() - 1)).isEqualTo(sim.view(4).ringVersion());
    assertThat(sim.ringOwners(4)).hasSize(6);
  }

  @Test
  void everyRestartBumpsThePersistedGenerationAndResumesTheStatus() {
    MembershipSim sim = sim(SimSeeds.seed(53L), 4);
    form(sim, 60);
    NodeId n3 = NodeId.of("n3");
    for (int incarnation = 2; incarnation <= 4; incarnation++) {
      sim.cluster.node(3).restart();
      sim.cluster.runFor(Duration.ofMillis(1));
      assertThat(sim.view(3).members().get(n3).generation()).isEqualTo(incarnation);
      assertThat(sim.view(3).status(n3)).isEqualTo(NodeStatus.NORMAL);
      assertThat(sim.view(3).ringVersion()).isEqualTo(sim.view(1).ringVersion());
      sim.cluster.runFor(Duration.ofSeconds(5));
    }
    assertThat(sim.roundsUntil(sim::formed, Duration.ofSeconds(30), STEP)).isNotNegative();
    assertThat(sim.view(1).members().get(n3).generation()).isEqualTo(4);
  }

  @Test
  void theSameSeedReplaysBitForBit() {
    long[] hashes = new long[2];
    for (int run = 0; run < 2; run++) {
      MembershipSim sim = sim(99L, 15);
      sim.cluster.startAll();
      sim.cluster.runFor(Duration.ofSeconds(20));
      sim.cluster.node(7).crash();
      sim.cluster.runFor(Duration.ofSeconds(20));
      hashes[run] = sim.cluster.traceHash();
    }
    assertThat(hashes[0]).isEqualTo(hashes[1]);
  }

  private static List<Integer> upNodes(MembershipSim sim) {
    return IntStream.rangeClosed(1, sim.cluster.size())
        .filter(i -> sim.cluster.node(i).isUp())
        .boxed()
        .collect(Collectors.toList());
  }
}
