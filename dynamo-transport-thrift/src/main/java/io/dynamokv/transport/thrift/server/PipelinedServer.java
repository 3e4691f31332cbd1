/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.transport.thrift.FrameBoundedTransport;
import io.dynamokv.transport.thrift.InboundConnection;
import io.dynamokv.transport.thrift.ThrottledLog;
import io.dynamokv.transport.thrift.Turn;
import io.dynamokv.transport.thrift.gen.DynamoError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.thrift.AsyncProcessFunction;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TBase;
import org.apache.thrift.TByteArrayOutputStream;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.protocol.TProtocolUtil;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TIOStreamTransport;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TNonblockingServerSocket;
import org.apache.thrift.transport.TNonblockingSocket;
import org.apache.thrift.transport.TTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer listener's server: many requests of one connection in flight at once, answered in the
 * order they complete (each reply names its request by the Thrift sequence id), so that a peer
 * needs one connection, not one per call in flight.
 *
 * <p>Per connection and per wake-up, its selector thread reads whatever the socket holds in one
 * read and handles every whole frame in it, in order, on that thread (handlers never block; a peer
 * channel checks that requests arrive in sequence, so they must not be handled out of order). The
 * replies the handlers complete meanwhile, on the selector thread itself, are written together
 * after the last frame, in one write. A reply completed on another thread (the node's, the
 * group-commit thread) is written by that thread, unless the socket is backed up: then it joins the
 * queue the selector writes.
 *
 * <p>The listener's limits hold as with libthrift's server ({@link ThriftServer}): a frame size out
 * of range closes the connection, read buffers beyond the initial one share {@code
 * maxReadBufferBytes} (a connection whose frame would exceed it is closed), a partial frame older
 * than {@code frameReadTimeout} and a connection idle for {@code idleTimeout} are closed by the
 * server's sweeper, decoding is bounded by the frame. A connection stops being read while it has
 * {@value #MAX_UNANSWERED} requests unanswered or {@value #MAX_QUEUED_REPLY_BYTES} bytes of replies
 * unwritten (its peer does not read), and is read again once they drain.
 */
final class PipelinedServer implements ThriftServer.Engine {
  private static final Logger log = LoggerFactory.getLogger(PipelinedServer.class);

  static final int MAX_UNANSWERED = 1024;
  static final int MAX_QUEUED_REPLY_BYTES = 4 * 1024 * 1024;
  private static final int READ_CHUNK = 16 * 1024;

  private final TNonblockingServerSocket socket;
  private final Map<String, ? extends AsyncProcessFunction<Object, ?, ?>> functions;
  private final Map<String, Supplier<TBase<?, ?>>> results;
  private final TProtocolFactory protocol;
  private final int maxFrameBytes;
  private final long maxReadBufferBytes;
  private final AtomicLong readBufferBytes = new AtomicLong();
  private final AtomicLong directReplies;
  private final Runnable onServing;
  private final String threadName;
  private final List<SelectorThread> selectors = new ArrayList<>();
  private final ThrottledLog bufferLog = new ThrottledLog(log, Duration.ofSeconds(10));
  private final ThrottledLog protocolLog = new ThrottledLog(log, Duration.ofSeconds(10));
  private volatile Selector acceptSelector;
  private volatile boolean serving;
  private volatile boolean stopped;

  /**
   * @param functions the service's methods by name (each answers through its callback)
   * @param results a new, empty result struct of each method, by name: field 0 is its success,
   *     field 1 its declared {@link DynamoError}
   * @param directReplies counts replies written whole by a thread other than the selector
   * @param onServing run once the server accepts connections
   */
  PipelinedServer(
      TNonblockingServerSocket socket,
      ThriftServerConfig config,
      Map<String, ? extends AsyncProcessFunction<Object, ?, ?>> functions,
      Map<String, Supplier<TBase<?, ?>>> results,
      AtomicLong directReplies,
      Runnable onServing,
      String threadName) {
    this.socket = socket;
    this.functions = functions;
    this.results = results;
    this.protocol = ThriftServer.protocolFactory(config);
    this.maxFrameBytes = config.maxFrameBytes();
    this.maxReadBufferBytes = config.maxReadBufferBytes();
    this.directReplies = directReplies;
    this.onServing = onServing;
    this.threadName = threadName;
    for (int i = 0; i < config.selectorThreads(); i++) {
      try {
        selectors.add(new SelectorThread(threadName + i));
      } catch (IOException e) {
        selectors.forEach(SelectorThread::closeSelector);
        throw new IllegalStateException("cannot open a selector", e);
      }
    }
  }

  @Override
  public boolean isServing() {
    return serving;
  }

  /** Accepts connections on this thread, handing them to the selector threads in turn. */
  @Override
  public void serve() {
    try (Selector accepting = Selector.open()) {
      acceptSelector = accepting;
      socket.registerSelector(accepting);
      selectors.forEach(Thread::start);
      serving = true;
      onServing.run();
      int next = 0;
      while (!stopped) {
        accepting.select();
        accepting.selectedKeys().clear();
        TNonblockingSocket accepted;
        while (!stopped && (accepted = socket.accept()) != null) {
          selectors.get(next++ % selectors.size()).add((ServerConnection) accepted);
        }
      }
    } catch (IOException | TTransportException | RuntimeException e) {
      if (!stopped) {
        log.error("the {} accept loop stopped on an error", threadName, e);
      }
    } finally {
      serving = false;
      stopped = true;
      for (SelectorThread t : selectors) {
        t.shutdown();
      }
      for (SelectorThread t : selectors) {
        if (t.getState() == Thread.State.NEW) {
          t.closeSelector(); // serving failed before it started
          continue;
        }
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  @Override
  public void stop() {
    stopped = true;
    Selector a = acceptSelector;
    if (a != null) {
      a.wakeup();
    }
  }

  /** One selector thread and its connections. */
  private final class SelectorThread extends Thread {
    private final Selector selector;
    private final ConcurrentLinkedQueue<ServerConnection> accepted = new ConcurrentLinkedQueue<>();

    SelectorThread(String name) throws IOException {
      super(name);
      setDaemon(true);
      this.selector = Selector.open();
    }

    void add(ServerConnection c) {
      accepted.add(c);
      selector.wakeup();
    }

    void shutdown() {
      selector.wakeup();
    }

    void closeSelector() {
      try {
        selector.close();
      } catch (IOException e) {
        log.warn("closing a {} selector failed", threadName, e);
      }
    }

    @Override
    public void run() {
      try {
        while (!stopped) {
          selector.select();
          Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
          Turn turn = Turn.begin(); // the requests the node makes of one peer leave together
          try {
            while (keys.hasNext()) {
              SelectionKey key = keys.next();
              keys.remove();
              Connection c = (Connection) key.attachment();
              try {
                if (!key.isValid()) {
                  c.close();
                  continue;
                }
                if (key.isWritable()) {
                  c.onWritable();
                }
                if (key.isValid() && key.isReadable()) {
                  c.onReadable();
                }
              } catch (CancelledKeyException e) {
                c.close();
              } catch (RuntimeException | OutOfMemoryError e) {
                log.error("a {} connection failed on its selector; closing it", threadName, e);
                c.close();
              }
            }
          } finally {
            if (turn != null) {
              turn.end();
            }
          }
          ServerConnection next;
          while ((next = accepted.poll()) != null) {
            register(next);
          }
        }
      } catch (IOException | RuntimeException e) {
        if (!stopped) {
          log.error("a {} selector stopped on an error; stopping the server", threadName, e);
          PipelinedServer.this.stop();
        }
      } finally {
        ServerConnection left;
        while ((left = accepted.poll()) != null) {
          left.close();
        }
        try {
          for (SelectionKey key : selector.keys()) {
            ((Connection) key.attachment()).close();
          }
          selector.close();
        } catch (IOException | ClosedSelectorException e) {
          log.warn("closing a {} selector failed", threadName, e);
        }
      }
    }

    private void register(ServerConnection c) {
      if (stopped) {
        c.close();
        return;
      }
      try {
        SocketChannel channel = c.getSocketChannel();
        channel.configureBlocking(false);
        Connection connection = new Connection(c, this);
        connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
      } catch (IOException e) {
        log.warn("registering an accepted {} connection failed", threadName, e);
        c.close();
      }
    }
  }

  /** What a reply frame carries after its message header. */
  @FunctionalInterface
  private interface Body {
    void write(TProtocol p) throws TException;
  }

  /** A queued reply: its frame, and whether its request was counted as awaiting it. */
  private record Reply(ByteBuffer frame, boolean counted) {}

  /**
   * One connection: read and handled on its selector thread; its replies are queued and written
   * under its monitor by whichever thread completes them.
   */
  private final class Connection {
    private final ServerConnection sc;
    private final SocketChannel channel;
    private final SelectorThread owner;
    private final InboundConnection state = new InboundConnection();
    private SelectionKey key;
    private ByteBuffer in = ByteBuffer.allocate(READ_CHUNK); // selector thread only

    // Guarded by this:
    private final ArrayDeque<Reply> out = new ArrayDeque<>();
    private long queuedBytes;
    private int unanswered;
    private boolean handling; // the selector handles a read: it writes the replies after
    private int interest = SelectionKey.OP_READ;
    private long reserved; // bytes of in beyond READ_CHUNK, taken from the shared budget
    private boolean closed;

    Connection(ServerConnection sc, SelectorThread owner) {
      this.sc = sc;
      this.channel = sc.getSocketChannel();
      this.owner = owner;
    }

    void onReadable() {
      int n;
      try {
        n = channel.read(in);
      } catch (IOException e) {
        n = -1;
      }
      if (n < 0) {
        close();
        return;
      }
      if (n > 0) {
        sc.touched();
      }
      synchronized (this) {
        handling = true;
      }
      try {
        handleFrames();
      } finally {
        synchronized (this) {
          handling = false;
          if (!closed) {
            flushLocked();
          }
        }
      }
    }

    void onWritable() {
      synchronized (this) {
        if (!closed) {
          flushLocked();
        }
      }
    }

    /** Handles every whole frame the buffer holds, then keeps the partial one, if any. */
    private void handleFrames() {
      byte[] bytes = in.array();
      int end = in.position();
      int at = 0;
      while (end - at >= 4 && !isClosed()) {
        int size = ByteBuffer.wrap(bytes, at, 4).getInt();
        if (!sc.validFrameSize(size)) {
          close();
          return;
        }
        if (end - at - 4 < size) {
          break;
        }
        handle(bytes, at, size);
        at += 4 + size;
      }
      if (isClosed()) {
        return;
      }
      int left = end - at;
      int need = left >= 4 ? 4 + ByteBuffer.wrap(bytes, at, 4).getInt() : 0;
      int capacity = Math.max(READ_CHUNK, need);
      if (capacity != in.capacity()) {
        if (!resize(capacity)) {
          if (isClosed()) {
            return;
          }
          bufferLog.warn(
              "closing a {} connection from {}: a frame of {} bytes would exceed the read buffers"
                  + " the listener may hold (max-read-buffer-bytes {})",
              threadName,
              sc.remote(),
              need - 4,
              maxReadBufferBytes);
          close();
          return;
        }
        ByteBuffer next = ByteBuffer.allocate(capacity);
        next.put(bytes, at, left);
        in = next;
      } else if (at > 0) {
        System.arraycopy(bytes, at, bytes, 0, left);
        in.position(left);
      }
      if (at > 0) {
        sc.framePending(false); // a frame was completed: the clock starts again for the next
      }
      sc.framePending(left > 0);
    }

    /**
     * Takes from (or gives back to) the listener's read-buffer budget what a read buffer of {@code
     * capacity} holds beyond the first chunk; false (nothing taken) if the budget cannot hold it.
     * Under the monitor, so that a close on another thread gives back exactly what was taken.
     */
    private synchronized boolean resize(int capacity) {
      if (closed) {
        return false;
      }
      long more = capacity - READ_CHUNK - reserved;
      if (more > 0 && readBufferBytes.addAndGet(more) > maxReadBufferBytes) {
        readBufferBytes.addAndGet(-more);
        return false;
      }
      if (more < 0) {
        readBufferBytes.addAndGet(more);
      }
      reserved = capacity - READ_CHUNK;
      return true;
    }

    /** Decodes one request frame and starts its method; a malformed one closes the connection. */
    private void handle(byte[] bytes, int at, int size) {
      TMessage message;
      AsyncProcessFunction<Object, ?, ?> fn;
      TBase<?, ?> args = null;
      try {
        // The framed transport copies the frame into an array of its own (decoded fields may
        // share it; the read buffer is reused). reset, unlike the constructor, leaves the
        // message size limit to that transport.
        TMemoryInputTransport raw = new TMemoryInputTransport();
        raw.reset(bytes, at, 4 + size);
        TProtocol p = protocol.getProtocol(new FrameBoundedTransport(raw, maxFrameBytes));
        message = p.readMessageBegin();
        if (message.type != TMessageType.CALL) {
          throw new TApplicationException(
              TApplicationException.INVALID_MESSAGE_TYPE, "not a call: " + message);
        }
        fn = functions.get(message.name);
        if (fn == null) {
          TProtocolUtil.skip(p, TType.STRUCT);
        } else {
          args = fn.getEmptyArgsInstance();
          args.read(p);
        }
        p.readMessageEnd();
      } catch (TException | RuntimeException e) {
        protocolLog.warn(
            "closing a {} connection from {}: a request does not decode: {}",
            threadName,
            sc.remote(),
            e.toString());
        close();
        return;
      }
      boolean counted = sc.awaitReply();
      synchronized (this) {
        unanswered++;
      }
      Callback callback = new Callback(this, message, counted);
      if (fn == null) {
        callback.reply(
            new TApplicationException(
                TApplicationException.UNKNOWN_METHOD, "unknown method " + message.name));
        return;
      }
      try {
        startCall(fn, args, callback);
      } catch (TException | RuntimeException e) {
        callback.onError(e);
      }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void startCall(AsyncProcessFunction fn, TBase<?, ?> args, Callback callback)
        throws TException {
      fn.start(null, args, callback);
    }

    /** Queues a reply; writes it now unless the selector is about to, or the socket is full. */
    void send(ByteBuffer frame, boolean counted) {
      boolean wake;
      synchronized (this) {
        unanswered--;
        if (closed) {
          return; // closing the connection answered its counted requests
        }
        out.add(new Reply(frame, counted));
        queuedBytes += frame.remaining();
        boolean selectorThread = Thread.currentThread() == owner;
        if ((handling && selectorThread) || (interest & SelectionKey.OP_WRITE) != 0) {
          return; // the selector writes it with the others
        }
        boolean whole = out.size() == 1;
        wake = flushLocked() && !selectorThread;
        if (whole && out.isEmpty() && !selectorThread) {
          directReplies.incrementAndGet();
        }
      }
      if (wake) {
        owner.selector.wakeup();
      }
    }

    /**
     * Writes what the socket takes of the queued replies and sets the interests that follow;
     * whether an interest was added (the selector must wake to see it).
     */
    private boolean flushLocked() {
      if (!out.isEmpty()) {
        ByteBuffer[] frames = new ByteBuffer[out.size()];
        int i = 0;
        for (Reply r : out) {
          frames[i++] = r.frame();
        }
        try {
          long n = channel.write(frames);
          if (n > 0) {
            sc.touched();
            queuedBytes -= n;
          }
        } catch (IOException e) {
          closeLocked();
          return false;
        }
        Reply r;
        while ((r = out.peek()) != null && !r.frame().hasRemaining()) {
          out.poll();
          if (r.counted()) {
            sc.answered();
          }
        }
      }
      int wanted =
          (out.isEmpty() ? 0 : SelectionKey.OP_WRITE)
              | (unanswered < MAX_UNANSWERED && queuedBytes < MAX_QUEUED_REPLY_BYTES
                  ? SelectionKey.OP_READ
                  : 0);
      if (wanted == interest) {
        return false;
      }
      boolean added = (wanted & ~interest) != 0;
      if ((wanted & SelectionKey.OP_READ) == 0) {
        sc.framePending(false); // reading paused by the server: the client is not stalled
      }
      interest = wanted;
      try {
        key.interestOps(wanted);
      } catch (CancelledKeyException e) {
        closeLocked();
        return false;
      }
      return added;
    }

    private synchronized boolean isClosed() {
      return closed;
    }

    void close() {
      synchronized (this) {
        closeLocked();
      }
    }

    private void closeLocked() {
      if (closed) {
        return;
      }
      closed = true;
      out.clear();
      if (key != null) {
        key.cancel();
      }
      sc.close(); // answers what is still counted
      readBufferBytes.addAndGet(-reserved);
      reserved = 0;
    }
  }

  /** The callback of one request: serializes its reply and hands it to its connection, once. */
  private final class Callback implements InboundConnection.Bound<Object> {
    private final Connection connection;
    private final TMessage call;
    private final boolean counted;
    private final AtomicBoolean answered = new AtomicBoolean();

    Callback(Connection connection, TMessage call, boolean counted) {
      this.connection = connection;
      this.call = call;
      this.counted = counted;
    }

    @Override
    public InboundConnection connection() {
      return connection.state;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void onComplete(Object response) {
      TBase result = results.get(call.name).get();
      result.setFieldValue(result.fieldForId(0), response);
      reply(result);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void onError(Exception e) {
      if (e instanceof DynamoError error) {
        TBase result = results.get(call.name).get();
        result.setFieldValue(result.fieldForId(1), error);
        reply(result);
      } else {
        reply(new TApplicationException(TApplicationException.INTERNAL_ERROR, e.toString()));
      }
    }

    /** Sends {@code result}, a method's result struct. */
    void reply(TBase<?, ?> result) {
      send(TMessageType.REPLY, result::write);
    }

    /** Sends {@code error} as the call's exception. */
    void reply(TApplicationException error) {
      send(TMessageType.EXCEPTION, error::write);
    }

    private void send(byte type, Body body) {
      if (!answered.compareAndSet(false, true)) {
        return;
      }
      ByteBuffer frame;
      try {
        frame = frame(type, body);
      } catch (TException | RuntimeException e) {
        log.error("{}: encoding the reply to {} failed", threadName, call.name, e);
        TApplicationException error =
            new TApplicationException(TApplicationException.INTERNAL_ERROR, e.toString());
        try {
          frame = frame(TMessageType.EXCEPTION, error::write);
        } catch (TException | RuntimeException again) {
          connection.close();
          return;
        }
      }
      connection.send(frame, counted);
    }

    private ByteBuffer frame(byte type, Body body) throws TException {
      TByteArrayOutputStream bytes = new TByteArrayOutputStream(256);
      bytes.write(0); // the size, set below
      bytes.write(0);
      bytes.write(0);
      bytes.write(0);
      TProtocol p = new TCompactProtocol(new TIOStreamTransport(bytes));
      p.writeMessageBegin(new TMessage(call.name, type, call.seqid));
      body.write(p);
      p.writeMessageEnd();
      ByteBuffer frame = ByteBuffer.wrap(bytes.get(), 0, bytes.len());
      frame.putInt(0, bytes.len() - 4);
      return frame;
    }
  }
}
