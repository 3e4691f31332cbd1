/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.sim.SimNetwork;
import io.dynamokv.core.sim.SimSeeds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@link Reachability} from this node's own calls: a one-way partition that relayed gossip hides
 * from the failure detector, bounded probing, and only a direct reply lifting the suspicion.
 */
class CallReachabilityTest {
  private static final Duration STEP = Duration.ofMillis(100);
  private static final NodeId A = NodeId.of("n1");
  private static final NodeId B = NodeId.of("n2");
  private static final NodeId C = NodeId.of("n3");

  /** A's transitions about B. */
  private final List<String> events = new ArrayList<>();

  private MembershipSim formed(long seed, Membership.BrokenVariant variant) {
    Consumer<Membership> beforeStart =
        m -> {
          m.breakForTests(variant);
          if (m.self().equals(A)) {
            m.reachability()
                .addListener(
                    new Reachability.Listener() {
                      @Override
                      public void onReachable(NodeId node) {
                        if (node.equals(B)) {
                          events.add("up");
                        }
                      }

                      @Override
                      public void onUnreachable(NodeId node) {
                        if (node.equals(B)) {
                          events.add("down");
                        }
                      }
                    });
          }
        };
    MembershipSim sim =
        new MembershipSim(
            MembershipSim.builder(
                seed,
                3,
                i -> MembershipSim.ids("n1", "n2", "n3"),
                false,
                new ArrayList<>(),
                c -> c,
                beforeStart));
    sim.cluster.startAll();
    assertThat(sim.roundsUntil(sim::formed, Duration.ofSeconds(60), STEP)).isNotNegative();
    sim.cluster.runFor(Duration.ofSeconds(10));
    assertThat(sim.service(1).reachability().reachableNodes()).containsExactly(A, B, C);
    events.clear();
    return sim;
  }

  @Test
  void oneWayPartitionIsSeenAndOnlyADirectReplyLiftsIt(TestInfo test) {
    for (long seed : SimSeeds.seeds(2, 181L)) {
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            events.clear();
            MembershipSim sim = formed(seed, Membership.BrokenVariant.NONE);
            Membership a = sim.service(1);
            // Everything A sends B is lost; B's heartbeats still reach A through C.
            long[] requestsToB = {0};
            SimNetwork.Filter counter =
                sim.cluster
                    .filters()
                    .from(1)
                    .to(2)
                    .requests()
                    .matching(
                        m -> {
                          requestsToB[0]++;
                          return false;
                        })
                    .drop();
            SimNetwork.Filter cut = sim.cluster.filters().from(1).to(2).drop();

            double rounds =
                sim.roundsUntil(
                    () -> !a.reachability().isReachable(B), Duration.ofSeconds(60), STEP);
            assertThat(rounds)
                .as("rounds until A's failed calls make B unreachable")
                .isNotNegative();
            assertThat(a.suspectedFromCalls()).containsExactly(B);
            assertThat(events).containsExactly("down");

            long version = a.view().members().get(B).version();
            long probes = a.probesSent();
            requestsToB[0] = 0;
            sim.cluster.runFor(Duration.ofSeconds(60));
            assertThat(a.view().members().get(B).version())
                .as("B's heartbeats keep reaching A, relayed by C")
                .isGreaterThan(version + 30);
            assertThat(a.reachability().isReachable(B)).isFalse();
            assertThat(a.reachability().reachableNodes()).containsExactly(A, C);
            assertThat(a.view().members().get(B).reachable()).isFalse();
            assertThat(events).as("relayed gossip does not restore B").containsExactly("down");
            // One probe per round at most, backing off 1, 2, 4, 8, 8, ... s (cap: 8 rounds).
            probes = a.probesSent() - probes;
            assertThat(probes).as("probes of B in 60 s").isBetween(6L, 13L);
            assertThat(requestsToB[0])
                .as("A's requests to B in 60 s: the probes only")
                .isBetween(probes - 1, probes + 1);
            assertThat(a.statusSection().stats())
                .anySatisfy(
                    s -> {
                      assertThat(s.name()).isEqualTo("suspected.from.calls");
                      assertThat(s.value()).isEqualTo(1);
                    });

            cut.off();
            counter.off();
            double back =
                sim.roundsUntil(
                    () -> a.reachability().isReachable(B), Duration.ofSeconds(20), STEP);
            assertThat(back).as("rounds until a probe reply restores B").isBetween(0.0, 9.0);
            assertThat(events).containsExactly("down", "up");
            assertThat(a.suspectedFromCalls()).isEmpty();
            System.out.printf(
                "one-way partition: seed=%d B unreachable at A after %.1f rounds, %d probes in"
                    + " 60 s, back %.1f rounds after the heal%n",
                seed, rounds, probes, back);
          });
    }
  }

  @Test
  void gossipReachabilityOnlyMissesTheOneWayPartition(TestInfo test) {
    long seed = SimSeeds.seed(181L);
    SimSeeds.replayable(
        test,
        seed,
        () -> {
          MembershipSim sim = formed(seed, Membership.BrokenVariant.GOSSIP_REACHABILITY_ONLY);
          Membership a = sim.service(1);
          sim.cluster.filters().from(1).to(2).drop();
          sim.cluster.runFor(Duration.ofSeconds(60));
          assertThat(a.reachability().isReachable(B))
              .as("the broken variant still believes relayed gossip")
              .isTrue();
          assertThat(events).isEmpty();
          assertThat(a.probesSent()).isZero();
        });
  }

  @Test
  void callsReportedByTheNodesRoomsCountAndADirectReplyLiftsTheSuspicion() {
    MembershipSim sim = formed(5L, Membership.BrokenVariant.NONE);
    Membership a = sim.service(1);
    int threshold = MembershipConfig.DEFAULT_CALL_FAILURES_TO_SUSPECT;
    // Failed calls to a peer that is fine: a direct reply (a probe's) ends the streak.
    long probes = a.probesSent();
    onA(
        sim,
        r -> {
          for (int i = 0; i < threshold; i++) {
            r.callFailed(B);
          }
          r.callFailed(A); // about itself: ignored
          r.callFailed(NodeId.of("n99")); // unknown: ignored
        });
    assertThat(a.reachability().isReachable(B)).as("within the window").isTrue();
    sim.cluster.runFor(Duration.ofSeconds(10));
    assertThat(a.reachability().isReachable(B)).isTrue();
    assertThat(a.probesSent() - probes).isBetween(0L, 1L);
    assertThat(events).isEmpty();

    // A's messages to B are lost: the rooms' failures and the probes' make B suspected once the
    // window has passed.
    SimNetwork.Filter cut = sim.cluster.filters().from(1).to(2).drop();
    onA(sim, r -> r.callFailed(B));
    double rounds =
        sim.roundsUntil(() -> !a.reachability().isReachable(B), Duration.ofSeconds(20), STEP);
    assertThat(rounds).as("rounds until suspected").isBetween(7.9, 10.1);
    assertThat(events).containsExactly("down");
    onA(sim, r -> r.callFailed(B));
    assertThat(events).as("a repeated failure is no new transition").containsExactly("down");

    // A reply to any call of this node restores it at once, although gossip cannot reach B.
    onA(sim, r -> r.callSucceeded(B));
    assertThat(a.reachability().isReachable(B)).isTrue();
    assertThat(a.suspectedFromCalls()).isEmpty();
    assertThat(events).containsExactly("down", "up");
    cut.off();
  }

  /** Runs {@code action} on A's scheduler, where call outcomes are reported, and waits for it. */
  private static void onA(MembershipSim sim, Consumer<Reachability> action) {
    sim.cluster.node(1).schedule(Duration.ZERO, m -> action.accept(m.reachability()));
    sim.cluster.runFor(Duration.ofMillis(1));
  }
}
