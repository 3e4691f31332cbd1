/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.apache.thrift.transport.TNonblockingSocket;
import org.apache.thrift.transport.TTransportException;

/**
 * A connected non-blocking socket that refuses response frames over a size: the Thrift async client
 * would otherwise allocate whatever size a peer announces (and an OutOfMemoryError would kill its
 * selector thread). It reads the 4-byte size into a buffer of its own, checked here.
 */
final class CappedSocket extends TNonblockingSocket {
  private final int maxFrameBytes;

  CappedSocket(SocketChannel channel, int maxFrameBytes) throws IOException, TTransportException {
    super(channel);
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public int read(ByteBuffer buffer) throws TTransportException {
    int n = super.read(buffer);
    if (n > 0 && buffer.capacity() == 4 && !buffer.hasRemaining()) {
      int size = buffer.getInt(0);
      if (size < 0 || size > maxFrameBytes) {
        throw new OversizedFrameException(size, maxFrameBytes);
      }
    }
    return n;
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
