/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TMemoryInputTransport;

/**
 * A plain {@link Socket} to a Thrift server, for sending bytes no Thrift client would, plus the
 * helpers to hand-craft framed compact-protocol messages and read the replies. Every read is
 * bounded by a timeout.
 */
final class RawConnection implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
  }

  static RawConnection open(int port) throws IOException {
    Socket s = new Socket();
    try {
      s.setSoTimeout(5_000);
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return new RawConnection(s);
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  void send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  void sendFrame(byte[] payload) throws IOException {
    send(framed(payload));
  }

  /** Half-closes: the server reads end-of-stream after what was sent. */
  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** Reads one reply frame, waiting at most {@code timeout}. */
  byte[] readFrame(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    int size = in.readInt();
    if (size < 0 || size > 64 * 1024 * 1024) {
      throw new IOException("implausible reply frame size " + size);
    }
    byte[] payload = new byte[size];
    in.readFully(payload);
    return payload;
  }

  /**
   * What the server did within {@code timeout}: the reply frames it sent and whether it closed the
   * connection. Returns early once the connection is closed or a whole reply frame has arrived.
   */
  Outcome await(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    InputStream raw = socket.getInputStream();
    byte[] buf = new byte[8192];
    boolean closed = false;
    while (true) {
      long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
      if (left <= 0) {
        break;
      }
      socket.setSoTimeout((int) left);
      try {
        int n = raw.read(buf);
        if (n < 0) {
          closed = true;
          break;
        }
        received.write(buf, 0, n);
        if (holdsWholeFrame(received.toByteArray())) {
          break;
        }
      } catch (SocketTimeoutException e) {
        break;
      } catch (SocketException e) {
        closed = true; // reset by the server
        break;
      }
    }
    return new Outcome(splitFrames(received.toByteArray()), closed);
  }

  /** Whether the server has closed the connection, waiting at most {@code timeout}. */
  boolean closedWithin(Duration timeout) throws IOException {
    return await(timeout).closed();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** Reply frames received and whether the server closed the connection afterwards. */
  record Outcome(List<byte[]> frames, boolean closed) {
    Optional<byte[]> firstFrame() {
      return frames.isEmpty() ? Optional.empty() : Optional.of(frames.get(0));
    }
  }

  // ---- message helpers ----

  /** The 4-byte big-endian length prefix of the framed transport, then the payload. */
  static byte[] framed(byte[] payload) {
    return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
  }

  /** A frame header announcing {@code size} bytes. */
  static byte[] header(int size) {
    return ByteBuffer.allocate(4).putInt(size).array();
  }

  /** A compact-protocol call of {@code method} with the given arguments struct. */
  static byte[] call(String method, int seqid, TBase<?, ?> args) {
    return call(method, seqid, p -> args.write(p));
  }

  /** A compact-protocol call of {@code method} whose arguments {@code body} writes by hand. */
  static byte[] call(String method, int seqid, ProtocolWriter body) {
    try {
      TMemoryBuffer buffer = new TMemoryBuffer(256);
      TProtocol p = new TCompactProtocol(buffer);
      p.writeMessageBegin(new TMessage(method, TMessageType.CALL, seqid));
      body.write(p);
      p.writeMessageEnd();
      return java.util.Arrays.copyOf(buffer.getArray(), buffer.length());
    } catch (TException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes by hand the start of a peer envelope from {@code sender} to {@code target}, up to the
   * header of its request's {@code frame} field: the caller writes the frame (whole or broken) and
   * closes the structs.
   */
  static void openEnvelopeFrame(TProtocol p, String sender, String target) throws TException {
    p.writeStructBegin(new TStruct("PeerEnvelope"));
    p.writeFieldBegin(new TField("sender", TType.STRING, (short) 1));
    p.writeString(sender);
    p.writeFieldEnd();
    p.writeFieldBegin(new TField("target", TType.STRING, (short) 2));
    p.writeString(target);
    p.writeFieldEnd();
    p.writeFieldBegin(new TField("request", TType.STRUCT, (short) 3));
    p.writeStructBegin(new TStruct("PeerRequest"));
    p.writeFieldBegin(new TField("frame", TType.STRUCT, (short) 5));
  }

  /** Writes a message body by hand. */
  @FunctionalInterface
  interface ProtocolWriter {
    void write(TProtocol p) throws TException;
  }

  /**
   * Decodes a reply frame into {@code result}, or returns the {@link TApplicationException} the
   * server sent instead.
   */
  static Optional<TApplicationException> decodeReply(byte[] payload, TBase<?, ?> result)
      throws TException {
    TProtocol p = new TCompactProtocol(new TMemoryInputTransport(payload));
    TMessage m = p.readMessageBegin();
    if (m.type == TMessageType.EXCEPTION) {
      return Optional.of(TApplicationException.readFrom(p));
    }
    if (m.type != TMessageType.REPLY) {
      throw new IllegalStateException("unexpected message type " + m.type);
    }
    result.read(p);
    p.readMessageEnd();
    return Optional.empty();
  }

  /** The message header of a reply frame. */
  static TMessage header(byte[] payload) throws TException {
    return new TCompactProtocol(new TMemoryInputTransport(payload)).readMessageBegin();
  }

  private static boolean holdsWholeFrame(byte[] bytes) {
    return bytes.length >= 4 && bytes.length - 4 >= ByteBuffer.wrap(bytes).getInt();
  }

  private static List<byte[]> splitFrames(byte[] bytes) throws EOFException {
    List<byte[]> frames = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.remaining() >= 4) {
      int size = b.getInt();
      if (size < 0 || size > b.remaining()) {
        throw new EOFException("truncated reply frame of " + size + " bytes");
      }
      byte[] frame = new byte[size];
      b.get(frame);
      frames.add(frame);
    }
    return frames;
  }
}
