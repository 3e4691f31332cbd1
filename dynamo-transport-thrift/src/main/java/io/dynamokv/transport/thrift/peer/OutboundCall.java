/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One outbound call, from {@link ThriftPeerTransport#call} until its stage completes: queued for a
 * connection, sent, done. Completes exactly once, off the Thrift selector thread.
 */
final class OutboundCall {
  static final int QUEUED = 0;
  static final int SENT = 1;
  static final int DONE = 2;

  private final ThriftPeerTransport t;
  final NodeId target;
  final PeerMessage request;
  final PeerEnvelope envelope;
  final long timeoutNanos;
  final long deadline;
  final boolean local;
  final CompletableFuture<PeerMessage> result = new CompletableFuture<>();
  private final AtomicInteger state = new AtomicInteger(QUEUED);
  volatile ScheduledFuture<?> timer;
  private volatile Exchange exchange;

  OutboundCall(
      ThriftPeerTransport t,
      NodeId target,
      PeerMessage request,
      PeerEnvelope envelope,
      long timeoutNanos,
      boolean local) {
    this.t = t;
    this.target = target;
    this.request = request;
    this.envelope = envelope;
    this.timeoutNanos = timeoutNanos;
    this.deadline = System.nanoTime() + timeoutNanos;
    this.local = local;
  }

  long timeoutMillis() {
    return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
  }

  boolean markSent() {
    return state.compareAndSet(QUEUED, SENT);
  }

  /** The request went out (whole or in part) as {@code e}, which the deadline will expire. */
  void sentOn(Exchange e) {
    exchange = e;
    if (isDone()) { // the deadline passed while it was being sent
      e.expire();
    }
  }

  boolean isDone() {
    return state.get() == DONE;
  }

  /**
   * @param inline completes on this thread (a reply read from the network, on the client selector:
   *     its dependents only hand work to a scheduler), else on the completion thread
   */
  void succeed(PeerMessage response, boolean inline) {
    finish(response, null, inline);
  }

  void fail(PeerException error, boolean inline) {
    finish(null, error, inline);
  }

  /** On close: completes at once, saying whether the request may have gone out. */
  void abort() {
    int s = state.get();
    if (s == QUEUED) {
      if (finishFrom(QUEUED, new PeerException.Unreachable(target, "transport closed"), true)) {
        return;
      }
      s = state.get();
    }
    if (s == SENT) {
      finish(
          null,
          new PeerException.Timeout(
              target, "the transport closed after the request was sent (it may have been applied)"),
          true);
    }
  }

  void onDeadline() {
    if (finishFrom(
        QUEUED,
        new PeerException.Unreachable(
            target, "no connection within " + timeoutMillis() + " ms; the request was not sent"),
        false)) {
      PeerConnections peer = t.peers.get(target);
      if (peer != null) {
        peer.forget(this);
      }
      return;
    }
    if (state.get() != SENT) {
      return;
    }
    Exchange e = exchange;
    if (e != null) {
      e.expire(); // fails the call, telling whether the whole request went out
      return;
    }
    fail(new PeerException.Timeout(target, timeoutMillis()), false);
    // Still being sent: whichever of this thread and sentOn comes second sees the other's write
    // (both are volatile), so the exchange is expired and its connection freed either way.
    e = exchange;
    if (e != null) {
      e.expire();
    }
  }

  private void finish(PeerMessage response, PeerException error, boolean inline) {
    int s;
    do {
      s = state.get();
      if (s == DONE) {
        return;
      }
    } while (!state.compareAndSet(s, DONE));
    complete(response, error, inline);
  }

  private boolean finishFrom(int expected, PeerException error, boolean inline) {
    if (!state.compareAndSet(expected, DONE)) {
      return false;
    }
    complete(null, error, inline);
    return true;
  }

  private void complete(PeerMessage response, PeerException error, boolean inline) {
    ScheduledFuture<?> scheduled = timer;
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    t.pending.remove(this);
    Runnable completion =
        () -> {
          if (error == null) {
            result.complete(response);
          } else {
            result.completeExceptionally(error);
          }
        };
    if (inline) {
      completion.run();
    } else {
      t.execute(completion);
    }
  }

  /** Runs a call to this node's own id: straight to the local handler, on the completion thread. */
  void runLocally() {
    t.execute(
        () -> {
          if (!markSent()) {
            return;
          }
          PeerTransport.PeerHandler h = t.handler;
          if (h == null) {
            fail(new PeerException.Remote(t.self, t.self + " is not serving peers yet"), true);
            return;
          }
          CompletionStage<PeerMessage> answer;
          try {
            answer = h.handle(t.self, request);
          } catch (RuntimeException e) {
            fail(new PeerException.Remote(t.self, String.valueOf(e)), true);
            return;
          }
          if (answer == null) {
            fail(new PeerException.Remote(t.self, "the handler returned no stage"), true);
            return;
          }
          answer.whenComplete(
              (response, error) -> {
                if (error != null) {
                  fail(
                      new PeerException.Remote(
                          t.self, String.valueOf(DynamoException.unwrap(error))),
                      false);
                } else if (response == null) {
                  fail(new PeerException.Remote(t.self, "the handler answered null"), false);
                } else {
                  succeed(response, false);
                }
              });
        });
  }
}
