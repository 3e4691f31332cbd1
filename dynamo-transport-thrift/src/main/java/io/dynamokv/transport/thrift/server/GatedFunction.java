/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.transport.thrift.InboundConnection;
import io.dynamokv.transport.thrift.NestingLimitedProtocol;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import org.apache.thrift.AsyncProcessFunction;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;
import org.apache.thrift.server.AbstractNonblockingServer;

/**
 * Wraps a generated function: counts it in flight until its callback completes, and refuses it
 * while s.draining. Every method of both services declares {@link DynamoError}, so the refusal
 * reaches the caller as that exception.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
final class GatedFunction extends AsyncProcessFunction<Object, TBase, Object> {
  private final ThriftServer s;
  private final AsyncProcessFunction delegate;
  private final Object iface;

  GatedFunction(ThriftServer s, AsyncProcessFunction<?, ?, ?> delegate, Object iface) {
    super(delegate.getMethodName());
    this.s = s;
    this.delegate = delegate;
    this.iface = iface;
  }

  @Override
  protected boolean isOneway() {
    return false;
  }

  @Override
  public void start(Object ignored, TBase args, AsyncMethodCallback<Object> callback)
      throws TException {
    if (s.draining) {
      callback.onError(
          new DynamoError(ErrorCode.SHUTTING_DOWN, "the node is shutting down; retry elsewhere"));
      return;
    }
    s.inFlight.incrementAndGet();
    InboundConnection connection = InboundConnection.of(callback).orElseGet(InboundConnection::new);
    AsyncMethodCallback<Object> counted =
        new InboundConnection.Bound<>() {
          @Override
          public InboundConnection connection() {
            return connection;
          }

          @Override
          public void onComplete(Object response) {
            s.inFlight.decrementAndGet();
            callback.onComplete(response);
          }

          @Override
          public void onError(Exception e) {
            s.inFlight.decrementAndGet();
            callback.onError(e instanceof DynamoError ? e : ThriftCodec.toError(e));
          }
        };
    try {
      delegate.start(iface, args, counted);
    } catch (RuntimeException | TException e) {
      counted.onError(e);
    }
  }

  @Override
  public TBase getEmptyArgsInstance() {
    return delegate.getEmptyArgsInstance();
  }

  @Override
  public AsyncMethodCallback<Object> getResultHandler(
      AbstractNonblockingServer.AsyncFrameBuffer fb, int seqid) {
    AsyncMethodCallback<Object> handler = delegate.getResultHandler(fb, seqid);
    InboundConnection connection = connectionOf(fb);
    return new InboundConnection.Bound<>() {
      @Override
      public InboundConnection connection() {
        return connection;
      }

      @Override
      public void onComplete(Object response) {
        handler.onComplete(response);
      }

      @Override
      public void onError(Exception e) {
        handler.onError(e);
      }
    };
  }

  /** The connection state kept on the connection's input protocol (one per connection). */
  private static InboundConnection connectionOf(AbstractNonblockingServer.AsyncFrameBuffer fb) {
    if (!(fb.getInputProtocol() instanceof NestingLimitedProtocol p)) {
      return new InboundConnection(); // not our protocol factory: no state survives the request
    }
    synchronized (p) {
      if (p.attachment() instanceof InboundConnection c) {
        return c;
      }
      InboundConnection c = new InboundConnection();
      p.attach(c);
      return c;
    }
  }
}
