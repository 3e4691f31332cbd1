/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.sim.EchoService.Boom;
import io.dynamokv.core.sim.EchoService.Ping;
import io.dynamokv.core.sim.EchoService.Pong;
import io.dynamokv.core.sim.EchoService.SlowPing;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
  private static final long MS = 1_000_000L;
  private static final Duration TIMEOUT = Duration.ofMillis(100);
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");

  /** Five echo nodes, fixed 1 ms latency (no jitter), no periodic pinging. */
  private static SimCluster<EchoService> cluster(long seed) {
    return SimCluster.builder(EchoService.factory(List.of(), null, TIMEOUT))
        .protocols(EchoService.PROTOCOLS)
        .seed(seed)
        .nodes(5)
        .latency(Duration.ofMillis(1), Duration.ZERO)
        .build()
        .startAll();
  }

  /** Records when and in which node's turn a call completed. */
  private static final class Outcome {
    long at = -1;
    int turn = -1;
    PeerMessage response;
    Throwable error;
    int completions;
  }

  private static Outcome call(
      SimCluster<EchoService> cluster, int from, NodeId to, PeerMessage request) {
    Outcome outcome = new Outcome();
    CompletionStage<PeerMessage> stage = cluster.node(from).service().call(to, request, TIMEOUT);
    stage.whenComplete(
        (response, error) -> {
          outcome.at = cluster.now();
          outcome.turn = cluster.simulation().currentNode();
          outcome.response = response;
          outcome.error = error;
          outcome.completions++;
        });
    return outcome;
  }

  @Test
  void aCallTakesOneLatencyEachWayAndCompletesInTheCallersTurn() {
    SimCluster<EchoService> cluster = cluster(1);
    Outcome outcome = call(cluster, 1, N2, new Ping(7));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.response).isEqualTo(new Pong(7, N2));
    assertThat(outcome.at).isEqualTo(2 * MS);
    assertThat(outcome.turn).isEqualTo(1);
    assertThat(cluster.node(2).service().handled).isEqualTo(1);
    assertThat(cluster.network().messagesSent(1)).isEqualTo(1);
    assertThat(cluster.network().messagesSent(2)).isEqualTo(1);
  }

  @Test
  void aHandlerMayAnswerLaterFromItsScheduler() {
    SimCluster<EchoService> cluster = cluster(1);
    Outcome outcome = call(cluster, 1, N2, new SlowPing(1, Duration.ofMillis(30)));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.response).isEqualTo(new Pong(1, N2));
    assertThat(outcome.at).isEqualTo(32 * MS);
  }

  @Test
  void aFailingHandlerAnswersRemote() {
    SimCluster<EchoService> cluster = cluster(1);
    Outcome outcome = call(cluster, 1, N2, new Boom());

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error)
        .isInstanceOf(PeerException.Remote.class)
        .hasMessageContaining("boom from n2");
    assertThat(outcome.at).isEqualTo(2 * MS);
  }

  @Test
  void aDroppedRequestTimesOutAtTheCallersTimeout() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.filters().from(1).to(2).drop();
    Outcome outcome = call(cluster, 1, N2, new Ping(1));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error).isInstanceOf(PeerException.Timeout.class);
    assertThat(outcome.at).isEqualTo(TIMEOUT.toNanos());
    assertThat(outcome.turn).isEqualTo(1);
    assertThat(cluster.node(2).service().handled).isZero();
    assertThat(cluster.network().messagesDropped()).isEqualTo(1);
  }

  @Test
  void aDroppedResponseTimesOutAfterTheRequestWasApplied() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.filters().from(2).to(1).responses().drop();
    Outcome outcome = call(cluster, 1, N2, new Ping(1));
    Outcome reverse = call(cluster, 2, N1, new Ping(2));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error).isInstanceOf(PeerException.Timeout.class);
    assertThat(cluster.node(2).service().handled).isEqualTo(1);
    assertThat(reverse.response).isEqualTo(new Pong(2, N1)); // requests 2->1 still pass
  }

  @Test
  void probabilisticDropLosesSomeMessages() {
    SimCluster<EchoService> cluster = cluster(3);
    cluster.filters().all().drop(0.5);
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      outcomes.add(call(cluster, 1 + i % 5, NodeId.of("n" + (1 + (i + 1) % 5)), new Ping(i)));
    }

    cluster.runFor(Duration.ofSeconds(1));

    long ok = outcomes.stream().filter(o -> o.response != null).count();
    long timedOut = outcomes.stream().filter(o -> o.error instanceof PeerException.Timeout).count();
    assertThat(ok + timedOut).isEqualTo(200);
    // both request and response must survive: about a quarter succeed
    assertThat(ok).isBetween(20L, 80L);
  }

  @Test
  void duplicatedRequestsRunTheHandlerTwiceButCompleteTheCallOnce() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.filters().from(1).requests().duplicate();
    Outcome outcome = call(cluster, 1, N2, new Ping(1));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(cluster.node(2).service().handled).isEqualTo(2);
    assertThat(outcome.completions).isEqualTo(1);
    assertThat(outcome.response).isEqualTo(new Pong(1, N2));
    assertThat(cluster.network().messagesReceived(2)).isEqualTo(2);
  }

  @Test
  void extraDelayAppliesOnTheMatchedDirectionOnly() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.filters().to(2).delay(Duration.ofMillis(40));
    Outcome outcome = call(cluster, 1, N2, new Ping(1));
    Outcome other = call(cluster, 1, N3, new Ping(2));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.at).isEqualTo(42 * MS);
    assertThat(other.at).isEqualTo(2 * MS);
  }

  @Test
  void reorderLetsLaterMessagesOvertakeEarlierOnes() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.filters().from(1).to(2).reorder(Duration.ofMillis(20));
    List<Long> arrivals = new ArrayList<>();
    cluster
        .node(2)
        .service()
        .node
        .transport()
        .serve(
            (from, request) -> {
              arrivals.add(((Ping) request).n());
              return CompletableFuture.completedFuture(request);
            });
    for (int i = 0; i < 50; i++) {
      cluster.node(1).service().call(N2, new Ping(i), TIMEOUT);
    }

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(arrivals).hasSize(50).containsExactlyInAnyOrderElementsOf(sequence(50));
    assertThat(arrivals).isNotEqualTo(sequence(50));
  }

  private static List<Long> sequence(int n) {
    List<Long> list = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      list.add(i);
    }
    return list;
  }

  @Test
  void aPartitionDropsTrafficAcrossSidesBothWaysUntilHealed() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.partition(Set.of(1, 2), Set.of(3, 4, 5));
    Outcome within = call(cluster, 1, N2, new Ping(1));
    Outcome across = call(cluster, 1, N3, new Ping(2));
    Outcome back = call(cluster, 3, N1, new Ping(3));
    cluster.runFor(Duration.ofSeconds(1));

    assertThat(within.response).isNotNull();
    assertThat(across.error).isInstanceOf(PeerException.Timeout.class);
    assertThat(back.error).isInstanceOf(PeerException.Timeout.class);

    cluster.heal();
    Outcome healed = call(cluster, 1, N3, new Ping(4));
    cluster.runFor(Duration.ofSeconds(1));
    assertThat(healed.response).isEqualTo(new Pong(4, N3));
  }

  @Test
  void aFilterCanBeLiftedAlone() {
    SimCluster<EchoService> cluster = cluster(1);
    SimNetwork.Filter toTwo = cluster.filters().to(2).drop();
    cluster.filters().to(3).drop();
    toTwo.off();
    Outcome two = call(cluster, 1, N2, new Ping(1));
    Outcome three = call(cluster, 1, N3, new Ping(2));
    cluster.runFor(Duration.ofSeconds(1));

    assertThat(two.response).isNotNull();
    assertThat(three.error).isInstanceOf(PeerException.Timeout.class);
    assertThat(cluster.network().activeFilters()).hasSize(1);
  }

  @Test
  void typeFiltersMatchOnlyThatMessageType() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.filters().ofType(SlowPing.class).drop();
    Outcome ping = call(cluster, 1, N2, new Ping(1));
    Outcome slow = call(cluster, 1, N2, new SlowPing(2, Duration.ZERO));
    cluster.runFor(Duration.ofSeconds(1));

    assertThat(ping.response).isNotNull();
    assertThat(slow.error).isInstanceOf(PeerException.Timeout.class);
  }

  @Test
  void callsToACrashedNodeAreRefusedAfterOneLatency() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.node(2).crash();
    Outcome outcome = call(cluster, 1, N2, new Ping(1));
    Outcome unknown = call(cluster, 1, NodeId.of("n99"), new Ping(2));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error).isInstanceOf(PeerException.Unreachable.class);
    assertThat(outcome.at).isEqualTo(MS);
    assertThat(outcome.turn).isEqualTo(1);
    assertThat(unknown.error).isInstanceOf(PeerException.Unreachable.class);
  }

  @Test
  void aCrashedNodeBehindAPartitionTimesOutInsteadOfRefusing() {
    SimCluster<EchoService> cluster = cluster(1);
    cluster.node(3).crash();
    cluster.isolate(3);
    Outcome outcome = call(cluster, 1, N3, new Ping(1));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error).isInstanceOf(PeerException.Timeout.class);
  }

  @Test
  void aRequestInFlightToANodeThatCrashesIsRefused() {
    SimCluster<EchoService> cluster = cluster(1);
    Outcome outcome = call(cluster, 1, N2, new Ping(1));
    cluster.schedule(Duration.ofNanos(MS / 2), () -> cluster.node(2).crash());

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error).isInstanceOf(PeerException.Unreachable.class);
    assertThat(outcome.at).isEqualTo(2 * MS);
  }

  @Test
  void aServerThatCrashesBeforeAnsweringLetsTheCallTimeOut() {
    SimCluster<EchoService> cluster = cluster(1);
    Outcome outcome = call(cluster, 1, N2, new SlowPing(1, Duration.ofMillis(20)));
    cluster.schedule(Duration.ofMillis(10), () -> cluster.node(2).crash());

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error).isInstanceOf(PeerException.Timeout.class);
  }

  @Test
  void responsesToACallerThatCrashedAreDropped() {
    SimCluster<EchoService> cluster = cluster(1);
    Outcome outcome = call(cluster, 1, N2, new SlowPing(1, Duration.ofMillis(20)));
    cluster.schedule(Duration.ofMillis(10), () -> cluster.node(1).crash());
    cluster.schedule(Duration.ofMillis(15), () -> cluster.node(1).start());

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(cluster.node(2).service().handled).isEqualTo(1);
    assertThat(outcome.completions).isZero(); // neither the response nor the timeout reached it
  }

  @Test
  void aResponseAfterTheTimeoutIsIgnored() {
    SimCluster<EchoService> cluster = cluster(1);
    Outcome outcome = call(cluster, 1, N2, new SlowPing(1, Duration.ofMillis(500)));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(outcome.error).isInstanceOf(PeerException.Timeout.class);
    assertThat(outcome.completions).isEqualTo(1);
    assertThat(cluster.network().messagesSent(2)).isEqualTo(1); // the late response was sent
  }

  @Test
  void theSizerCountsBytesPerSender() {
    SimCluster<EchoService> cluster =
        SimCluster.builder(EchoService.factory(List.of(), null, TIMEOUT))
            .protocols(EchoService.PROTOCOLS)
            .nodes(2)
            .sizer(m -> m instanceof Ping ? 10 : 3)
            .build()
            .startAll();
    call(cluster, 1, N2, new Ping(1));
    call(cluster, 1, N2, new Ping(2));

    cluster.runFor(Duration.ofSeconds(1));

    assertThat(cluster.node(1).bytesSent()).isEqualTo(20);
    assertThat(cluster.node(2).bytesSent()).isEqualTo(6);
    assertThat(cluster.node(1).messagesSent()).isEqualTo(2);
  }
}
