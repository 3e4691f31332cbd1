/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.Turn;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.Sealed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
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
 * One connection to a peer on an authenticated channel, carrying many {@code PeerService.exchange}
 * calls at once as framed Thrift calls; each reply names its call by the Thrift sequence id, which
 * is the channel's sequence number of the request, and replies come in any order.
 *
 * <p>The connection stays registered for reading with the transport's {@link PeerSelector} for its
 * whole life, idle or not. The calling thread numbers, seals and writes its request on the
 * non-blocking socket itself, under the connection's monitor, so that sequence numbers follow the
 * wire order and sending wakes no other thread. A thread in a {@link Turn} only queues its
 * requests; they go out in one write when its turn ends, with any other thread's queued meanwhile,
 * unless a thread outside a turn sends first and writes them all. Only what the socket cannot take
 * at once goes to the selector, and a request sent while the selector still writes others joins
 * them (one write for all). The selector reads whatever the socket holds in one call and delivers
 * every reply in it.
 *
 * <p>A call whose deadline passes fails alone while the peer looks alive (see {@link #expire}); its
 * late reply is checked and dropped. Otherwise the connection is closed and every call on it fails
 * by how far its request got.
 *
 * <p>Thread-safe: the calls in flight, their stages and the queue of unwritten requests are guarded
 * by the monitor; the read buffer belongs to the selector thread.
 */
final class PeerClient {
  /** How far an exchange got. */
  enum Stage {
    /** Part of the request may be written, not all: the peer cannot have processed it. */
    WRITING,
    /** The whole request is written: the peer may have applied it. */
    AWAITING,
    /** Its reply arrived and is being decoded. */
    RESPONSE_READ
  }

  private static final int READ_CHUNK = 16 * 1024;

  private static final ThreadLocal<TSerializer> SERIALIZER =
      ThreadLocal.withInitial(Channels::serializer);

  final SocketChannel socket;
  private final SecureChannel channel;
  private final PeerSelector selector;
  private final TProtocolFactory protocol;
  private final int maxResponseBytes;
  private final int maxAbandoned; // expired calls whose late replies may still come
  private final LongAdder requests; // the transport's count of requests sent
  private final LongAdder writes; // the transport's count of request writes
  private final Turn.Held turnEnded = this::turnEnded; // one identity: held once per turn
  private final TDeserializer deserializer; // selector thread only
  private SelectionKey key;

  // Guarded by this:
  private final Map<Integer, Exchange> calls = new HashMap<>();
  private final Map<Integer, Long> abandoned = new HashMap<>(); // seqid -> sequence
  private final ArrayDeque<Exchange> unwritten = new ArrayDeque<>(); // in wire order
  private boolean waitingForSocket; // the socket took not all: the selector writes the rest
  private long lastReply = System.nanoTime() - (1L << 62); // none yet: the peer has shown nothing
  private long lastWrite = System.nanoTime(); // when a write last took bytes
  private boolean closed;

  private ByteBuffer in = ByteBuffer.allocate(READ_CHUNK); // selector thread only
  private final ByteBuffer probe = ByteBuffer.allocate(1); // looksOpen, under the pool's monitor

  /**
   * The peer said this connection is done (it is shutting down, or its end of the channel refuses
   * everything): the pool gives it no more calls and closes it once its calls ended.
   */
  volatile boolean retiring;

  /** Calls the pool has given this connection and not yet taken back; the pool's monitor. */
  int load;

  /** When {@link #load} last dropped to 0; the pool's monitor. */
  long idleSince = System.nanoTime();

  /**
   * @param socket connected, with its channel opened ({@code channel}); made non-blocking here
   * @param requests counts each request sent
   * @param writes counts each write of requests to the socket (a system call)
   */
  PeerClient(
      SocketChannel socket,
      SecureChannel channel,
      PeerSelector selector,
      TProtocolFactory protocol,
      int maxResponseBytes,
      int maxCalls,
      LongAdder requests,
      LongAdder writes)
      throws IOException {
    this.requests = requests;
    this.writes = writes;
    this.socket = socket;
    this.maxAbandoned = maxCalls;
    this.channel = channel;
    this.selector = selector;
    this.protocol = protocol;
    this.maxResponseBytes = Math.min(maxResponseBytes, Integer.MAX_VALUE - 8); // 4 + size fits
    this.deserializer = Channels.deserializer(maxResponseBytes, 100_000);
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
   * The bytes of a request's envelope, made before a connection is taken (a failure here is the
   * call's own, not the connection's).
   */
  static byte[] serialize(PeerEnvelope envelope) throws TException {
    return SERIALIZER.get().serialize(envelope);
  }

  /**
   * Sends {@code payload} (a {@link #serialize serialized} envelope) as the channel's next request,
   * for {@code exchange}; returns once it is written, held for the end of this thread's {@link
   * Turn}, or queued for the selector. The exchange then ends through exactly one of its callbacks,
   * unless this throws.
   *
   * @throws TException if nothing can be sent: the connection is closed, or writing failed (the
   *     request is then incomplete, never processed, and the connection is closed)
   */
  void send(byte[] payload, Exchange exchange) throws TException {
    Turn turn = Turn.current();
    IOException failure;
    synchronized (this) {
      if (closed) {
        throw new TTransportException(TTransportException.NOT_OPEN, "connection closed");
      }
      long sequence = channel.nextSequence();
      Sealed sealed =
          new Sealed(
              sequence,
              ByteBuffer.wrap(payload),
              ByteBuffer.wrap(channel.sealRequest(sequence, payload)));
      exchange.sequence = sequence;
      exchange.seqid = (int) sequence;
      exchange.request = frame(sealed, exchange.seqid);
      exchange.stage = Stage.WRITING;
      calls.put(exchange.seqid, exchange);
      unwritten.add(exchange);
      if (waitingForSocket) {
        requests.increment();
        return; // the selector writes it after the others
      }
      if (turn != null) {
        requests.increment();
        turn.hold(turnEnded); // written when the turn ends, or sooner by another thread
        return;
      }
      failure = writeUnwritten();
      if (failure == null) {
        requests.increment();
        return;
      }
      calls.remove(exchange.seqid); // its caller hears of it through the exception
    }
    // A partial frame is never processed; the other unwritten requests fail as not sent.
    fail(failure);
    throw new TTransportException(TTransportException.UNKNOWN, failure);
  }

  /**
   * The end of a turn that held requests here: writes them and any queued meanwhile, unless another
   * thread wrote them first.
   */
  private void turnEnded() {
    IOException failure;
    synchronized (this) {
      if (closed || waitingForSocket || unwritten.isEmpty()) {
        return;
      }
      failure = writeUnwritten();
    }
    if (failure != null) {
      fail(failure);
    }
  }

  /**
   * Writes the unwritten requests in one (gathering) write, on the caller's thread; what the socket
   * does not take goes to the selector. Under the monitor, with the selector not writing.
   *
   * @return the write's failure, or null
   */
  private IOException writeUnwritten() {
    try {
      writeSome();
      if (!unwritten.isEmpty()) {
        waitingForSocket = true;
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        selector.wakeup(); // the selector starts writing at its next select
      }
      return null;
    } catch (IOException e) {
      return e;
    } catch (CancelledKeyException e) {
      return new IOException(e);
    }
  }

  /**
   * One write of the unwritten requests; those written whole leave the queue. Under the monitor.
   */
  private void writeSome() throws IOException {
    long n;
    if (unwritten.size() == 1) {
      n = socket.write(unwritten.peek().request);
    } else {
      ByteBuffer[] frames = new ByteBuffer[unwritten.size()];
      int i = 0;
      for (Exchange e : unwritten) {
        frames[i++] = e.request;
      }
      n = socket.write(frames);
    }
    writes.increment();
    if (n > 0) {
      lastWrite = System.nanoTime();
    }
    Exchange e;
    while ((e = unwritten.peek()) != null && !e.request.hasRemaining()) {
      unwritten.poll();
      written(e);
    }
  }

  private void written(Exchange e) {
    e.stage = Stage.AWAITING;
    e.request = null;
  }

  /** The request as one frame: its size, then the Thrift call. */
  private ByteBuffer frame(Sealed request, int seqid) throws TException {
    TByteArrayOutputStream out = new TByteArrayOutputStream(request.getPayload().length + 128);
    out.write(0); // the size, set below
    out.write(0);
    out.write(0);
    out.write(0);
    TProtocol writer = protocol.getProtocol(new TIOStreamTransport(out));
    writer.writeMessageBegin(new TMessage("exchange", TMessageType.CALL, seqid));
    new PeerService.exchange_args(request).write(writer);
    writer.writeMessageEnd();
    ByteBuffer frame = ByteBuffer.wrap(out.get(), 0, out.len());
    frame.putInt(0, out.len() - 4);
    return frame;
  }

  /**
   * The response a sealed reply to {@code exchange} carries.
   *
   * @throws io.dynamokv.core.AuthenticationException if its sequence or MAC is wrong
   * @throws TException if it does not decode
   */
  PeerResponse open(Sealed reply, Exchange exchange) throws TException {
    if (reply.getSequence() != exchange.sequence) {
      throw new AuthenticationException(
          "the reply to call "
              + exchange.seqid
              + " names request "
              + reply.getSequence()
              + ", not "
              + exchange.sequence);
    }
    return Channels.openReply(channel, deserializer, reply, new PeerResponse());
  }

  /**
   * Whether a connection without calls can carry one: neither side has closed it. The selector
   * notices a peer's close on its own, but perhaps after a call took the connection: a non-blocking
   * read (one syscall, no wake-up) sees it first, so that a call to a peer that just stopped fails
   * as not sent rather than as possibly applied. Only while no reply can come (the probe would take
   * its first byte).
   */
  boolean looksOpen() {
    synchronized (this) {
      if (closed) {
        return false;
      }
      if (!calls.isEmpty() || !abandoned.isEmpty()) {
        return true;
      }
    }
    int n;
    try {
      n = socket.read(probe.clear()); // a connection awaiting nothing has nothing to read
    } catch (IOException e) {
      n = -1;
    }
    if (n != 0) {
      fail(new TTransportException(TTransportException.END_OF_FILE, "closed by the peer"));
      return false;
    }
    return true;
  }

  /** Whether requests wait for the socket to take them (the peer reads slowly). */
  synchronized boolean backedUp() {
    return waitingForSocket;
  }

  /**
   * The deadline of {@code exchange} passed. If it is still in flight here, it fails with a {@link
   * TimeoutException}, alone while the peer looks alive: its request was written whole and the peer
   * answered something within the last timeout, or the request is still being written and the
   * socket took bytes within the last half timeout (the peer reads, if slowly: the request will go
   * out, so the call may be applied; the write when the call started does not count), or the
   * request waits for a {@link Turn} to end rather than for the socket (the delay is this node's).
   * Otherwise the peer is taken for stuck: the connection is closed and every call on it fails by
   * how far its request got.
   */
  void expire(Exchange exchange, long timeoutNanos) {
    boolean alone;
    synchronized (this) {
      if (calls.get(exchange.seqid) != exchange || exchange.stage == Stage.RESPONSE_READ) {
        return; // done, or its reply is being decoded and completes it now
      }
      long now = System.nanoTime();
      alone =
          abandoned.size() < maxAbandoned
              && (exchange.stage == Stage.AWAITING
                  ? now - lastReply < timeoutNanos
                  : !waitingForSocket || now - lastWrite < timeoutNanos / 2);
      if (alone) {
        calls.remove(exchange.seqid);
        abandoned.put(exchange.seqid, exchange.sequence);
      }
    }
    if (alone) {
      exchange.failedAlone(new TimeoutException(exchange.timeoutMessage()), Stage.AWAITING);
    } else {
      failAll(
          exchange,
          new TTransportException(
              TTransportException.NOT_OPEN, "connection closed: the peer answered nothing in time"),
          false);
    }
  }

  /** Closes the connection; the calls in flight fail as broken. */
  void close() {
    fail(new TTransportException(TTransportException.NOT_OPEN, "connection closed"));
  }

  /** On the selector thread: the requests the socket could not take at once. */
  void onWritable() {
    IOException error;
    synchronized (this) {
      if (closed || unwritten.isEmpty()) {
        return;
      }
      try {
        writeSome();
        if (unwritten.isEmpty()) {
          waitingForSocket = false;
          key.interestOps(SelectionKey.OP_READ);
        }
        return;
      } catch (IOException e) {
        error = e;
      } catch (CancelledKeyException e) {
        error = new IOException(e);
      }
    }
    fail(error);
  }

  /** On the selector thread: reads what the socket holds and delivers every reply in it. */
  void onReadable() {
    try {
      int n = socket.read(in);
      if (n < 0) {
        throw new TTransportException(TTransportException.END_OF_FILE, "closed by the peer");
      }
      byte[] frame;
      while ((frame = nextFrame()) != null) {
        deliver(frame);
        synchronized (this) {
          if (closed) {
            return;
          }
        }
      }
    } catch (OversizedFrameException e) {
      failAll(null, e, true); // a reply to some call
    } catch (IOException | TTransportException e) {
      fail(e);
    }
  }

  /**
   * The next reply frame the buffer holds whole, or null; grows the buffer for a larger frame.
   *
   * @throws TTransportException if the frame's size is refused
   */
  private byte[] nextFrame() throws TTransportException {
    int end = in.position();
    if (end < 4) {
      return null;
    }
    int size = in.getInt(0);
    if (size < 0 || size > maxResponseBytes) {
      throw new OversizedFrameException(size, maxResponseBytes);
    }
    int whole = 4 + size;
    if (end < whole) {
      if (in.capacity() < whole) {
        in = ByteBuffer.allocate(whole).put(in.flip());
      }
      return null;
    }
    byte[] frame = new byte[size];
    in.get(4, frame);
    int left = end - whole;
    if (in.capacity() > READ_CHUNK && left <= READ_CHUNK) {
      ByteBuffer small = ByteBuffer.allocate(READ_CHUNK);
      small.put(in.array(), whole, left);
      in = small;
    } else {
      System.arraycopy(in.array(), whole, in.array(), 0, left);
      in.position(left);
    }
    return frame;
  }

  /** Hands a reply frame to its exchange; a reply nobody awaits closes the connection. */
  private void deliver(byte[] frame) {
    TProtocol p;
    TMessage message;
    try {
      p = protocol.getProtocol(new TMemoryInputTransport(frame));
      message = p.readMessageBegin();
    } catch (TException | RuntimeException e) {
      failAll(null, e, true); // a reply to some call, which one is unknown
      return;
    }
    Exchange e;
    Long late = null;
    synchronized (this) {
      lastReply = System.nanoTime();
      e = calls.get(message.seqid);
      if (e != null && e.stage == Stage.AWAITING) {
        e.stage = Stage.RESPONSE_READ;
      } else {
        e = null;
        late = abandoned.remove(message.seqid);
      }
    }
    if (e == null) {
      if (late != null) {
        dropLate(p, message, late);
      } else {
        fail(
            new TTransportException(
                TTransportException.CORRUPTED_DATA,
                "the peer sent a reply nobody awaits (call " + message.seqid + ")"));
      }
      return;
    }
    Sealed reply;
    try {
      reply = decode(p, message);
    } catch (DynamoError | TApplicationException error) {
      // An answer, not a broken connection: this call fails, the others go on. An answer about
      // the node or the channel rather than the call retires the connection.
      if (error instanceof DynamoError d
          && (d.getCode() == ErrorCode.SHUTTING_DOWN || d.getCode() == ErrorCode.UNAUTHENTICATED)) {
        retiring = true;
      }
      synchronized (this) {
        calls.remove(e.seqid);
        channel.forget(e.sequence);
      }
      e.failedAlone(error, Stage.RESPONSE_READ);
      return;
    } catch (TException | RuntimeException error) {
      synchronized (this) {
        calls.remove(e.seqid);
      }
      e.failed(error, Stage.RESPONSE_READ); // a malformed response; discards the connection
      return;
    }
    synchronized (this) {
      calls.remove(e.seqid);
    }
    e.completed(reply);
  }

  /** The late reply of an expired call: checked like any (a bad one closes the connection). */
  private void dropLate(TProtocol p, TMessage message, long sequence) {
    try {
      Sealed reply = decode(p, message);
      if (reply.getSequence() != sequence) {
        throw new AuthenticationException("a late reply names the wrong request");
      }
      channel.openReply(sequence, reply.getPayload(), reply.getMac());
    } catch (DynamoError | TApplicationException error) {
      synchronized (this) {
        channel.forget(sequence);
      }
    } catch (TException | RuntimeException error) {
      fail(error);
    }
  }

  /**
   * The {@code exchange} reply a frame carries.
   *
   * @throws TException if it is an exception (a {@code DynamoError} or an application error) or
   *     does not decode
   */
  private static Sealed decode(TProtocol p, TMessage message) throws TException {
    if (message.type == TMessageType.EXCEPTION) {
      throw TApplicationException.readFrom(p);
    }
    if (message.type != TMessageType.REPLY || !"exchange".equals(message.name)) {
      throw new TTransportException(
          TTransportException.CORRUPTED_DATA, "expected the reply to exchange, got " + message);
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
    throw new TTransportException(
        TTransportException.CORRUPTED_DATA, "the exchange reply has no result");
  }

  /** Closes the connection; every call in flight fails with {@code error}. */
  private void fail(Exception error) {
    failAll(null, error, false);
  }

  /**
   * Closes the connection; the calls in flight fail, each classified by how far it got: {@code
   * expired} with a timeout, the others with {@code error}. With {@code badReply}, {@code error} is
   * a reply frame that did not decode (or was too large): it is the call's whose reply it is if
   * only one call awaits one (its outcome is a malformed response), else nobody knows whose, and
   * every call fails as if the connection broke.
   */
  private void failAll(Exchange expired, Exception error, boolean badReply) {
    List<Exchange> failed;
    List<Stage> stages = new ArrayList<>();
    Exchange blamed = null;
    synchronized (this) {
      failed = new ArrayList<>();
      for (Exchange e : calls.values()) {
        if (e.stage != Stage.RESPONSE_READ) { // the selector decodes its reply and completes it
          failed.add(e);
        }
      }
      int awaiting = 0;
      for (Exchange e : failed) {
        stages.add(e.stage);
        if (e.stage == Stage.AWAITING) {
          awaiting++;
          blamed = e;
        }
      }
      if (!badReply || awaiting != 1 || !abandoned.isEmpty()) {
        blamed = null;
      }
      calls.clear();
      abandoned.clear();
      closeLocked();
    }
    selector.wakeup(); // a closed channel's socket is released by the selector's next select
    Exception broken =
        badReply
            ? new TTransportException(
                TTransportException.CORRUPTED_DATA,
                "connection closed: a reply was refused: " + error)
            : error;
    for (int i = 0; i < failed.size(); i++) {
      Exchange e = failed.get(i);
      if (e == expired) {
        e.failed(new TimeoutException(e.timeoutMessage()), stages.get(i));
      } else if (e == blamed) {
        e.failed(error, Stage.RESPONSE_READ);
      } else {
        e.failed(broken, stages.get(i));
      }
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    unwritten.clear();
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
