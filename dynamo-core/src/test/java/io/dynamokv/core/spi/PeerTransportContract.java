/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.FailureCode;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.membership.NodeState;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.membership.Removal;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.membership.VersionStamp;
import io.dynamokv.core.wire.Failure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link PeerTransport} contract, as tests. Every transport runs it with a subclass that says
 * how to connect a few transports ({@link #create}); the simulated network runs it in simulated
 * time, the Thrift transport over real sockets.
 *
 * <p>The suite never sleeps: it waits for a stage through {@link Fixture#await}, which blocks on a
 * real transport and runs the event loop of a simulated one, and it measures time on the fixture's
 * clock. Where a transport cannot run a check as written, a capability method adapts the check
 * visibly instead of disabling it: a simulation belongs to one thread, so with {@link
 * #concurrentCallers()} off the concurrency check issues its calls from that thread.
 */
public abstract class PeerTransportContract {
  protected static final NodeId A = NodeId.of("a");
  protected static final NodeId B = NodeId.of("b");
  protected static final NodeId C = NodeId.of("c");

  /** Long enough never to fire in a healthy test, short enough to bound a broken one. */
  protected static final Duration LONG = Duration.ofSeconds(10);

  /** Transports connected to each other, one per node id, none serving yet. */
  public interface Fixture extends AutoCloseable {
    /** The current transport of {@code node}. */
    PeerTransport transport(NodeId node);

    /**
     * Takes {@code node} off the network as a crash or a stopped process does: its transport closes
     * and nothing answers at its address any more.
     */
    void stop(NodeId node);

    /**
     * Brings a stopped {@code node} back at the same address, with a new transport (not serving
     * yet), and returns it.
     */
    PeerTransport restart(NodeId node);

    /**
     * Waits until {@code stage} completes or {@code max} passes on the {@link #nanoTime() clock}; a
     * simulation runs its events meanwhile. Returns whether the stage completed.
     */
    boolean await(CompletionStage<?> stage, Duration max);

    /** The clock calls are timed by (real or simulated). */
    long nanoTime();

    @Override
    void close();
  }

  /** Connects one transport per id. */
  protected abstract Fixture create(List<NodeId> ids);

  /** How late past its timeout a call may complete (scheduling, timer granularity). */
  protected abstract Duration slack();

  /**
   * Whether {@link PeerTransport#call} may be used from several threads at once. A simulation runs
   * in one thread by design; it still runs the concurrency check, from that thread.
   */
  protected boolean concurrentCallers() {
    return true;
  }

  /** Whether handlers may complete their stage from a thread of their own (not a simulation). */
  protected boolean handlersMayUseOwnThreads() {
    return concurrentCallers();
  }

  protected Fixture fixture;

  @BeforeEach
  void connect() {
    fixture = create(List.of(A, B, C));
  }

  @AfterEach
  void disconnect() {
    if (fixture != null) {
      fixture.close();
    }
  }

  // ---- helpers ----

  /** What a stage completed with. */
  protected record Outcome(PeerMessage response, Throwable error) {
    boolean ok() {
      return error == null;
    }
  }

  protected Outcome outcome(CompletionStage<PeerMessage> stage, Duration max) {
    assertThat(fixture.await(stage, max)).as("the call completed within " + max).isTrue();
    CompletableFuture<PeerMessage> f = stage.toCompletableFuture();
    try {
      return new Outcome(f.join(), null);
    } catch (CompletionException e) {
      return new Outcome(null, e.getCause());
    }
  }

  protected Outcome call(NodeId from, NodeId to, PeerMessage request) {
    return outcome(fixture.transport(from).call(to, request, LONG), LONG.plus(slack()));
  }

  /** Serves {@code node} with a handler that records what it receives and answers {@code reply}. */
  protected List<Received> serveWith(
      PeerTransport transport, Function<PeerMessage, PeerMessage> reply) {
    List<Received> received = new CopyOnWriteArrayList<>();
    transport.serve(
        (from, request) -> {
          received.add(new Received(from, request));
          return CompletableFuture.completedFuture(reply.apply(request));
        });
    return received;
  }

  /** A request as a handler saw it. */
  protected record Received(NodeId from, PeerMessage request) {}

  protected static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static void assertSameContent(Object actual, Object expected) {
    // Records holding byte arrays compare them by identity: compare field by field instead.
    assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
    assertThat(actual).hasSameClassAs(expected);
  }

  // ---- round trips ----

  @Test
  void everyNodeMessageRoundTrips() {
    List<PeerMessage[]> exchanges =
        List.of(
            new PeerMessage[] {
              new CoordinationMessage.ReplicaRead("default", bytes("k")),
              new CoordinationMessage.ReplicaReadReply(bytes("siblings"))
            },
            new PeerMessage[] {
              new CoordinationMessage.ReplicaRead("default", new byte[0]),
              new CoordinationMessage.ReplicaReadReply(new byte[0])
            },
            new PeerMessage[] {
              new CoordinationMessage.ReplicaWrite("s", new byte[] {0, -1, 127}, bytes("set")),
              new CoordinationMessage.ReplicaWriteReply()
            },
            new PeerMessage[] {
              new CoordinationMessage.ForwardedWrite(
                  Long.MIN_VALUE, "s", bytes("k"), bytes("v"), false, bytes("ctx"), 2, 1500),
              new CoordinationMessage.ForwardedWriteReply(bytes("ctx2"))
            },
            new PeerMessage[] {
              new CoordinationMessage.ForwardedWrite(
                  7, "s", bytes("k"), new byte[0], true, new byte[0], 0, 1),
              new Failure(FailureCode.INSUFFICIENT_REPLICAS, "1 of 2", 1, 2)
            },
            new PeerMessage[] {
              new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("set")),
              new Failure(FailureCode.LIMIT_EXCEEDED, "too big", 0, 0)
            });
    AtomicReference<PeerMessage> answer = new AtomicReference<>();
    List<Received> received = serveWith(fixture.transport(B), request -> answer.get());

    for (PeerMessage[] exchange : exchanges) {
      answer.set(exchange[1]);
      Outcome outcome = call(A, B, exchange[0]);

      assertThat(outcome.error()).as("%s", exchange[0]).isNull();
      assertSameContent(outcome.response(), exchange[1]);
      Received last = received.get(received.size() - 1);
      assertThat(last.from()).isEqualTo(A);
      assertSameContent(last.request(), exchange[0]);
    }
    assertThat(received).hasSize(exchanges.size());
  }

  @Test
  void gossipRoundTrips() {
    NodeState state = new NodeState(A, 3, 77, NodeStatus.NORMAL, "127.0.0.1:7000", "z1", 5);
    GossipMessage syn =
        new GossipMessage.Syn(
            new TreeMap<>(Map.of(A, state.stamp(), C, new VersionStamp(1, 2))),
            9,
            B,
            new TreeMap<>(Map.of(C, new Removal(C, 4, A))));
    GossipMessage ack =
        new GossipMessage.Ack(
            List.of(state),
            new RingState(new byte[] {1, 2, 3}, 9, B),
            new TreeMap<>(),
            new TreeSet<>(List.of(C)),
            true);
    List<Received> received = serveWith(fixture.transport(B), request -> ack);

    Outcome outcome = call(A, B, syn);

    assertThat(outcome.error()).isNull();
    assertThat(decoded(outcome.response())).isEqualTo(ack);
    assertThat(received).hasSize(1);
    assertThat(received.get(0).from()).isEqualTo(A);
    assertThat(decoded(received.get(0).request())).isEqualTo(syn);
  }

  /** Gossip as membership sees it: transports of bytes deliver it undecoded. */
  private static PeerMessage decoded(PeerMessage message) {
    return message instanceof GossipMessage.Encoded e
        ? MembershipCodec.decodeMessage(e.bytes())
        : message;
  }

  @Test
  void aNodeMayCallItself() {
    serveWith(fixture.transport(A), request -> new CoordinationMessage.ReplicaWriteReply());

    Outcome outcome = call(A, A, new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("v")));

    assertThat(outcome.response()).isEqualTo(new CoordinationMessage.ReplicaWriteReply());
  }

  // ---- failures ----

  @Test
  void aHandlerThatThrowsFailsRemote() {
    fixture
        .transport(B)
        .serve(
            (from, request) -> {
              throw new IllegalStateException("boom in the handler");
            });

    Outcome outcome = call(A, B, new CoordinationMessage.ReplicaRead("s", bytes("k")));

    assertThat(outcome.error())
        .isInstanceOf(PeerException.Remote.class)
        .hasMessageContaining("boom in the handler");
    assertThat(((PeerException) outcome.error()).target()).isEqualTo(B);
  }

  @Test
  void aHandlerStageThatFailsFailsRemote() {
    fixture
        .transport(B)
        .serve(
            (from, request) ->
                CompletableFuture.failedFuture(new IllegalStateException("failed stage")));

    Outcome outcome = call(A, B, new CoordinationMessage.ReplicaRead("s", bytes("k")));

    assertThat(outcome.error())
        .isInstanceOf(PeerException.Remote.class)
        .hasMessageContaining("failed stage");
  }

  @Test
  void aRequestBeforeServeFailsRemote() {
    Outcome outcome = call(A, B, new CoordinationMessage.ReplicaRead("s", bytes("k")));

    assertThat(outcome.error()).isInstanceOf(PeerException.Remote.class);
  }

  @Test
  void anUnknownTargetIsUnreachable() {
    Outcome outcome =
        call(A, NodeId.of("nobody"), new CoordinationMessage.ReplicaRead("s", bytes("k")));

    assertThat(outcome.error()).isInstanceOf(PeerException.Unreachable.class);
  }

  @Test
  void aStoppedPeerIsUnreachableAtOnce() {
    serveWith(fixture.transport(B), request -> new CoordinationMessage.ReplicaWriteReply());
    // A connection (if the transport keeps any) exists before the peer goes away.
    assertThat(call(A, B, new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("v"))).ok())
        .isTrue();
    fixture.stop(B);

    for (int i = 0; i < 3; i++) {
      long start = fixture.nanoTime();
      Outcome outcome =
          call(A, B, new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("v")));

      assertThat(outcome.error()).isInstanceOf(PeerException.Unreachable.class);
      assertThat(Duration.ofNanos(fixture.nanoTime() - start))
          .as("refused, not timed out")
          .isLessThan(LONG.dividedBy(2));
    }
  }

  @Test
  void aRestartedPeerAnswersAgain() {
    serveWith(fixture.transport(B), request -> new CoordinationMessage.ReplicaWriteReply());
    assertThat(call(A, B, new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("v"))).ok())
        .isTrue();
    fixture.stop(B);
    assertThat(
            call(A, B, new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("v"))).error())
        .isInstanceOf(PeerException.Unreachable.class);

    serveWith(fixture.restart(B), request -> new CoordinationMessage.ReplicaWriteReply());

    // A transport may back off before reconnecting: the calls meanwhile fail, never hang.
    Awaitility.await()
        .pollInSameThread() // a simulation belongs to this thread
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              Outcome outcome =
                  call(A, B, new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("v")));
              if (!outcome.ok()) {
                assertThat(outcome.error()).isInstanceOf(PeerException.Unreachable.class);
              }
              return outcome.ok();
            });
  }

  @Test
  void aHandlerThatNeverAnswersTimesOutWithinTimeoutPlusSlack() {
    fixture.transport(B).serve((from, request) -> new CompletableFuture<>());
    Duration timeout = Duration.ofMillis(300);
    long start = fixture.nanoTime();

    Outcome outcome =
        outcome(
            fixture
                .transport(A)
                .call(B, new CoordinationMessage.ReplicaRead("s", bytes("k")), timeout),
            timeout.plus(slack()).multipliedBy(3));
    Duration took = Duration.ofNanos(fixture.nanoTime() - start);

    assertThat(outcome.error()).isInstanceOf(PeerException.Timeout.class);
    assertThat(took)
        .isGreaterThanOrEqualTo(timeout.minusMillis(5))
        .isLessThanOrEqualTo(timeout.plus(slack()));
  }

  // ---- concurrency ----

  @Test
  void manyConcurrentCallsEachCompleteExactlyOnce() throws Exception {
    int calls = 200;
    int threads = concurrentCallers() ? 4 : 1;
    ExecutorService later = handlersMayUseOwnThreads() ? Executors.newFixedThreadPool(2) : null;
    for (NodeId node : List.of(B, C)) {
      fixture
          .transport(node)
          .serve(
              (from, request) -> {
                CoordinationMessage.ReplicaRead read = (CoordinationMessage.ReplicaRead) request;
                int n = Integer.parseInt(read.store());
                if (n % 10 == 3) {
                  throw new IllegalStateException("fails " + n);
                }
                PeerMessage reply = new CoordinationMessage.ReplicaReadReply(read.key());
                if (later != null && n % 2 == 0) {
                  return CompletableFuture.supplyAsync(() -> reply, later);
                }
                return CompletableFuture.completedFuture(reply);
              });
    }
    AtomicInteger[] completions = new AtomicInteger[calls];
    CompletableFuture<?>[] done = new CompletableFuture<?>[calls];
    ConcurrentLinkedQueue<Throwable> problems = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < calls; i++) {
      completions[i] = new AtomicInteger();
    }
    IntConsumer issue =
        n ->
            done[n] =
                fixture
                    .transport(A)
                    .call(
                        n % 2 == 0 ? B : C,
                        new CoordinationMessage.ReplicaRead(Integer.toString(n), bytes("key" + n)),
                        LONG)
                    .whenComplete(
                        (response, error) -> {
                          completions[n].incrementAndGet();
                          try {
                            if (n % 10 == 3) {
                              assertThat(error).isInstanceOf(PeerException.Remote.class);
                            } else {
                              assertThat(error).isNull();
                              assertThat(
                                      ((CoordinationMessage.ReplicaReadReply) response).siblings())
                                  .isEqualTo(bytes("key" + n));
                            }
                          } catch (Throwable e) {
                            problems.add(e);
                          }
                        })
                    .toCompletableFuture();
    try {
      if (threads == 1) {
        for (int n = 0; n < calls; n++) {
          issue.accept(n);
        }
      } else {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
          CountDownLatch go = new CountDownLatch(1);
          List<Future<?>> issuers = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            int first = t;
            issuers.add(
                pool.submit(
                    () -> {
                      go.await();
                      for (int n = first; n < calls; n += threads) {
                        issue.accept(n);
                      }
                      return null;
                    }));
          }
          go.countDown();
          for (Future<?> issuer : issuers) {
            issuer.get(LONG.toMillis(), TimeUnit.MILLISECONDS);
          }
        } finally {
          pool.shutdown();
        }
      }
      assertThat(fixture.await(CompletableFuture.allOf(done), LONG.plus(slack())))
          .as("every call completed")
          .isTrue();

      assertThat(problems).isEmpty();
      for (int n = 0; n < calls; n++) {
        assertThat(completions[n].get()).as("completions of call %d", n).isEqualTo(1);
      }
    } finally {
      if (later != null) {
        later.shutdownNow();
      }
    }
  }

  // ---- close ----

  @Test
  void closeCompletesPendingCallsExceptionally() {
    CompletableFuture<Void> arrived = new CompletableFuture<>();
    fixture
        .transport(B)
        .serve(
            (from, request) -> {
              arrived.complete(null);
              return new CompletableFuture<>();
            });
    CompletionStage<PeerMessage> pending =
        fixture.transport(A).call(B, new CoordinationMessage.ReplicaRead("s", bytes("k")), LONG);
    // The request reached the handler: the call is truly in flight.
    assertThat(fixture.await(arrived, LONG)).isTrue();

    fixture.transport(A).close();

    assertThat(pending.toCompletableFuture().isDone())
        .as("close() completes the pending calls before returning")
        .isTrue();
    assertThat(outcome(pending, Duration.ZERO).error()).isInstanceOf(PeerException.class);
  }

  @Test
  void callsAfterCloseFailUnreachable() {
    serveWith(fixture.transport(B), request -> new CoordinationMessage.ReplicaWriteReply());
    PeerTransport a = fixture.transport(A);
    a.close();
    a.close(); // idempotent

    Outcome outcome = call(A, B, new CoordinationMessage.ReplicaWrite("s", bytes("k"), bytes("v")));

    assertThat(outcome.error()).isInstanceOf(PeerException.Unreachable.class);
  }
}
