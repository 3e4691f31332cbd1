/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * The framed transport, except that a length or count may claim at most the bytes left in the
 * frame. The server hands each request to the protocol as one complete frame, so what is left in
 * the frame is what is left of the request.
 *
 * <p>Two more guards against libthrift 0.20: a frame whose last byte has its high bit set is
 * refused, because the compact protocol's fast varint decoder reads on past the end of the frame
 * looking for the varint's last byte (ArrayIndexOutOfBoundsException; a request always ends with a
 * stop byte, 0). And {@link #startRequest} drops what a refused request left unread of its frame,
 * which the next request on the connection would otherwise be decoded from.
 */
public final class FrameBoundedTransport extends TFramedTransport {
  private byte[] checkedFrame;

  public FrameBoundedTransport(TTransport base, int maxFrameBytes) throws TTransportException {
    super(base, maxFrameBytes);
  }

  /** A request begins: it is read from the next frame. */
  void startRequest() {
    consumeBuffer(getBytesRemainingInBuffer());
  }

  @Override
  public int read(byte[] buf, int off, int len) throws TTransportException {
    int n = super.read(buf, off, len);
    byte[] frame = getBuffer();
    if (frame != checkedFrame) {
      checkedFrame = frame;
      if (frame.length > 0 && frame[frame.length - 1] < 0) {
        throw new TTransportException(
            TTransportException.CORRUPTED_DATA,
            String.format(
                "the frame ends inside a varint (last byte 0x%02x): not a request",
                frame[frame.length - 1]));
      }
    }
    return n;
  }

  @Override
  public void checkReadBytesAvailable(long numBytes) throws TTransportException {
    if (numBytes < 0) {
      throw new TTransportException(
          TTransportException.CORRUPTED_DATA, "negative length or count " + numBytes);
    }
    int left = getBytesRemainingInBuffer();
    if (numBytes > left) {
      throw new TTransportException(
          TTransportException.END_OF_FILE,
          "a length or count claims "
              + numBytes
              + " bytes, only "
              + left
              + " are left in the frame");
    }
    super.checkReadBytesAvailable(numBytes);
  }
}
