/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.transport.thrift.gen.ChannelHello;
import io.dynamokv.transport.thrift.gen.ChannelWelcome;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import org.apache.thrift.TBase;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * {@link SecureChannel}s over Thrift: the client's handshake on the peer port ({@code
 * PeerService.hello}), and sealing and opening the Thrift structs that travel in {@link Sealed}
 * messages. Shared by the peer transport (role peer) and the admin client (role admin).
 */
public final class Channels {
  /** The largest frame of a handshake reply. */
  private static final int MAX_HANDSHAKE_FRAME_BYTES = 64 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Channels() {}

  /** A fresh nonce. */
  public static byte[] nonce() {
    byte[] nonce = new byte[SecureChannel.NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    return nonce;
  }

  /**
   * Opens a channel on a connected blocking socket: sends {@code hello} and checks the node's
   * proof, waiting at most {@code timeoutMillis} for the reply. The socket's read timeout is
   * restored afterwards.
   *
   * @throws AuthenticationException if the node refused the handshake or could not prove it holds
   *     the key
   * @throws TException if the connection failed or the node answered another error
   */
  public static SecureChannel open(
      Socket socket,
      SecureChannel.Role role,
      int keyId,
      byte[] roleKey,
      String sender,
      String target,
      int timeoutMillis)
      throws TException {
    int previous;
    try {
      previous = socket.getSoTimeout();
      socket.setSoTimeout(Math.max(1, timeoutMillis));
    } catch (IOException e) {
      throw new TTransportException(e);
    }
    // Not closed afterwards: closing would close the socket the caller goes on using.
    TFramedTransport framed = new TFramedTransport(new TSocket(socket), MAX_HANDSHAKE_FRAME_BYTES);
    SecureChannel channel =
        open(
            new PeerService.Client(new TCompactProtocol(framed)),
            role,
            keyId,
            roleKey,
            sender,
            target);
    try {
      socket.setSoTimeout(previous);
    } catch (IOException e) {
      throw new TTransportException(e);
    }
    return channel;
  }

  /**
   * Opens a channel through a synchronous client: sends {@code hello} and checks the node's proof.
   *
   * @throws AuthenticationException if the node refused the handshake or could not prove it holds
   *     the key
   * @throws TException if the connection failed or the node answered another error
   */
  public static SecureChannel open(
      PeerService.Client client,
      SecureChannel.Role role,
      int keyId,
      byte[] roleKey,
      String sender,
      String target)
      throws TException {
    byte[] nonce = nonce();
    ChannelWelcome welcome;
    try {
      welcome =
          client.hello(
              new ChannelHello(
                  SecureChannel.VERSION,
                  role.wireName(),
                  sender,
                  target,
                  keyId,
                  ByteBuffer.wrap(nonce)));
    } catch (io.dynamokv.transport.thrift.gen.DynamoError e) {
      throw ThriftCodec.toException(e);
    }
    return SecureChannel.client(
        role, roleKey, sender, target, nonce, welcome.getNonce(), welcome.getProof());
  }

  /** Client: {@code message} as the channel's next request. */
  public static Sealed sealRequest(
      SecureChannel channel, TSerializer serializer, TBase<?, ?> message) throws TException {
    byte[] payload = serializer.serialize(message);
    long sequence = channel.nextSequence();
    return new Sealed(
        sequence,
        ByteBuffer.wrap(payload),
        ByteBuffer.wrap(channel.sealRequest(sequence, payload)));
  }

  /**
   * Client: the reply's payload decoded into {@code into}, once its sequence and MAC check out.
   *
   * @throws AuthenticationException if they do not
   * @throws TException if the payload does not decode
   */
  public static <T extends TBase<?, ?>> T openReply(
      SecureChannel channel, TDeserializer deserializer, Sealed reply, T into) throws TException {
    byte[] payload = reply.getPayload();
    channel.openReply(reply.getSequence(), payload, reply.getMac());
    deserializer.deserialize(into, payload);
    return into;
  }

  /** A serializer of payloads (not thread-safe: one per connection). */
  public static TSerializer serializer() {
    try {
      return new TSerializer(new TCompactProtocol.Factory());
    } catch (TTransportException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A deserializer of payloads no larger than {@code maxBytes}, with the server's nesting limit
   * (not thread-safe: one per connection).
   */
  public static TDeserializer deserializer(int maxBytes, int maxContainerElements) {
    try {
      return new TDeserializer(
          transport -> new NestingLimitedProtocol(transport, maxBytes, maxContainerElements));
    } catch (TTransportException e) {
      throw new IllegalStateException(e);
    }
  }
}
