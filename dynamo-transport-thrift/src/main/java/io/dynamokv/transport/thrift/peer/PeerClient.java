/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import java.nio.ByteBuffer;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;
import org.apache.thrift.async.TAsyncClientManager;
import org.apache.thrift.async.TAsyncMethodCall;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.transport.TNonblockingTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * A Thrift async client that remembers its current call, so that its callback can tell how far the
 * call got. Used by one call at a time, handed between threads under its peer's monitor.
 */
final class PeerClient extends PeerService.AsyncClient {
  final CappedSocket socket;
  private TrackedCall current;

  PeerClient(TProtocolFactory protocol, TAsyncClientManager manager, CappedSocket socket) {
    super(protocol, manager, socket);
    this.socket = socket;
  }

  @Override
  public void exchange(PeerEnvelope envelope, AsyncMethodCallback<PeerResponse> callback)
      throws TException {
    checkReady();
    TrackedCall call = new TrackedCall(envelope, callback, this, ___protocolFactory, ___transport);
    current = call;
    ___currentMethod = call;
    ___manager.call(call);
  }

  TAsyncMethodCall.State state() {
    TrackedCall c = current;
    return c == null ? null : c.state();
  }

  /** Whether the peer has not closed the idle connection (a non-blocking read sees no EOF). */
  boolean looksOpen() {
    if (hasError() || !socket.isOpen()) {
      return false;
    }
    try {
      return socket.read(ByteBuffer.allocate(1)) == 0; // an idle connection has nothing to read
    } catch (TTransportException e) {
      return false;
    }
  }

  private static final class TrackedCall extends exchange_call {
    TrackedCall(
        PeerEnvelope envelope,
        AsyncMethodCallback<PeerResponse> callback,
        PeerClient client,
        TProtocolFactory protocol,
        TNonblockingTransport transport)
        throws TException {
      super(envelope, callback, client, protocol, transport);
    }

    State state() {
      return getState();
    }
  }
}
