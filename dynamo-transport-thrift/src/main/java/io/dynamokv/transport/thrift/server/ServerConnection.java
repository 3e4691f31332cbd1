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
 * An accepted connection. Releases its slot when closed, and tracks whether its client waits for a
 * reply, so that {@link ThriftServer#close()} can wait until every request read before the drain is
 * answered on the wire.
 */
final class ServerConnection extends TNonblockingSocket {
  private static final Logger log = LoggerFactory.getLogger(ThriftServer.class);

  private static final long NOT_READING = Long.MIN_VALUE;

  private final ThriftServer s;
  private final AtomicInteger open;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean awaitingReply = new AtomicBoolean();

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
        if (n > 0 && !s.draining && awaitingReply.compareAndSet(false, true)) {
          s.unanswered.incrementAndGet();
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
      answered();
      open.decrementAndGet();
    }
  }

  /** Checks the 4-byte size that starts a frame, as libthrift would next. */
  private boolean validFrameSize(ByteBuffer sizeBuffer) {
    int size = sizeBuffer.getInt(0);
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
    return frameSince == NOT_READING && !awaitingReply.get() && now - lastActive > limit;
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

  private void answered() {
    if (awaitingReply.compareAndSet(true, false) && s.unanswered.decrementAndGet() == 0) {
      synchronized (s.drained) {
        s.drained.notifyAll();
      }
    }
  }
}
