/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.thrift.transport.TNonblockingSocket;
import org.apache.thrift.transport.TTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An accepted connection. Releases its slot when closed, and tracks how many of its requests await
 * their reply, so that {@link ThriftServer#close()} can wait until every request read before the
 * drain is answered on the wire. libthrift's server reads and writes through {@link #read} and
 * {@link #write}, which track one request at a time; the {@link PipelinedServer} reads and writes
 * the socket itself and tracks through {@link #awaitReply}, {@link #answered}, {@link #touched} and
 * {@link #framePending}.
 */
final class ServerConnection extends TNonblockingSocket {
  private static final Logger log = LoggerFactory.getLogger(ThriftServer.class);

  private static final long NOT_READING = Long.MIN_VALUE;

  private final ThriftServer s;
  private final AtomicInteger open;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger awaiting = new AtomicInteger();

  /** When the buffer of the frame being read was allocated, or {@link #NOT_READING}. */
  private volatile long frameSince = NOT_READING;

  /** When the connection last read or wrote a byte. */
  private volatile long lastActive = System.nanoTime();

  ServerConnection(ThriftServer s, SocketChannel channel, AtomicInteger open)
      throws IOException, TTransportException {
    super(channel);
    this.s = s;
    this.open = open;
  }

  @Override
  public int read(ByteBuffer buffer) throws TTransportException {
    int n = super.read(buffer);
    if (n > 0) {
      lastActive = System.nanoTime();
    }
    if (buffer.capacity() == 4 && !buffer.hasRemaining() && n > 0 && !validFrameSize(buffer)) {
      // End-of-stream makes the selector close the connection without libthrift's own ERROR
      // line, which it would write for every such frame.
      return -1;
    }
    // The server reads a frame's 4-byte size, then the whole frame into one buffer: once such
    // a buffer is full, a request is complete and its client waits for the reply.
    if (buffer.capacity() > 4) {
      if (buffer.hasRemaining()) {
        if (frameSince == NOT_READING) {
          frameSince = System.nanoTime();
        }
      } else {
        frameSince = NOT_READING;
        if (n > 0 && awaiting.get() == 0) {
          awaitReply();
        }
      }
    }
    return n;
  }

  @Override
  public int write(ByteBuffer buffer) throws TTransportException {
    int n = super.write(buffer);
    if (n > 0) {
      lastActive = System.nanoTime();
    }
    if (!buffer.hasRemaining()) {
      answered(); // one buffer holds one whole reply
    }
    return n;
  }

  @Override
  public void close() {
    super.close();
    if (closed.compareAndSet(false, true)) {
      s.connections.remove(this);
      while (awaiting.get() > 0) {
        answered();
      }
      open.decrementAndGet();
    }
  }

  /** Checks the 4-byte size that starts a frame, as libthrift would next. */
  private boolean validFrameSize(ByteBuffer sizeBuffer) {
    return validFrameSize(sizeBuffer.getInt(0));
  }

  /** Whether a frame may be {@code size} bytes; logs and counts a refusal. */
  boolean validFrameSize(int size) {
    if (size > 0 && size <= getMaxFrameSize()) {
      return true;
    }
    s.invalidFrames.incrementAndGet();
    s.invalidFrameLog.warn(
        "closing a connection from {}: it announced a frame of {} bytes (allowed: 1 to {},"
            + " max-frame-bytes); is the client speaking framed Thrift?",
        remote(),
        size,
        getMaxFrameSize());
    return false;
  }

  /** Whether the connection has neither a request in progress nor had any for {@code limit}. */
  boolean idle(long now, long limit) {
    return frameSince == NOT_READING && awaiting.get() == 0 && now - lastActive > limit;
  }

  boolean frameStalled(long now, long limit) {
    long since = frameSince;
    return since != NOT_READING && now - since > limit;
  }

  /**
   * Makes the selector read end-of-stream, so that it closes the connection and frees its read
   * buffer itself (closing the channel from this thread would leave its buffer accounted).
   */
  void stopReading() {
    frameSince = NOT_READING;
    try {
      getSocketChannel().shutdownInput();
    } catch (IOException e) {
      log.debug("shutting down the input of a stalled connection failed", e);
    }
  }

  Object remote() {
    try {
      return getSocketChannel().getRemoteAddress();
    } catch (IOException e) {
      return "a closed socket";
    }
  }

  /**
   * A request was read: unless the server drains (it then answers the request at once, uncounted),
   * it awaits its reply. Returns whether it was counted: then {@link #answered} must follow once.
   */
  boolean awaitReply() {
    if (s.draining) {
      return false;
    }
    awaiting.incrementAndGet();
    s.unanswered.incrementAndGet();
    return true;
  }

  /** A counted request's reply was written whole (or the connection closed). */
  void answered() {
    int a;
    do {
      a = awaiting.get();
      if (a == 0) {
        return;
      }
    } while (!awaiting.compareAndSet(a, a - 1));
    if (s.unanswered.decrementAndGet() == 0) {
      synchronized (s.drained) {
        s.drained.notifyAll();
      }
    }
  }

  /** Bytes were read or written. */
  void touched() {
    lastActive = System.nanoTime();
  }

  /** Whether part of a request frame has been read and the rest has not. */
  void framePending(boolean pending) {
    if (!pending) {
      frameSince = NOT_READING;
    } else if (frameSince == NOT_READING) {
      frameSince = System.nanoTime();
    }
  }
}
