/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.apache.thrift.async.AsyncMethodCallback;

/** The server side: decodes and hands requests to the t.handler. Never blocks. */
final class PeerInboundService implements PeerService.AsyncIface {
  private final ThriftPeerTransport t;

  PeerInboundService(ThriftPeerTransport t) {
    this.t = t;
  }

  @Override
  public void exchange(PeerEnvelope envelope, AsyncMethodCallback<PeerResponse> callback) {
    if (t.closed) {
      callback.onError(new DynamoError(ErrorCode.SHUTTING_DOWN, t.self + " is shutting down"));
      return;
    }
    if (envelope == null || !t.self.value().equals(envelope.getTarget())) {
      String target = envelope == null ? null : envelope.getTarget();
      callback.onComplete(invalid("addressed to " + target + ", this is " + t.self));
      return;
    }
    PeerTransport.PeerHandler h = t.handler;
    if (h == null) {
      callback.onError(
          new DynamoError(ErrorCode.SHUTTING_DOWN, t.self + " is not serving peers yet"));
      return;
    }
    NodeId from;
    PeerMessage request;
    try {
      from = NodeId.of(envelope.getSender());
      request = PeerFrames.decode(t.protocols, envelope.getRequest());
    } catch (RuntimeException e) {
      callback.onComplete(invalid(e.getMessage()));
      return;
    }
    CompletionStage<PeerMessage> answer;
    try {
      answer = h.handle(from, request);
    } catch (RuntimeException e) {
      callback.onError(ThriftCodec.toError(e));
      return;
    }
    if (answer == null) {
      callback.onError(ThriftCodec.toError(new IllegalStateException("the t.handler gave null")));
      return;
    }
    answer.whenComplete(
        (response, error) -> {
          if (error != null) {
            callback.onError(ThriftCodec.toError(error));
            return;
          }
          PeerResponse wire;
          try {
            wire = PeerFrames.response(t.protocols, Objects.requireNonNull(response, "response"));
          } catch (RuntimeException e) {
            callback.onError(ThriftCodec.toError(e));
            return;
          }
          callback.onComplete(wire);
        });
  }

  private PeerResponse invalid(String message) {
    return PeerFrames.response(t.protocols, Failure.of(new InvalidRequestException(message)));
  }
}
