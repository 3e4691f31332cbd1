/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.transport.thrift.gen.ChannelHello;
import io.dynamokv.transport.thrift.gen.ChannelWelcome;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the contract does not cover: pooling, backoff and the precise failure modes of Thrift. */
class ThriftPeerTransportTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final Duration LONG = Duration.ofSeconds(10);
  private static final PeerMessage READ =
      new CoordinationMessage.ReplicaRead("s", "k".getBytes(UTF_8));
  private static final PeerMessage REPLY =
      new CoordinationMessage.ReplicaWriteReply(); // equal by value

  private ThriftCluster cluster;
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  private ThriftCluster cluster(UnaryOperator<ThriftPeerTransport.Builder> settings) {
    return cluster(settings, UnaryOperator.identity());
  }

  private ThriftCluster cluster(
      UnaryOperator<ThriftPeerTransport.Builder> settings,
      UnaryOperator<ThriftServerConfig.Builder> servers) {
    cluster = new ThriftCluster(settings, servers);
    cluster.start(A);
    cluster.start(B);
    return cluster;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private static Throwable failure(CompletionStage<PeerMessage> stage) {
    try {
      stage.toCompletableFuture().get(LONG.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("the call did not fail: " + e, e);
    }
    throw new AssertionError("the call succeeded");
  }

  private static PeerMessage response(CompletionStage<PeerMessage> stage) {
    try {
      return stage.toCompletableFuture().get(LONG.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the call failed: " + e, e);
    }
  }

  private static boolean succeeds(CompletionStage<PeerMessage> stage) {
    try {
      stage.toCompletableFuture().join();
      return true;
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(PeerException.Unreachable.class);
      return false;
    }
  }

  /** Serves {@code transport} with a handler that holds every request until the test answers. */
  private static ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> holding(
      ThriftPeerTransport transport) {
    ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> held = new ConcurrentLinkedQueue<>();
    transport.serve(
        (from, request) -> {
          CompletableFuture<PeerMessage> answer = new CompletableFuture<>();
          held.add(answer);
          return answer;
        });
    return held;
  }

  @Test
  void reconnectsWithBackoffWhenTheServerComesBack() {
    cluster(b -> b.reconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)));
    ThriftPeerTransport a = cluster.transport(A);
    cluster.transport(B).serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    assertThat(response(a.call(B, READ, LONG))).isEqualTo(REPLY);
    assertThat(a.connections(B)).isEqualTo(1);

    cluster.stopServer(B);

    long start = System.nanoTime();
    Throwable refused = failure(a.call(B, READ, LONG));
    assertThat(refused).isInstanceOf(PeerException.Unreachable.class);
    // The idle connection the server closed is noticed and replaced by a refused connect.
    assertThat(refused).hasMessageContaining("cannot connect");
    Throwable backedOff = failure(a.call(B, READ, LONG));
    assertThat(backedOff)
        .isInstanceOf(PeerException.Unreachable.class)
        .hasMessageContaining("backing off");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

    cluster.restartServer(B);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> succeeds(a.call(B, READ, LONG)));
    assertThat(a.connections(B)).isEqualTo(1);
  }

  /**
   * Membership sees a restarted peer before a long backoff ends: the transport then tries it once
   * at once instead of refusing calls for the rest of the backoff, and a peer still down costs that
   * one connect, not a storm.
   */
  @Test
  void aPeerReportedReachableIsTriedOnceAtOnceDespiteTheBackoff() {
    cluster(b -> b.reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(60)));
    ThriftPeerTransport a = cluster.transport(A);
    cluster.transport(B).serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    assertThat(response(a.call(B, READ, LONG))).isEqualTo(REPLY);

    cluster.stopServer(B);
    assertThat(failure(a.call(B, READ, LONG)))
        .hasMessageContaining("cannot connect")
        .hasMessageNotContaining("backing off");
    assertThat(failure(a.call(B, READ, LONG))).hasMessageContaining("backing off");

    // Still down when reported reachable (a flapping report): one connect, then the backoff again.
    a.peerReachable(B);
    assertThat(failure(a.call(B, READ, LONG)))
        .hasMessageContaining("cannot connect")
        .hasMessageNotContaining("backing off");
    assertThat(failure(a.call(B, READ, LONG))).hasMessageContaining("backing off");

    cluster.restartServer(B);
    assertThat(failure(a.call(B, READ, LONG)))
        .as("up again, but 30 s of backoff are left")
        .hasMessageContaining("backing off");
    a.peerReachable(B);
    assertThat(response(a.call(B, READ, LONG))).isEqualTo(REPLY);
    a.peerReachable(B); // not backing off: nothing to do
    assertThat(response(a.call(B, READ, LONG))).isEqualTo(REPLY);
  }

  /**
   * A restarted peer that opens a channel to this node is up: this node's own connects to it stop
   * backing off at once, before membership has said anything.
   */
  @Test
  void aPeerThatConnectsInEndsTheBackoffTowardsIt() {
    cluster(b -> b.reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(60)));
    ThriftPeerTransport a = cluster.transport(A);
    ThriftPeerTransport b = cluster.transport(B);
    a.serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    b.serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    assertThat(response(a.call(B, READ, LONG))).isEqualTo(REPLY);

    cluster.stopServer(B);
    assertThat(failure(a.call(B, READ, LONG))).hasMessageContaining("cannot connect");
    cluster.restartServer(B);
    assertThat(failure(a.call(B, READ, LONG))).hasMessageContaining("backing off");

    assertThat(response(b.call(A, READ, LONG))).isEqualTo(REPLY);
    assertThat(response(a.call(B, READ, LONG))).isEqualTo(REPLY);
  }

  @Test
  void thePoolIsCappedAndFurtherCallsWaitForAConnection() {
    cluster(b -> b.poolSize(2).maxCallsPerConnection(1));
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> held = holding(cluster.transport(B));
    List<CompletableFuture<PeerMessage>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(a.call(B, READ, LONG).toCompletableFuture());
    }

    await().atMost(LONG).until(() -> held.size() == 2);
    assertThat(a.connections(B)).isEqualTo(2);
    assertThat(cluster.server(B).openConnections()).isEqualTo(2);
    assertThat(calls).filteredOn(CompletableFuture::isDone).isEmpty();

    // Answer whatever arrives until every call has been answered on the two connections.
    await()
        .atMost(LONG)
        .until(
            () -> {
              CompletableFuture<PeerMessage> answer;
              while ((answer = held.poll()) != null) {
                answer.complete(REPLY);
              }
              return calls.stream().allMatch(CompletableFuture::isDone);
            });
    assertThat(calls).allSatisfy(c -> assertThat(c.join()).isEqualTo(REPLY));
    assertThat(a.connections(B)).isEqualTo(2);
  }

  /** A handler that holds each request with its answer, for the test to answer in its order. */
  private record Held(
      CoordinationMessage.ReplicaRead request, CompletableFuture<PeerMessage> answer) {
    void echo() {
      answer.complete(request);
    }
  }

  private static ConcurrentLinkedQueue<Held> holdingRequests(ThriftPeerTransport transport) {
    ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
    transport.serve(
        (from, request) -> {
          CompletableFuture<PeerMessage> answer = new CompletableFuture<>();
          held.add(new Held((CoordinationMessage.ReplicaRead) request, answer));
          return answer;
        });
    return held;
  }

  private static PeerMessage read(int i) {
    return new CoordinationMessage.ReplicaRead("s", ("k" + i).getBytes(UTF_8));
  }

  private static String keyOf(PeerMessage message) {
    return new String(((CoordinationMessage.ReplicaRead) message).key(), UTF_8);
  }

  @Test
  void manyCallsShareOneConnectionAndTheirRepliesComeInAnyOrder() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    List<CompletableFuture<PeerMessage>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(a.call(B, read(i), LONG).toCompletableFuture());
    }

    // All six reached the handler before any was answered, on one connection.
    await().atMost(LONG).until(() -> held.size() == 6);
    assertThat(a.connections(B)).isEqualTo(1);
    assertThat(cluster.server(B).openConnections()).isEqualTo(1);
    List<Held> answers = new ArrayList<>(held);
    answers.sort((x, y) -> keyOf(y.request()).compareTo(keyOf(x.request()))); // k5 first
    for (Held answer : answers) {
      answer.echo();
      int i = Integer.parseInt(keyOf(answer.request()).substring(1));
      assertThat(keyOf(response(calls.get(i)))).isEqualTo("k" + i);
    }
    assertThat(a.refusedReplies()).isZero();
    assertThat(a.connections(B)).isEqualTo(1);
  }

  @Test
  void requestsSentToOnePeerInOneTurnLeaveInOneWriteWhenTheTurnEnds() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    openConnection(a, held);
    long sent = a.requestsSent();
    long writes = a.requestWrites();

    List<CompletableFuture<PeerMessage>> calls = new ArrayList<>();
    Turn turn = Turn.begin();
    assertThat(turn).isNotNull();
    try {
      for (int i = 1; i <= 3; i++) {
        calls.add(a.call(B, read(i), LONG).toCompletableFuture());
      }
      assertThat(a.requestsSent() - sent).isEqualTo(3);
      assertThat(a.requestWrites() - writes).isZero(); // held until the turn ends
    } finally {
      turn.end();
    }

    assertThat(a.requestWrites() - writes).isEqualTo(1);
    await().atMost(LONG).until(() -> held.size() == 3);
    held.forEach(Held::echo);
    for (int i = 1; i <= 3; i++) {
      assertThat(keyOf(response(calls.get(i - 1)))).isEqualTo("k" + i);
    }
    assertThat(a.connections(B)).isEqualTo(1);
  }

  @Test
  void aSendOutsideATurnWritesTheRequestsAnotherThreadsTurnHolds() throws Exception {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    openConnection(a, held);
    long writes = a.requestWrites();

    CompletionStage<PeerMessage> inTurn;
    CompletionStage<PeerMessage> outside;
    Turn turn = Turn.begin();
    assertThat(turn).isNotNull();
    try {
      inTurn = a.call(B, read(1), LONG);
      outside =
          CompletableFuture.supplyAsync(() -> a.call(B, read(2), LONG)).get(10, TimeUnit.SECONDS);
      // The other thread wrote both, in wire order, while this turn is still open.
      assertThat(a.requestWrites() - writes).isEqualTo(1);
    } finally {
      turn.end();
    }
    assertThat(a.requestWrites() - writes).isEqualTo(1); // nothing left for the turn to write
    await().atMost(LONG).until(() -> held.size() == 2);
    held.forEach(Held::echo);
    assertThat(keyOf(response(inTurn))).isEqualTo("k1");
    assertThat(keyOf(response(outside))).isEqualTo("k2");
  }

  @Test
  void aTurnEndingWritesTheRequestsAnotherThreadsOpenTurnHoldsOnTheSameConnection()
      throws Exception {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    openConnection(a, held);
    long writes = a.requestWrites();

    CompletionStage<PeerMessage> first;
    CompletionStage<PeerMessage> second;
    Turn turn = Turn.begin();
    assertThat(turn).isNotNull();
    try {
      first = a.call(B, read(1), LONG);
      second =
          CompletableFuture.supplyAsync(
                  () -> {
                    Turn other = Turn.begin();
                    try {
                      return a.call(B, read(2), LONG);
                    } finally {
                      other.end();
                    }
                  })
              .get(10, TimeUnit.SECONDS);
      // The other turn ended first and wrote both: neither waits for this (long) turn.
      assertThat(a.requestWrites() - writes).isEqualTo(1);
    } finally {
      turn.end();
    }
    assertThat(a.requestWrites() - writes).isEqualTo(1);
    await().atMost(LONG).until(() -> held.size() == 2);
    held.forEach(Held::echo);
    assertThat(keyOf(response(first))).isEqualTo("k1");
    assertThat(keyOf(response(second))).isEqualTo("k2");
  }

  @Test
  void aCallWhoseDeadlinePassesWhileATurnHoldsItFailsAloneAndTheConnectionStays() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    openConnection(a, held);
    CompletionStage<PeerMessage> waiting = a.call(B, read(1), LONG); // written, awaits its reply
    await().atMost(LONG).until(() -> held.size() == 1);
    Held answerLater = held.poll();
    // The socket took its last bytes longer ago than half the next call's timeout.
    await().pollDelay(Duration.ofMillis(300)).atMost(LONG).until(() -> true);

    CompletionStage<PeerMessage> late;
    Turn turn = Turn.begin();
    assertThat(turn).isNotNull();
    try {
      late = a.call(B, read(2), Duration.ofMillis(200));
      // Held past its deadline (this thread's delay, not the peer's): it fails alone.
      assertThat(failure(late)).isInstanceOf(PeerException.Timeout.class);
      assertThat(waiting.toCompletableFuture()).isNotDone();
    } finally {
      turn.end();
    }
    // Written when the turn ended (its sequence number is taken); its late answer is dropped.
    await().atMost(LONG).until(() -> held.size() == 1);
    held.poll().echo();
    answerLater.echo();
    assertThat(keyOf(response(waiting))).isEqualTo("k1");
    CompletionStage<PeerMessage> after = a.call(B, read(3), LONG);
    await().atMost(LONG).until(() -> held.size() == 1);
    held.poll().echo();
    assertThat(keyOf(response(after))).isEqualTo("k3");
    assertThat(a.refusedReplies()).isZero();
    assertThat(a.connections(B)).isEqualTo(1);
  }

  @Test
  void theRequestsOfOneRunOfANodesQueuedTasksShareAWrite() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    openConnection(a, held);
    long writes = a.requestWrites();
    List<CompletableFuture<PeerMessage>> calls = new CopyOnWriteArrayList<>();
    ThreadScheduler.Runs turns = Turn.forRuns();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    // A 10 s bound instead of 0.5 ms, so that a slow machine cannot split this run.
    try (ThreadScheduler node =
        new ThreadScheduler("node-a", errors::add, turns, Duration.ofSeconds(10))) {
      CountDownLatch release = new CountDownLatch(1);
      node.execute(
          () -> {
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      for (int i = 1; i <= 3; i++) {
        PeerMessage request = read(i);
        node.execute(() -> calls.add(a.call(B, request, LONG).toCompletableFuture()));
      }
      release.countDown();
      await().atMost(LONG).until(() -> held.size() == 3);
    }
    assertThat(a.requestWrites() - writes).isEqualTo(1);
    assertThat(errors).isEmpty();
    held.forEach(Held::echo);
    for (int i = 1; i <= 3; i++) {
      assertThat(keyOf(response(calls.get(i - 1)))).isEqualTo("k" + i);
    }
  }

  /** Opens A's connection to B with one answered call. */
  private static void openConnection(ThriftPeerTransport a, ConcurrentLinkedQueue<Held> held) {
    CompletionStage<PeerMessage> opening = a.call(B, read(0), LONG);
    await().atMost(LONG).until(() -> held.size() == 1);
    held.poll().echo();
    response(opening);
  }

  @Test
  void aCallTimingOutOnAConnectionThatAnswersFailsAloneAndItsLateReplyIsDropped() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    CompletionStage<PeerMessage> slow = a.call(B, read(0), Duration.ofMillis(400));
    CompletionStage<PeerMessage> answered = a.call(B, read(1), LONG);
    await().atMost(LONG).until(() -> held.size() == 2);
    Held first = held.poll();
    held.poll().echo(); // the peer answers after the slow call was written: it works

    assertThat(keyOf(response(answered))).isEqualTo("k1");
    assertThat(failure(slow)).isInstanceOf(PeerException.Timeout.class).hasMessageContaining("400");
    first.echo(); // late: checked and dropped, the connection stays

    CompletionStage<PeerMessage> after = a.call(B, read(2), LONG);
    await().atMost(LONG).until(() -> held.size() == 1);
    held.poll().echo();
    assertThat(keyOf(response(after))).isEqualTo("k2");
    assertThat(a.refusedReplies()).isZero();
    assertThat(a.connections(B)).isEqualTo(1);
    assertThat(cluster.server(B).openConnections()).isEqualTo(1);
  }

  @Test
  void anErrorAnswerFailsItsCallOnlyAndTheConnectionGoesOn() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    CompletionStage<PeerMessage> failing = a.call(B, read(0), LONG);
    CompletionStage<PeerMessage> fine = a.call(B, read(1), LONG);
    await().atMost(LONG).until(() -> held.size() == 2);

    held.poll().answer().completeExceptionally(new IllegalStateException("boom"));
    assertThat(failure(failing)).isInstanceOf(PeerException.Remote.class);
    held.poll().echo();
    assertThat(keyOf(response(fine))).isEqualTo("k1");
    assertThat(a.connections(B)).isEqualTo(1);
    assertThat(cluster.server(B).openConnections()).isEqualTo(1);
  }

  @Test
  void aCallWrittenLateAfterWaitingForRoomFailsAloneAtItsDeadline() {
    cluster(b -> b.poolSize(1).maxCallsPerConnection(2));
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    CompletionStage<PeerMessage> first = a.call(B, read(0), LONG);
    CompletionStage<PeerMessage> second = a.call(B, read(1), LONG);
    await().atMost(LONG).until(() -> held.size() == 2);
    CompletionStage<PeerMessage> late = a.call(B, read(2), Duration.ofSeconds(3));
    // Room frees up near the late call's deadline: it is written, then expires unanswered.
    await().pollDelay(Duration.ofMillis(700)).atMost(LONG).until(() -> true);
    held.poll().echo();
    assertThat(keyOf(response(first))).isEqualTo("k0");

    assertThat(failure(late)).isInstanceOf(PeerException.Timeout.class);
    // The connection was not taken for stuck: the call still on it completes.
    await().atMost(LONG).until(() -> held.size() == 2);
    held.forEach(Held::echo);
    assertThat(keyOf(response(second))).isEqualTo("k1");
    assertThat(a.connections(B)).isEqualTo(1);
  }

  @Test
  void largeRequestsOneAfterAnotherDoNotUseUpTheListenersReadBuffers() {
    cluster(b -> b, s -> s.maxFrameBytes(128 << 10).maxReadBufferBytes(128 << 10));
    cluster.transport(B).serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    byte[] key = new byte[40 << 10]; // more than the listener's first read buffer of a connection
    for (int i = 0; i < 12; i++) {
      assertThat(
              response(
                  cluster
                      .transport(A)
                      .call(B, new CoordinationMessage.ReplicaRead("s", key), LONG)))
          .as("call %d", i)
          .isEqualTo(REPLY);
    }
    assertThat(cluster.server(B).openConnections()).isEqualTo(1);
  }

  @Test
  void aConnectionWhoseReadsEachEndInsideAFrameIsNotStalled() throws Exception {
    cluster(b -> b, s -> s.frameReadTimeout(Duration.ofSeconds(1)));
    byte[] frame =
        RawConnection.framed(
            RawConnection.call(
                "exchange",
                1,
                new PeerService.exchange_args(
                    new Sealed(1, ByteBuffer.wrap(new byte[64]), ByteBuffer.wrap(new byte[32])))));
    int half = frame.length / 2;
    int steps = 15;
    try (RawConnection raw = RawConnection.open(cluster.server(B).address().getPort())) {
      raw.send(Arrays.copyOfRange(frame, 0, half));
      // Each send ends a frame and starts the next: every read leaves part of a frame, for
      // longer than the frame read timeout in all, but no frame takes longer than 100 ms.
      for (int i = 0; i < steps; i++) {
        await().pollDelay(Duration.ofMillis(100)).atMost(LONG).until(() -> true);
        byte[] step = new byte[frame.length];
        System.arraycopy(frame, half, step, 0, frame.length - half);
        System.arraycopy(frame, 0, step, frame.length - half, half);
        raw.send(step);
      }
      raw.send(Arrays.copyOfRange(frame, half, frame.length));
      for (int i = 0; i <= steps; i++) {
        assertThat(raw.readFrame(LONG)).as("reply %d", i).isNotEmpty();
      }
      assertThat(cluster.server(B).stalledConnections()).isZero();
    }
  }

  @Test
  void aPeerThatStopsAnsweringLosesItsConnectionAndEveryCallOnIt() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<Held> held = holdingRequests(cluster.transport(B));
    CompletionStage<PeerMessage> answered = a.call(B, read(0), LONG);
    await().atMost(LONG).until(() -> held.size() == 1);
    held.poll().echo();
    assertThat(keyOf(response(answered))).isEqualTo("k0");
    long start = System.nanoTime();
    CompletionStage<PeerMessage> pending = a.call(B, read(1), LONG);

    // Nothing answered for a whole timeout when this call's deadline passes: the peer is stuck.
    assertThat(failure(a.call(B, read(2), Duration.ofMillis(300))))
        .isInstanceOf(PeerException.Timeout.class);

    assertThat(failure(pending))
        .isInstanceOf(PeerException.Timeout.class)
        .hasMessageContaining("answered nothing in time");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG);
  }

  @Test
  void aShuttingDownAnswerRetiresItsConnection() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    cluster.transport(B).serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    assertThat(response(a.call(B, READ, LONG))).isEqualTo(REPLY);
    assertThat(a.connections(B)).isEqualTo(1);

    cluster.transport(B).close(); // its listener still runs, and answers SHUTTING_DOWN

    assertThat(failure(a.call(B, READ, LONG)))
        .isInstanceOf(PeerException.Remote.class)
        .hasMessageContaining("SHUTTING_DOWN");
    assertThat(a.connections(B)).as("the connection that said so is closed").isZero();
  }

  @Test
  void aFullQueueRefusesAtOnce() {
    cluster(b -> b.poolSize(1).maxCallsPerConnection(1).maxQueuedCalls(1));
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> held = holding(cluster.transport(B));
    CompletionStage<PeerMessage> first = a.call(B, READ, LONG);
    await().atMost(LONG).until(() -> held.size() == 1);
    CompletionStage<PeerMessage> queued = a.call(B, READ, LONG);

    CompletionStage<PeerMessage> refused = a.call(B, READ, LONG);

    assertThat(refused.toCompletableFuture().isDone()).isTrue();
    assertThat(failure(refused))
        .isInstanceOf(PeerException.Unreachable.class)
        .hasMessageContaining("already wait");
    held.poll().complete(REPLY);
    assertThat(response(first)).isEqualTo(REPLY);
    await().atMost(LONG).until(() -> held.size() == 1);
    held.poll().complete(REPLY);
    assertThat(response(queued)).isEqualTo(REPLY);
  }

  @Test
  void aCallStillWaitingForAConnectionAtItsDeadlineWasNotSent() {
    cluster(b -> b.poolSize(1).maxCallsPerConnection(1));
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> held = holding(cluster.transport(B));
    a.call(B, READ, LONG);
    await().atMost(LONG).until(() -> held.size() == 1);

    Throwable error = failure(a.call(B, READ, Duration.ofMillis(200)));

    assertThat(error)
        .isInstanceOf(PeerException.Unreachable.class)
        .hasMessageContaining("not sent");
    assertThat(held).hasSize(1);
  }

  @Test
  void aConnectionLostAfterTheRequestWasSentIsATimeoutNotUnreachable() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> held = holding(cluster.transport(B));
    CompletionStage<PeerMessage> call = a.call(B, READ, LONG);
    await().atMost(LONG).until(() -> held.size() == 1);
    long start = System.nanoTime();

    cluster.stopServer(B); // closes the connection with the request in flight

    assertThat(failure(call))
        .isInstanceOf(PeerException.Timeout.class)
        .hasMessageContaining("may have been applied");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG.dividedBy(2));
  }

  @Test
  void aSentCallWithoutAReplyTimesOutAndItsConnectionIsReplaced() {
    cluster(b -> b.poolSize(1));
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> held = holding(cluster.transport(B));

    assertThat(failure(a.call(B, READ, Duration.ofMillis(300))))
        .isInstanceOf(PeerException.Timeout.class)
        .hasMessageContaining("300");
    // The timed-out call's connection was closed and its slot freed: the next call is sent.
    CompletionStage<PeerMessage> next = a.call(B, READ, LONG);
    await().atMost(LONG).until(() -> held.size() == 2);
    held.forEach(h -> h.complete(REPLY));

    assertThat(response(next)).isEqualTo(REPLY);
    assertThat(a.connections(B)).isEqualTo(1);
  }

  @Test
  void aRequestTheSocketCannotTakeAtOnceIsFinishedByTheSelector() {
    cluster(b -> b);
    List<Integer> keySizes = new CopyOnWriteArrayList<>();
    cluster
        .transport(B)
        .serve(
            (from, request) -> {
              keySizes.add(((CoordinationMessage.ReplicaRead) request).key().length);
              return CompletableFuture.completedFuture(REPLY);
            });
    byte[] key = new byte[12 << 20]; // more than loopback socket buffers take at once
    Arrays.fill(key, (byte) 'k');

    for (int i = 0; i < 3; i++) {
      assertThat(
              response(
                  cluster
                      .transport(A)
                      .call(B, new CoordinationMessage.ReplicaRead("s", key), LONG)))
          .isEqualTo(REPLY);
    }
    assertThat(keySizes).containsExactly(key.length, key.length, key.length);
    // Small calls still work on the connection that wrote the large ones.
    assertThat(response(cluster.transport(A).call(B, READ, LONG))).isEqualTo(REPLY);
  }

  @Test
  void aRequestThePeerDoesNotReadByTheDeadlineWasNotSent() throws Exception {
    cluster(b -> b);
    NodeId stalled = NodeId.of("stalled");
    cluster.book.put(stalled, rawServer(null, TestSecrets.CLUSTER));
    byte[] key = new byte[12 << 20];

    assertThat(
            failure(
                cluster
                    .transport(A)
                    .call(
                        stalled,
                        new CoordinationMessage.ReplicaRead("s", key),
                        Duration.ofMillis(500))))
        .isInstanceOf(PeerException.Unreachable.class)
        .hasMessageContaining("could not be sent within 500 ms");
  }

  @Test
  void closeFailsQueuedCallsUnreachableAndSentOnesTimeout() {
    cluster(b -> b.poolSize(2).maxCallsPerConnection(1));
    ThriftPeerTransport a = cluster.transport(A);
    ConcurrentLinkedQueue<CompletableFuture<PeerMessage>> held = holding(cluster.transport(B));
    List<CompletionStage<PeerMessage>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(a.call(B, READ, LONG));
    }
    await().atMost(LONG).until(() -> held.size() == 2);

    a.close();

    List<Throwable> errors = calls.stream().map(ThriftPeerTransportTest::failure).toList();
    assertThat(errors).filteredOn(PeerException.Timeout.class::isInstance).hasSize(2);
    assertThat(errors).filteredOn(PeerException.Unreachable.class::isInstance).hasSize(18);
    assertThat(failure(a.call(B, READ, LONG))).isInstanceOf(PeerException.Unreachable.class);
    assertThat(a.connections(B)).isZero();
  }

  @Test
  void aChannelForAnotherNodeIsRefusedAtTheHandshake() {
    cluster(b -> b);
    NodeId ghost = NodeId.of("ghost");
    cluster.book.put(ghost, cluster.server(B).address());
    List<NodeId> reached = new CopyOnWriteArrayList<>();
    cluster
        .transport(B)
        .serve(
            (from, request) -> {
              reached.add(from);
              return CompletableFuture.completedFuture(REPLY);
            });

    assertThat(failure(cluster.transport(A).call(ghost, READ, LONG)))
        .isInstanceOf(PeerException.Unreachable.class)
        .hasMessageContaining("the handshake is for ghost, this is b");
    assertThat(reached).isEmpty();
    assertThat(cluster.transport(B).refusedChannels()).isEqualTo(1);
  }

  @Test
  void aPeerWithAnotherClustersSecretIsRefusedAndReachesNothing() {
    cluster(b -> b);
    List<NodeId> reached = new CopyOnWriteArrayList<>();
    cluster
        .transport(B)
        .serve(
            (from, request) -> {
              reached.add(from);
              return CompletableFuture.completedFuture(REPLY);
            });
    try (ThriftPeerTransport stranger =
        ThriftPeerTransport.builder(A, cluster.book)
            .secret(TestSecrets.of("another cluster's secret, 32 b!!"))
            .build()) {
      assertThat(failure(stranger.call(B, READ, LONG)))
          .isInstanceOf(PeerException.Unreachable.class)
          .hasMessageContaining("is not one of this node's cluster secrets");
    }
    assertThat(reached).isEmpty();
    assertThat(cluster.transport(B).refusedChannels()).isEqualTo(1);
    // The same node with the right secret gets through.
    assertThat(response(cluster.transport(A).call(B, READ, LONG))).isEqualTo(REPLY);
    assertThat(reached).containsExactly(A);
  }

  @Test
  void aNodeThatCannotProveItHoldsTheSecretIsNotTrusted() throws Exception {
    cluster(b -> b);
    NodeId impostor = NodeId.of("impostor");
    // Answers the handshake with a key of another cluster (it knows the key id, not the key).
    cluster.book.put(
        impostor, rawServer(new byte[0], TestSecrets.of("another cluster's secret, 32 b!!")));

    assertThat(failure(cluster.transport(A).call(impostor, READ, LONG)))
        .isInstanceOf(PeerException.Unreachable.class)
        .hasMessageContaining("could not prove that it holds the cluster secret");
  }

  @Test
  void anUnknownMessageTypeIsRejectedAtSendTime() {
    cluster(b -> b);

    assertThatThrownBy(() -> cluster.transport(A).call(B, new PeerMessage() {}, LONG))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSelfCallBeforeServeFailsRemoteAndAHandlerIsInstalledOnce() {
    cluster(b -> b);
    ThriftPeerTransport a = cluster.transport(A);

    assertThat(failure(a.call(A, READ, LONG))).isInstanceOf(PeerException.Remote.class);
    a.serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    assertThatThrownBy(() -> a.serve((from, request) -> null))
        .isInstanceOf(IllegalStateException.class);
    assertThat(response(a.call(A, READ, LONG))).isEqualTo(REPLY);
  }

  @Test
  void aResponseThatDoesNotDecodeFailsRemote() throws Exception {
    cluster(b -> b);
    NodeId garbled = NodeId.of("garbled");
    cluster.book.put(
        garbled, rawServer(new byte[] {0, 0, 0, 5, 1, 2, 3, 4, 5}, TestSecrets.CLUSTER));

    assertThat(failure(cluster.transport(A).call(garbled, READ, LONG)))
        .isInstanceOf(PeerException.Remote.class)
        .hasMessageContaining("malformed response");
  }

  @Test
  void anOversizedResponseFrameIsRefusedWithoutAllocatingIt() throws Exception {
    cluster(b -> b.maxResponseFrameBytes(1024));
    NodeId huge = NodeId.of("huge");
    cluster.book.put(
        huge,
        rawServer(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}, TestSecrets.CLUSTER));

    assertThat(failure(cluster.transport(A).call(huge, READ, LONG)))
        .isInstanceOf(PeerException.Remote.class)
        .hasMessageContaining("refused");
    // The selector thread survived: calls to a healthy peer still work.
    cluster.transport(B).serve((from, request) -> CompletableFuture.completedFuture(REPLY));
    assertThat(response(cluster.transport(A).call(B, READ, LONG))).isEqualTo(REPLY);
  }

  /**
   * A server that answers each connection's handshake with the peer key of {@code secret}, then
   * reads one frame and answers {@code reply} (raw bytes); with a null {@code reply} it reads
   * nothing more from the first connection and accepts no other.
   */
  private InetSocketAddress rawServer(byte[] reply, ClusterSecret secret) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closeables.add(server);
    CountDownLatch stalled = new CountDownLatch(1);
    closeables.add(stalled::countDown);
    Thread thread =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket socket = server.accept();
                  closeables.add(socket);
                  DataInputStream in = new DataInputStream(socket.getInputStream());
                  DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                  byte[] hello = new byte[in.readInt()];
                  in.readFully(hello);
                  out.write(RawConnection.framed(welcome(hello, secret)));
                  out.flush();
                  if (reply == null) {
                    stalled.await(); // released by tearDown
                    return;
                  }
                  in.readFully(new byte[in.readInt()]);
                  out.write(reply);
                  out.flush();
                } catch (IOException | TException e) {
                  return;
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
              }
            },
            "raw-server");
    thread.setDaemon(true);
    thread.start();
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  /** The reply to a hello call, made with the peer key of {@code secret} whatever the key id. */
  private static byte[] welcome(byte[] call, ClusterSecret secret) throws TException {
    TCompactProtocol in = new TCompactProtocol(new TMemoryInputTransport(call));
    TMessage message = in.readMessageBegin();
    PeerService.hello_args args = new PeerService.hello_args();
    args.read(in);
    ChannelHello hello = args.getHello();
    byte[] nonce = Channels.nonce();
    SecureChannel channel =
        SecureChannel.server(
            SecureChannel.Role.PEER,
            secret.derive(ClusterSecret.PEERS).key(0),
            hello.getSender(),
            hello.getTarget(),
            hello.getNonce(),
            nonce);
    PeerService.hello_result result = new PeerService.hello_result();
    result.setSuccess(new ChannelWelcome(ByteBuffer.wrap(nonce), ByteBuffer.wrap(channel.proof())));
    TMemoryBuffer buffer = new TMemoryBuffer(256);
    TCompactProtocol out = new TCompactProtocol(buffer);
    out.writeMessageBegin(new TMessage("hello", TMessageType.REPLY, message.seqid));
    result.write(out);
    out.writeMessageEnd();
    return Arrays.copyOf(buffer.getArray(), buffer.length());
  }
}
