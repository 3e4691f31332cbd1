/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.transport.thrift.Turn;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.Collection;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.thrift.server.TThreadedSelectorServer;
import org.apache.thrift.transport.TNonblockingTransport;
import org.apache.thrift.transport.TTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TThreadedSelectorServer} whose replies are written by the thread that completes them.
 *
 * <p>libthrift hands every reply completed off the connection's selector thread (by the node's
 * thread, a peer reply's selector, the group-commit thread) back to that selector: it queues an
 * interest change and wakes the selector, which registers for writing, wakes again when the socket
 * is writable, and writes. That is two selector wake-ups per such reply, on a loopback socket that
 * is almost always writable. Here the completing thread writes the reply itself, without blocking
 * (the socket is non-blocking); only a reply the socket cannot take whole goes back to the
 * selector, which writes the rest as before.
 *
 * <p>For that the connection stays registered for reading while its request is handled (libthrift
 * deregisters it), so that a thread other than the selector can make it ready for the next request.
 * A read event during a request (a client that sends its next request before the reply, or closes)
 * deregisters it as libthrift would, and that request's reply then takes the selector's path; the
 * request read is never invoked twice.
 */
class DirectReplyServer extends TThreadedSelectorServer {
  private static final Logger log = LoggerFactory.getLogger(DirectReplyServer.class);

  /**
   * libthrift's {@code FrameBuffer.state_}, whose enum type is package-private: what its own {@code
   * prepareRead} sets after a reply is written, set here by a thread that wrote it.
   */
  private static final Field STATE;

  private static final Object READING_FRAME_SIZE;
  private static final Object WRITING;
  private static final Object AWAITING_REGISTER_WRITE;
  private static final Object AWAITING_REGISTER_READ;

  static {
    try {
      STATE = FrameBuffer.class.getDeclaredField("state_");
      STATE.setAccessible(true);
      READING_FRAME_SIZE = enumConstant(STATE.getType(), "READING_FRAME_SIZE");
      WRITING = enumConstant(STATE.getType(), "WRITING");
      AWAITING_REGISTER_WRITE = enumConstant(STATE.getType(), "AWAITING_REGISTER_WRITE");
      AWAITING_REGISTER_READ = enumConstant(STATE.getType(), "AWAITING_REGISTER_READ");
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object enumConstant(Class<?> type, String name) {
    return Enum.valueOf((Class) type, name);
  }

  private final int selectors;
  private final int acceptQueue;
  private final AtomicLong directReplies;
  private final String threadName;

  /**
   * @param directReplies counts the replies that a thread other than the connection's selector
   *     completed and wrote whole
   * @param threadName the selector threads' names, followed by their number
   */
  DirectReplyServer(Args args, AtomicLong directReplies, String threadName) {
    super(args);
    if (!processorFactory_.isAsyncProcessor()) {
      throw new IllegalArgumentException("DirectReplyServer serves asynchronous processors only");
    }
    this.threadName = threadName;
    this.selectors = args.getSelectorThreads();
    this.acceptQueue = args.getAcceptQueueSizePerThread();
    this.directReplies = directReplies;
    // libthrift creates its selector threads in startThreads, with no factory to override; with
    // none to create it hands the empty set to createSelectorThreadLoadBalancer, which fills it.
    // (This changes the caller's args, which serve this server only.)
    args.selectorThreads = 0;
  }

  @Override
  protected SelectorThreadLoadBalancer createSelectorThreadLoadBalancer(
      Collection<? extends SelectorThread> threads) {
    @SuppressWarnings("unchecked")
    Collection<SelectorThread> set = (Collection<SelectorThread>) threads;
    if (set.isEmpty()) {
      try {
        for (int i = 0; i < selectors; i++) {
          DirectSelectorThread t =
              new DirectSelectorThread(
                  acceptQueue > 0
                      ? new ArrayBlockingQueue<>(acceptQueue)
                      : new LinkedBlockingQueue<>());
          t.setName(threadName + i);
          set.add(t);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot open a selector", e);
      }
    }
    return super.createSelectorThreadLoadBalancer(set);
  }

  /**
   * A selector thread with libthrift's loop minus its work-around for an old JDK epoll bug: after
   * 512 empty wake-ups in a row libthrift moves the keys to a new selector, which loses every
   * connection whose key is not selected at that moment (their frame buffers keep the old keys).
   * Empty wake-ups are normal here (a new connection, a reply handed over), and the JDK bug it
   * guards against was fixed long ago.
   */
  private final class DirectSelectorThread extends SelectorThread {
    private final BlockingQueue<TNonblockingTransport> accepted;

    DirectSelectorThread(BlockingQueue<TNonblockingTransport> accepted) throws IOException {
      super(accepted);
      this.accepted = accepted;
    }

    @Override
    public void run() {
      try {
        while (!stopped_) {
          selectOnce();
          registerAccepted();
          processInterestChanges();
        }
        for (SelectionKey key : selector.keys()) {
          cleanupSelectionKey(key);
        }
      } catch (Throwable t) {
        log.error("a Thrift selector thread stopped on an error; stopping the server", t);
      } finally {
        try {
          selector.close();
        } catch (IOException e) {
          log.error("closing a Thrift selector failed", e);
        }
        DirectReplyServer.this.stop();
      }
    }

    /** One wake-up, as one {@link Turn}: the requests it makes of one peer leave together. */
    private void selectOnce() {
      try {
        selector.select();
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        Turn turn = Turn.begin();
        try {
          while (!stopped_ && keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            if (!key.isValid()) {
              cleanupSelectionKey(key);
            } else if (key.isReadable()) {
              handleRead(key);
            } else if (key.isWritable()) {
              handleWrite(key);
            } else {
              log.warn("a selected Thrift connection is neither readable nor writable");
            }
          }
        } finally {
          if (turn != null) {
            turn.end();
          }
        }
      } catch (IOException e) {
        log.warn("selecting Thrift connections failed", e);
      }
    }

    private void registerAccepted() {
      TNonblockingTransport next;
      while (!stopped_ && (next = accepted.poll()) != null) {
        SelectionKey key = null;
        try {
          key = next.registerSelector(selector, SelectionKey.OP_READ);
          key.attach(createFrameBuffer(next, key, this));
        } catch (IOException | TTransportException e) {
          log.warn("registering an accepted Thrift connection failed", e);
          if (key != null) {
            cleanupSelectionKey(key);
          }
          next.close();
        }
      }
    }

    @Override
    protected FrameBuffer createFrameBuffer(
        TNonblockingTransport trans, SelectionKey key, AbstractSelectThread thread)
        throws TTransportException {
      return new DirectFrameBuffer(trans, key, thread);
    }
  }

  /**
   * A connection's frame buffer. Its state is guarded by its monitor: the selector reads, writes
   * and changes interests under it, a completing thread writes the reply under it. The selector's
   * interest-change queue is only entered without it: the selector holds that queue's lock while it
   * calls {@link #changeSelectInterests}.
   */
  private final class DirectFrameBuffer extends AsyncFrameBuffer {
    /** A request was read and its reply is not written whole yet. */
    private boolean inFlight;

    /** A read event came while {@link #inFlight}: reading stopped until the reply is written. */
    private boolean paused;

    /** The last {@link #read} completed a request frame. */
    private boolean frameCompleted;

    /** Set by {@link #responseReady}: its interest change is this thread's to make. */
    private boolean replying;

    /** What {@link #responseReady} leaves to the selector after it returns. */
    private Runnable handOff;

    DirectFrameBuffer(TNonblockingTransport trans, SelectionKey key, AbstractSelectThread thread)
        throws TTransportException {
      super(trans, key, thread);
    }

    @Override
    public synchronized boolean read() {
      frameCompleted = false;
      if (inFlight) {
        if (in(WRITING)) {
          // The selector is writing the rest of the reply (its write interest is set), and this
          // read readiness predates that: it reads once the reply is written.
          return true;
        }
        // More bytes, or end-of-stream, while the request is handled: stop reading until the
        // reply is written, as libthrift does, and let the selector write that reply.
        selectionKey_.interestOps(0);
        paused = true;
        return true;
      }
      boolean ok = super.read();
      if (ok && super.isFrameFullyRead()) {
        frameCompleted = true;
        inFlight = true;
        selectionKey_.interestOps(SelectionKey.OP_READ); // libthrift dropped it
      }
      return ok;
    }

    /** Whether the last read completed a frame: the selector then invokes it, once. */
    @Override
    public synchronized boolean isFrameFullyRead() {
      return frameCompleted;
    }

    @Override
    public synchronized boolean write() {
      if (!in(WRITING)) {
        return true; // a stale write readiness: no reply is being written
      }
      return writeReply();
    }

    @Override
    public synchronized void changeSelectInterests() {
      boolean toRead = in(AWAITING_REGISTER_READ);
      super.changeSelectInterests();
      if (toRead) {
        replied();
      }
    }

    @Override
    public synchronized void close() {
      super.close();
    }

    @Override
    public void responseReady() {
      Runnable then;
      synchronized (this) {
        replying = true;
        try {
          super.responseReady(); // calls requestSelectInterestChange, below
        } finally {
          replying = false;
        }
        then = handOff;
        handOff = null;
      }
      if (then != null) {
        then.run(); // outside the monitor: it takes the selector's queue lock
      }
    }

    @Override
    protected void requestSelectInterestChange() {
      boolean selectorThread = Thread.currentThread() == selectThread_;
      if (!replying || !Thread.holdsLock(this)) {
        // Not a reply (libthrift closing the connection after a failed invoke): without the
        // monitor, as libthrift does it.
        super.requestSelectInterestChange();
        return;
      }
      if (!in(AWAITING_REGISTER_WRITE) || (paused && !selectorThread)) {
        // An empty reply, or reading stopped (only the selector may start it again without a
        // wake-up going amiss): libthrift's path.
        toSelector(selectorThread);
        return;
      }
      // Write now, without touching the interest: the connection is registered for reading, and
      // a write interest set from this thread would make the selector wake for nothing (libthrift
      // takes a run of such empty wake-ups for the JDK's epoll bug and rebuilds the selector).
      ByteBuffer reply = buffer_;
      try {
        trans_.write(reply);
      } catch (TTransportException e) {
        // Broken: the selector's write fails the same way and closes the connection.
      }
      if (reply.hasRemaining()) {
        // The rest (or the failure) is the selector's: it registers for writing and goes on.
        toSelector(selectorThread);
        return;
      }
      buffer_ = ByteBuffer.allocate(4);
      setState(READING_FRAME_SIZE);
      if (paused) {
        selectionKey_.interestOps(SelectionKey.OP_READ); // on the selector's thread
      }
      replied();
      if (!selectorThread) {
        directReplies.incrementAndGet();
      }
    }

    /**
     * libthrift's path for this reply: at once on the selector's own thread, else once {@link
     * #responseReady} has left the monitor.
     */
    private void toSelector(boolean selectorThread) {
      if (selectorThread) {
        super.requestSelectInterestChange();
      } else {
        handOff = super::requestSelectInterestChange;
      }
    }

    /** Writes what the socket takes of the reply; whether the connection is still good. */
    private boolean writeReply() {
      ByteBuffer reply = buffer_;
      boolean ok = super.write();
      if (ok && !reply.hasRemaining()) {
        replied();
      }
      return ok;
    }

    private void replied() {
      inFlight = false;
      paused = false;
    }

    private void setState(Object state) {
      try {
        STATE.set(this, state);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Whether libthrift's state (of a type this package cannot name) is {@code state}. */
    private boolean in(Object state) {
      return state_ == state;
    }
  }
}
