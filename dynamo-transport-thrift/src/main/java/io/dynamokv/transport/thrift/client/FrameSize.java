/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.LimitExceededException;
import io.dynamokv.transport.thrift.InMemoryTransport;
import java.nio.ByteBuffer;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;

/**
 * The size of a request's frame before it is sent, so that one too large for the servers is refused
 * as certainly not applied: a server closes the connection on a frame over its limit, which the
 * client could only report as an unknown outcome. Counts the bytes the compact protocol would
 * write, without copying them.
 */
final class FrameSize {
  private FrameSize() {}

  /** The frame's payload bytes for a call of {@code method} with {@code args}. */
  static long of(String method, TBase<?, ?> args) {
    Counter counter = new Counter();
    TCompactProtocol protocol = new TCompactProtocol(counter);
    try {
      // The largest sequence id, so the count is an upper bound whatever id the call gets.
      protocol.writeMessageBegin(new TMessage(method, TMessageType.CALL, Integer.MAX_VALUE));
      args.write(protocol);
      protocol.writeMessageEnd();
    } catch (TException e) {
      throw new IllegalStateException("counting a frame cannot fail", e);
    }
    return counter.bytes;
  }

  /**
   * Refuses a write whose frame exceeds {@code maxFrameBytes}, naming the parts that make it big.
   *
   * @throws LimitExceededException certainly not applied: nothing was sent
   */
  static void check(
      String op,
      String method,
      TBase<?, ?> args,
      int maxFrameBytes,
      int keyBytes,
      int valueBytes,
      int contextBytes) {
    long size = of(method, args);
    if (size > maxFrameBytes) {
      throw new LimitExceededException(
          op
              + " refused by the client and not applied: the request needs a frame of "
              + size
              + " bytes (key "
              + keyBytes
              + ", value "
              + valueBytes
              + ", context "
              + contextBytes
              + "), more than the frame limit of "
              + maxFrameBytes
              + " bytes (the client's maxFrameBytes, which should match the servers')");
    }
  }

  /** A transport that only counts what is written to it. */
  private static final class Counter extends InMemoryTransport {
    long bytes;

    @Override
    public void write(byte[] buf, int off, int len) {
      bytes += len;
    }

    // The protocol writes binaries as buffers; TTransport's default would copy them first.
    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      bytes += n;
      src.position(src.limit());
      return n;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
      throw new UnsupportedOperationException("write-only");
    }
  }
}
