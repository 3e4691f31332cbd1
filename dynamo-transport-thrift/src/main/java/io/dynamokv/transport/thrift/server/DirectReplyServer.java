/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.thrift.server.TThreadedSelectorServer;
import org.apache.thrift.transport.TNonblockingTransport;
import org.apache.thrift.transport.TTransportException;

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
  /**
   * libthrift's {@code FrameBuffer.state_}, whose enum type is package-private: what its own {@code
   * prepareRead} sets after a reply is written, set here by a thread that wrote it.
   */
  private static final Field STATE;

  private static final Object READING_FRAME_SIZE;

  static {
    try {
      STATE = FrameBuffer.class.getDeclaredField("state_");
      STATE.setAccessible(true);
      READING_FRAME_SIZE = enumConstant(STATE.getType(), "READING_FRAME_SIZE");
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
    this.threadName = threadName;
    this.selectors = args.getSelectorThreads();
    this.acceptQueue = args.getAcceptQueueSizePerThread();
    this.directReplies = directReplies;
    // libthrift creates its selector threads in startThreads, with no factory to override; with
    // none to create it hands the empty set to createSelectorThreadLoadBalancer, which fills it.
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
          DirectSelectorThread t = new DirectSelectorThread(acceptQueue);
          t.setName(threadName + i);
          set.add(t);
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot open a selector", e);
      }
    }
    return super.createSelectorThreadLoadBalancer(set);
  }

  private final class DirectSelectorThread extends SelectorThread {
    DirectSelectorThread(int acceptQueue) throws IOException {
      super(acceptQueue);
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
        if (in("WRITING")) {
          // The completing thread wrote part of the reply and set the write interest, which
          // this event predates: the selector writes the rest, then reads.
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
      if (!in("WRITING")) {
        return true; // a write event for a reply written meanwhile by the thread completing it
      }
      return writeReply();
    }

    @Override
    public synchronized void changeSelectInterests() {
      boolean toRead = in("AWAITING_REGISTER_READ");
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
      if (!replying) {
        // Not a reply (libthrift closing the connection after a failed invoke): without the
        // monitor, as libthrift does it.
        super.requestSelectInterestChange();
        return;
      }
      if (!in("AWAITING_REGISTER_WRITE") || (paused && !selectorThread)) {
        // An empty reply, or reading stopped (only the selector may start it again without a
        // wake-up going amiss): libthrift's path.
        if (selectorThread) {
          super.requestSelectInterestChange();
        } else {
          handOff = super::requestSelectInterestChange;
        }
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
        if (selectorThread) {
          super.requestSelectInterestChange();
        } else {
          handOff = super::requestSelectInterestChange;
        }
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

    /** Whether libthrift's state (a type this package cannot name) is {@code state}. */
    private boolean in(String state) {
      Object current = state_;
      return current != null && state.equals(current.toString());
    }
  }
}
