/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * A hand-driven peer connection for tests: opens an authenticated channel to a node's peer port as
 * a node would, then sends envelope bytes written by hand (or replays and alters sealed messages).
 */
final class PeerChannel implements AutoCloseable {
  final TSocket socket;
  final PeerService.Client client;
  final SecureChannel channel;

  private PeerChannel(TSocket socket, PeerService.Client client, SecureChannel channel) {
    this.socket = socket;
    this.client = client;
    this.channel = channel;
  }

  /** A connection to {@code port} with the handshake done as node {@code sender}. */
  static PeerChannel open(int port, ClusterSecret secret, String sender, String target)
      throws TException {
    TSocket socket = new TSocket("127.0.0.1", port, 5_000);
    socket.open();
    try {
      PeerService.Client client =
          new PeerService.Client(new TCompactProtocol(new TFramedTransport(socket)));
      ClusterSecret.DerivedKeys keys = secret.derive(ClusterSecret.PEERS);
      SecureChannel channel =
          Channels.open(client, SecureChannel.Role.PEER, keys.id(0), keys.key(0), sender, target);
      return new PeerChannel(socket, client, channel);
    } catch (TException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** A plain connection to {@code port}, without a handshake. */
  static PeerService.Client plain(int port) throws TException {
    TSocket socket = new TSocket("127.0.0.1", port, 5_000);
    socket.open();
    return new PeerService.Client(new TCompactProtocol(new TFramedTransport(socket)));
  }

  /** {@code payload} sealed as the channel's next request. */
  Sealed seal(byte[] payload) {
    long sequence = channel.nextSequence();
    return new Sealed(
        sequence,
        ByteBuffer.wrap(payload),
        ByteBuffer.wrap(channel.sealRequest(sequence, payload)));
  }

  /** Sends envelope bytes as the next request: the reply, or the error the node answered. */
  Reply send(byte[] envelope) throws TException {
    Sealed request = seal(envelope);
    try {
      Sealed reply = client.exchange(request);
      return new Reply(
          Channels.openReply(
              channel, Channels.deserializer(1 << 24, 1000), reply, new PeerResponse()),
          null);
    } catch (DynamoError e) {
      return new Reply(null, e);
    }
  }

  /** The bytes {@code body} writes with the compact protocol (e.g. a PeerEnvelope by hand). */
  static byte[] written(RawConnection.ProtocolWriter body) {
    try {
      TMemoryBuffer buffer = new TMemoryBuffer(256);
      TProtocol p = new TCompactProtocol(buffer);
      body.write(p);
      return Arrays.copyOf(buffer.getArray(), buffer.length());
    } catch (TException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    socket.close();
  }

  /** What the node answered: a response, or an error. */
  record Reply(PeerResponse success, DynamoError error) {
    PeerResponse getSuccess() {
      return success;
    }

    DynamoError getError() {
      return error;
    }
  }
}
