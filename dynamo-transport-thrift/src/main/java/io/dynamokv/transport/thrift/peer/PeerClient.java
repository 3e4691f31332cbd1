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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeoutException;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TByteArrayOutputStream;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.transport.TIOStreamTransport;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * One connection to a peer on an authenticated channel, carrying one {@code PeerService.exchange}
 * at a time as a framed Thrift call (the wire format libthrift's async client used, so the peer's
 * server is unchanged).
 *
 * <p>The connection stays registered for reading with the transport's {@link PeerSelector} for its
 * whole life, idle or not. The calling thread writes its request on the non-blocking socket itself,
 * so sending wakes no other thread; the selector is woken only when the reply arrives, or when the
 * socket could not take the whole request (it then writes the rest). It reads whatever the socket
 * holds in one call, so a small reply costs one read.
 *
 * <p>Thread-safe: the current exchange and its stage are guarded by the monitor; the read buffer
 * belongs to the selector thread.
 */
final class PeerClient {
  /** How far the current exchange got. */
  enum Stage {
    /** No exchange. */
    IDLE,
    /** Part of the request may be written, not all: the peer cannot have processed it. */
    WRITING,
    /** The whole request is written: the peer may have applied it. */
    AWAITING,
    /** A reply frame arrived and is being decoded. */
    RESPONSE_READ
  }

  private static final int READ_CHUNK = 16 * 1024;

  final SocketChannel socket;
  private final SecureChannel channel;
  private final PeerSelector selector;
  private final TProtocolFactory protocol;
  private final int maxResponseBytes;
  private final TSerializer serializer = Channels.serializer();
  private final TDeserializer deserializer;
  private final TByteArrayOutputStream out = new TByteArrayOutputStream(1024);
  private final TProtocol writer;
  private SelectionKey key;
  private Exchange current;
  private Stage stage = Stage.IDLE;
  private ByteBuffer unwritten;
  private boolean closed;
  private ByteBuffer in = ByteBuffer.allocate(READ_CHUNK); // selector thread only
  private final ByteBuffer probe = ByteBuffer.allocate(1); // looksOpen, under the pool's monitor
  long idleSince = System.nanoTime();

  /**
   * @param socket connected, with its channel opened ({@code channel}); made non-blocking here
   */
  PeerClient(
      SocketChannel socket,
      SecureChannel channel,
      PeerSelector selector,
      TProtocolFactory protocol,
      int maxResponseBytes)
      throws IOException, TTransportException {
    this.socket = socket;
    this.channel = channel;
    this.selector = selector;
    this.protocol = protocol;
    this.maxResponseBytes = Math.min(maxResponseBytes, Integer.MAX_VALUE - 8); // 4 + size fits
    this.deserializer = Channels.deserializer(maxResponseBytes, 100_000);
    this.writer = protocol.getProtocol(new TIOStreamTransport(out));
    socket.configureBlocking(false);
    socket.socket().setTcpNoDelay(true);
    socket.socket().setKeepAlive(true);
  }

  /** Registers for reading; the connection is usable once this returns. */
  void register() throws IOException {
    SelectionKey k = selector.register(this);
    synchronized (this) {
      key = k;
      if (closed) {
        k.cancel();
      }
    }
  }

  /**
   * Sends {@code envelope} as the channel's next request, for {@code exchange}; returns once it is
   * written or handed to the selector. The exchange then ends through exactly one of its callbacks,
   * unless this throws.
   *
   * @throws TException if nothing can be sent: the connection is closed, or writing failed (the
   *     request is then incomplete, never processed, and the connection is closed)
   */
  void send(PeerEnvelope envelope, Exchange exchange) throws TException {
    ByteBuffer frame = frame(Channels.sealRequest(channel, serializer, envelope));
    boolean wake = false;
    synchronized (this) {
      if (closed || current != null) {
        throw new TTransportException(
            TTransportException.NOT_OPEN, closed ? "connection closed" : "connection busy");
      }
      try {
        socket.write(frame);
        if (frame.hasRemaining()) {
          key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
      } catch (IOException | CancelledKeyException e) { // a partial frame is never processed
        closeLocked();
        throw new TTransportException(TTransportException.UNKNOWN, e);
      }
      current = exchange;
      if (frame.hasRemaining()) {
        stage = Stage.WRITING;
        unwritten = frame;
        wake = true;
      } else {
        stage = Stage.AWAITING;
      }
    }
    if (wake) {
      selector.wakeup();
    }
  }

  /** The request as one frame: its size, then the Thrift call. */
  private ByteBuffer frame(Sealed request) throws TException {
    out.reset(); // shrinks the buffer a large request grew
    out.write(0); // the size, set below
    out.write(0);
    out.write(0);
    out.write(0);
    writer.writeMessageBegin(new TMessage("exchange", TMessageType.CALL, 0));
    new PeerService.exchange_args(request).write(writer);
    writer.writeMessageEnd();
    // out's array is reused only by the next request, which waits for this one's reply, so for
    // the whole request to be written.
    ByteBuffer frame = ByteBuffer.wrap(out.get(), 0, out.len());
    frame.putInt(0, out.len() - 4);
    return frame;
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

  /**
   * Whether an idle connection can carry a call: neither side has closed it. The selector notices a
   * peer's close on its own, but perhaps after a call took the connection: a non-blocking read (one
   * syscall, no wake-up) sees it first, so that a call to a peer that just stopped fails as not
   * sent rather than as possibly applied.
   */
  boolean looksOpen() {
    synchronized (this) {
      if (closed || current != null) {
        return false;
      }
    }
    int n;
    try {
      n = socket.read(probe.clear()); // an idle connection has nothing to read
    } catch (IOException e) {
      n = -1;
    }
    if (n != 0) {
      fail(new TTransportException(TTransportException.END_OF_FILE, "closed by the peer"));
      return false;
    }
    return true;
  }

  /**
   * The deadline of {@code exchange} passed: if it is still this connection's, it fails with a
   * {@link TimeoutException} and the connection is closed (a reply may still be on its way).
   */
  void expire(Exchange exchange, long timeoutMillis) {
    Stage at;
    synchronized (this) {
      if (current != exchange || stage == Stage.RESPONSE_READ) {
        return; // done, or its reply is being decoded and completes it now
      }
      at = stage;
      current = null;
      stage = Stage.IDLE;
      closeLocked();
    }
    selector.wakeup(); // a closed channel's socket is released by the selector's next select
    exchange.failed(new TimeoutException("no reply within " + timeoutMillis + " ms"), at);
  }

  /** Closes the connection; a call in flight fails as broken. */
  void close() {
    fail(new TTransportException(TTransportException.NOT_OPEN, "connection closed"));
  }

  /** On the selector thread: the rest of a request the socket could not take at once. */
  void onWritable() {
    IOException error;
    synchronized (this) {
      if (closed || unwritten == null) {
        return;
      }
      try {
        socket.write(unwritten);
        if (!unwritten.hasRemaining()) {
          unwritten = null;
          stage = Stage.AWAITING;
          key.interestOps(SelectionKey.OP_READ);
        }
        return;
      } catch (IOException e) {
        error = e;
      }
    }
    fail(error);
  }

  /** On the selector thread: reads what the socket holds and delivers a reply frame. */
  void onReadable() {
    byte[] frame;
    try {
      int n = socket.read(in);
      if (n < 0) {
        throw new TTransportException(TTransportException.END_OF_FILE, "closed by the peer");
      }
      frame = nextFrame();
    } catch (IOException | TTransportException e) {
      fail(e);
      return;
    }
    if (frame != null) {
      deliver(frame);
    }
  }

  /**
   * The reply frame the buffer holds whole, or null; grows the buffer for a larger frame.
   *
   * @throws TTransportException if the frame's size is refused, or bytes follow it (one call at a
   *     time: a peer sends nothing it was not asked for)
   */
  private byte[] nextFrame() throws TTransportException {
    if (in.position() < 4) {
      return null;
    }
    int size = in.getInt(0);
    if (size < 0 || size > maxResponseBytes) {
      throw new OversizedFrameException(size, maxResponseBytes);
    }
    int whole = 4 + size;
    if (in.position() < whole) {
      if (in.capacity() < whole) {
        in = ByteBuffer.allocate(whole).put(in.flip());
      }
      return null;
    }
    if (in.position() > whole) {
      throw new TTransportException(
          TTransportException.CORRUPTED_DATA, "the peer sent bytes after its reply");
    }
    byte[] frame = new byte[size];
    in.get(4, frame);
    in = in.capacity() > READ_CHUNK ? ByteBuffer.allocate(READ_CHUNK) : in.clear();
    return frame;
  }

  private void deliver(byte[] frame) {
    Exchange e;
    synchronized (this) {
      e = current;
      if (e == null || stage != Stage.AWAITING) {
        e = null;
      } else {
        stage = Stage.RESPONSE_READ;
      }
    }
    if (e == null) {
      fail(
          new TTransportException(
              TTransportException.CORRUPTED_DATA, "the peer sent a reply nobody asked for"));
      return;
    }
    Sealed reply;
    try {
      reply = decode(frame);
    } catch (TException | RuntimeException error) {
      fail(error); // the stage is RESPONSE_READ
      return;
    }
    synchronized (this) {
      current = null;
      stage = Stage.IDLE;
    }
    e.completed(reply);
  }

  /**
   * The {@code exchange} reply a frame carries.
   *
   * @throws TException if it is an exception (a {@code DynamoError} or an application error) or
   *     does not decode
   */
  private Sealed decode(byte[] frame) throws TException {
    TProtocol p = protocol.getProtocol(new TMemoryInputTransport(frame));
    TMessage message = p.readMessageBegin();
    if (message.type == TMessageType.EXCEPTION) {
      throw TApplicationException.readFrom(p);
    }
    if (message.type != TMessageType.REPLY || !"exchange".equals(message.name)) {
      throw new TApplicationException(
          TApplicationException.INVALID_MESSAGE_TYPE,
          "expected the reply to exchange, got " + message);
    }
    PeerService.exchange_result result = new PeerService.exchange_result();
    result.read(p);
    p.readMessageEnd();
    if (result.isSetSuccess()) {
      return result.getSuccess();
    }
    if (result.isSetError()) {
      throw result.getError();
    }
    throw new TApplicationException(
        TApplicationException.MISSING_RESULT, "the exchange reply has no result");
  }

  /** Closes the connection; the call in flight, if any, fails with {@code error}. */
  private void fail(Exception error) {
    Exchange e;
    Stage at;
    synchronized (this) {
      e = current;
      at = stage;
      current = null;
      stage = Stage.IDLE;
      closeLocked();
    }
    selector.wakeup(); // a closed channel's socket is released by the selector's next select
    if (e != null) {
      e.failed(error, at);
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    unwritten = null;
    if (key != null) {
      key.cancel();
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing more to do
    }
  }

  /** A peer announced a response frame over the limit (or a negative size). */
  static final class OversizedFrameException extends TTransportException {
    private static final long serialVersionUID = 1L;

    OversizedFrameException(int size, int max) {
      super(
          TTransportException.CORRUPTED_DATA,
          "response frame of " + size + " bytes refused (max " + max + ")");
    }
  }
}
