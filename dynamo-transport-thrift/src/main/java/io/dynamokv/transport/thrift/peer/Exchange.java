/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.Sealed;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call on a {@link PeerClient} and its outcome: a reply on the peer selector thread (must not
 * block), a failure on the thread that saw it (the selector, the timer, or the closing thread).
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(ThriftPeerTransport.class);
  private final ThriftPeerTransport t;
  private final OutboundCall call;
  private final PeerClient client;
  private final PeerConnections peer;
  private final AtomicBoolean once = new AtomicBoolean();

  // Set and read under the client's monitor:
  long sequence; // the channel's number of the request
  int seqid; // the Thrift sequence id naming the call: the sequence's low 32 bits
  ByteBuffer request; // the frame, until written whole
  PeerClient.Stage stage;

  Exchange(ThriftPeerTransport t, OutboundCall call, PeerClient client, PeerConnections peer) {
    this.t = t;
    this.call = call;
    this.client = client;
    this.peer = peer;
  }

  /**
   * The reply arrived. Every path gives the connection back exactly once: released to the pool once
   * the reply is authenticated (it may then carry the next call while this one's message is
   * decoded), discarded if not.
   */
  void completed(Sealed reply) {
    if (!once.compareAndSet(false, true)) {
      return;
    }
    PeerResponse response;
    try {
      response = client.open(reply, this);
    } catch (AuthenticationException | TException e) {
      peer.discard(client);
      t.refusedReplies.incrementAndGet();
      call.fail(new PeerException.Remote(call.target, "reply refused: " + e.getMessage()), false);
      return;
    } catch (RuntimeException | OutOfMemoryError e) {
      peer.discard(client);
      log.error("{} -> {}: opening a reply failed", t.self, call.target, e);
      call.fail(new PeerException.Remote(call.target, "reply unreadable: " + e), false);
      return;
    }
    release();
    PeerMessage message;
    try {
      message = PeerFrames.decode(t.protocols, response);
    } catch (RuntimeException | OutOfMemoryError e) {
      call.fail(
          new PeerException.Remote(call.target, "undecodable response: " + e.getMessage()), false);
      return;
    }
    call.succeed(message, true);
  }

  /** The exchange failed after it got as far as {@code stage}; its connection is closed. */
  void failed(Exception error, PeerClient.Stage stage) {
    if (!once.compareAndSet(false, true)) {
      return;
    }
    try {
      peer.discard(client);
      call.fail(classify(error, stage), false);
    } catch (RuntimeException e) {
      log.error("{} -> {}: failing a call failed", t.self, call.target, e);
      call.fail(new PeerException.Timeout(call.target, String.valueOf(e)), false);
    }
  }

  /**
   * The exchange failed after it got as far as {@code stage} (the peer answered an error, or its
   * deadline passed); its connection goes on carrying other calls.
   */
  void failedAlone(Exception error, PeerClient.Stage stage) {
    if (!once.compareAndSet(false, true)) {
      return;
    }
    release();
    call.fail(classify(error, stage), false);
  }

  private void release() {
    try {
      peer.release(client); // may start the next waiting call on this thread
    } catch (RuntimeException | OutOfMemoryError e) {
      // That call's own trouble: this one still completes.
      log.error("{} -> {}: starting the next call failed", t.self, call.target, e);
    }
  }

  /** The deadline passed: fails the exchange if its connection still carries it. */
  void expire() {
    client.expire(this, call.timeoutNanos);
  }

  String timeoutMessage() {
    return "no reply within " + call.timeoutMillis() + " ms";
  }

  private PeerException classify(Exception error, PeerClient.Stage stage) {
    NodeId target = call.target;
    if (error instanceof DynamoError e) {
      return new PeerException.Remote(target, e.getCode() + ": " + e.getMessage());
    }
    if (error instanceof TApplicationException e) {
      return new PeerException.Remote(target, "application error: " + e.getMessage());
    }
    if (error instanceof PeerClient.OversizedFrameException e) {
      return new PeerException.Remote(target, e.getMessage());
    }
    if (stage == PeerClient.Stage.RESPONSE_READ) {
      return new PeerException.Remote(target, "malformed response: " + error);
    }
    if (stage != PeerClient.Stage.AWAITING) {
      // An incomplete frame is never processed: the request was certainly not delivered.
      return new PeerException.Unreachable(
          target,
          error instanceof TimeoutException
              ? "the request could not be sent within " + call.timeoutMillis() + " ms"
              : "the connection failed before the request was sent: " + error);
    }
    if (error instanceof TimeoutException) {
      return new PeerException.Timeout(target, call.timeoutMillis());
    }
    return new PeerException.Timeout(
        target,
        "the connection broke after the request was sent (it may have been applied): " + error);
  }
}
