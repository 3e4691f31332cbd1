/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.server.ThriftServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ThriftServer#close()}: requests in flight finish and their replies reach the client,
 * requests arriving meanwhile are refused with {@link ErrorCode#SHUTTING_DOWN}, the grace bounds
 * the wait, and the port is closed afterwards.
 */
@Timeout(60)
class GracefulShutdownTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(5);
  private static final ByteBuffer HELD_VALUE = utf8("held");

  /** Gets of the key "slow" are held until the test releases them, from the test's thread. */
  private final ConcurrentLinkedQueue<AsyncMethodCallback<GetResponse>> held =
      new ConcurrentLinkedQueue<>();

  /** A status request blocks its selector thread until released, then keeps it busy. */
  private final CountDownLatch statusMayProceed = new CountDownLatch(1);

  private ThriftTestNode node;

  @AfterEach
  void stop() {
    statusMayProceed.countDown();
    if (node != null) {
      node.close();
    }
  }

  private ThriftTestNode start(Duration grace, int selectorThreads) {
    node =
        ThriftTestNode.start(
            StoreDefinition.of(ThriftTestNode.STORE, 1, 1, 1),
            b -> b.shutdownGrace(grace).selectorThreads(selectorThreads),
            this::holdingSlowGets);
    return node;
  }

  @Test
  void inFlightRequestIsAnsweredWhileCloseWaitsAndNewOnesAreRefused() throws Exception {
    start(Duration.ofSeconds(20), 2);
    int port = node.port();
    try (RawConnection slow = RawConnection.open(port);
        RawConnection early = RawConnection.open(port)) {
      slow.sendFrame(RawConnection.call("get", 1, slowGet()));
      Awaitility.await().atMost(PROMPTLY).until(() -> held.size() == 1);
      assertThat(node.server().inFlightRequests()).isEqualTo(1);

      long closeStarted = System.nanoTime();
      Thread closer = new Thread(node.server()::close, "closer");
      closer.start();
      try {
        // Requests arriving during the drain are refused, on open and on new connections.
        Awaitility.await()
            .atMost(PROMPTLY)
            .until(() -> clusterErrorOn(early) == ErrorCode.SHUTTING_DOWN);
        try (RawConnection late = RawConnection.open(port)) {
          assertThat(clusterErrorOn(late)).isEqualTo(ErrorCode.SHUTTING_DOWN);
        }
        assertThat(closer.isAlive()).as("close() waits for the request in flight").isTrue();

        releaseHeld();
        DynamoService.get_result result = new DynamoService.get_result();
        assertThat(RawConnection.decodeReply(slow.readFrame(PROMPTLY), result)).isEmpty();
        assertThat(result.getSuccess().getValues()).containsExactly(HELD_VALUE);
      } finally {
        closer.join(PROMPTLY.toMillis());
      }
      assertThat(closer.isAlive()).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - closeStarted))
          .as("close() returned once the request was answered, not at the grace's end")
          .isLessThan(Duration.ofSeconds(15));
      assertThat(slow.closedWithin(PROMPTLY)).isTrue();
      assertThat(early.closedWithin(PROMPTLY)).isTrue();
    }
    assertRefusesConnections(port);
  }

  /**
   * The reply of a request completed during the drain reaches its client even when the selector
   * thread that must write it is busy at the moment the last request completes (simulated by a
   * handler that keeps its selector thread busy; real handlers never block).
   */
  @Test
  void replyCompletedWhileTheSelectorIsBusyIsNotLost() throws Exception {
    start(Duration.ofSeconds(20), 1);
    int port = node.port();
    try (RawConnection slow = RawConnection.open(port);
        RawConnection busy = RawConnection.open(port)) {
      slow.sendFrame(RawConnection.call("get", 1, slowGet()));
      Awaitility.await().atMost(PROMPTLY).until(() -> held.size() == 1);
      busy.sendFrame(RawConnection.call("status", 2, new DynamoService.status_args()));
      Awaitility.await().atMost(PROMPTLY).until(() -> node.server().inFlightRequests() == 2);

      Thread closer = new Thread(node.server()::close, "closer");
      closer.start();
      try {
        statusMayProceed.countDown();
        DynamoService.get_result get = new DynamoService.get_result();
        assertThat(RawConnection.decodeReply(slow.readFrame(PROMPTLY), get)).isEmpty();
        assertThat(get.getSuccess().getValues()).containsExactly(HELD_VALUE);
        DynamoService.status_result status = new DynamoService.status_result();
        assertThat(RawConnection.decodeReply(busy.readFrame(PROMPTLY), status)).isEmpty();
        assertThat(status.isSetSuccess()).isTrue();
      } finally {
        closer.join(PROMPTLY.toMillis());
      }
      assertThat(closer.isAlive()).isFalse();
    }
    assertRefusesConnections(port);
  }

  @Test
  void graceBoundsTheWaitForAStuckRequest() throws Exception {
    Duration grace = Duration.ofMillis(300);
    start(grace, 2);
    int port = node.port();
    try (RawConnection slow = RawConnection.open(port)) {
      slow.sendFrame(RawConnection.call("get", 1, slowGet()));
      Awaitility.await().atMost(PROMPTLY).until(() -> held.size() == 1);

      long started = System.nanoTime();
      node.server().close();
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(took).isGreaterThanOrEqualTo(grace).isLessThan(PROMPTLY);
      RawConnection.Outcome outcome = slow.await(PROMPTLY);
      assertThat(outcome.frames()).isEmpty();
      assertThat(outcome.closed()).isTrue();
    }
    assertRefusesConnections(port);
  }

  // ---- helpers ----

  private static void assertRefusesConnections(int port) {
    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }

  /** Sends a cluster request on {@code c}; returns its error code, or null if it succeeded. */
  private static ErrorCode clusterErrorOn(RawConnection c) throws IOException, TException {
    c.sendFrame(RawConnection.call("cluster", 9, new DynamoService.cluster_args()));
    DynamoService.cluster_result result = new DynamoService.cluster_result();
    assertThat(RawConnection.decodeReply(c.readFrame(PROMPTLY), result)).isEmpty();
    return result.isSetError() ? result.getError().getCode() : null;
  }

  private static DynamoService.get_args slowGet() {
    return new DynamoService.get_args(new GetRequest(ThriftTestNode.STORE, utf8("slow")));
  }

  private void releaseHeld() {
    for (AsyncMethodCallback<GetResponse> callback; (callback = held.poll()) != null; ) {
      callback.onComplete(new GetResponse(List.of(HELD_VALUE), ByteBuffer.allocate(0)));
    }
  }

  /** The node's client service, except for slow gets and busy status requests. */
  @SuppressWarnings("unchecked")
  private DynamoService.AsyncIface holdingSlowGets(DynamoService.AsyncIface service) {
    return ThriftTestNode.intercepting(
        service,
        (method, args) -> {
          if (method.equals("get") && ((GetRequest) args[0]).bufferForKey().equals(utf8("slow"))) {
            held.add((AsyncMethodCallback<GetResponse>) args[1]);
            return true;
          }
          if (method.equals("status")) {
            if (!statusMayProceed.await(30, TimeUnit.SECONDS)) {
              throw new IllegalStateException("never released");
            }
            service.status(
                (AsyncMethodCallback<io.dynamokv.transport.thrift.gen.NodeStatusInfo>) args[0]);
            releaseHeld();
            // The selector thread stays busy after both requests completed.
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            return true;
          }
          return false;
        });
  }

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
