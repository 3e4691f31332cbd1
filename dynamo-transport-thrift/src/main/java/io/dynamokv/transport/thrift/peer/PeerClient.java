/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import java.nio.ByteBuffer;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.async.AsyncMethodCallback;
import org.apache.thrift.async.TAsyncClientManager;
import org.apache.thrift.async.TAsyncMethodCall;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.transport.TNonblockingTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * A Thrift async client on an authenticated channel that remembers its current call, so that its
 * callback can tell how far the call got. Used by one call at a time, handed between threads under
 * its peer's monitor.
 */
final class PeerClient extends PeerService.AsyncClient {
  final CappedSocket socket;
  private final SecureChannel channel;
  private final TSerializer serializer = Channels.serializer();
  private final TDeserializer deserializer;
  private TrackedCall current;
  long idleSince = System.nanoTime();

  PeerClient(
      TProtocolFactory protocol,
      TAsyncClientManager manager,
      CappedSocket socket,
      SecureChannel channel,
      int maxResponseBytes) {
    super(protocol, manager, socket);
    this.socket = socket;
    this.channel = channel;
    this.deserializer = Channels.deserializer(maxResponseBytes, 100_000);
  }

  /** Sends {@code envelope} as the channel's next request. */
  void send(PeerEnvelope envelope, AsyncMethodCallback<Sealed> callback) throws TException {
    exchange(Channels.sealRequest(channel, serializer, envelope), callback);
  }

  /**
   * The response a sealed reply carries.
   *
   * @throws io.dynamokv.core.AuthenticationException if its sequence or MAC is wrong
   * @throws TException if it does not decode
   */
  PeerResponse open(Sealed reply) throws TException {
    return Channels.openReply(channel, deserializer, reply, new PeerResponse());
  }

  @Override
  public void exchange(Sealed request, AsyncMethodCallback<Sealed> callback) throws TException {
    checkReady();
    TrackedCall call = new TrackedCall(request, callback, this, ___protocolFactory, ___transport);
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
        Sealed request,
        AsyncMethodCallback<Sealed> callback,
        PeerClient client,
        TProtocolFactory protocol,
        TNonblockingTransport transport)
        throws TException {
      super(request, callback, client, protocol, transport);
    }

    State state() {
      return getState();
    }
  }
}
