/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.transport.thrift.ThrottledLog;
import io.dynamokv.transport.thrift.Turn;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that reads the replies of every outbound peer connection ({@link PeerClient}), and
 * writes the rest of a request a caller could not write whole. Each connection is registered for
 * reading once, when it opens; a reply completes its call on this thread.
 */
final class PeerSelector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerSelector.class);
  private final Selector selector;
  private final Thread thread;
  private final ThrottledLog failures = new ThrottledLog(log, Duration.ofSeconds(10));
  private volatile boolean stopping;

  PeerSelector(String threadName) throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Registers {@code client}'s socket for reading.
   *
   * @throws IOException if the selector is closed
   */
  SelectionKey register(PeerClient client) throws IOException {
    try {
      SelectionKey key = client.socket.register(selector, SelectionKey.OP_READ, client);
      selector.wakeup(); // a registration takes effect at the next select
      return key;
    } catch (ClosedSelectorException e) {
      throw new IOException("the peer transport is closed", e);
    }
  }

  void wakeup() {
    selector.wakeup();
  }

  private void run() {
    try {
      while (!stopping) {
        try {
          selector.select();
          Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
          Turn turn = Turn.begin(); // requests sent by the calls its replies complete
          try {
            while (keys.hasNext() && !stopping) {
              SelectionKey key = keys.next();
              keys.remove();
              serve(key);
            }
          } finally {
            if (turn != null) {
              turn.end();
            }
          }
        } catch (ClosedSelectorException e) {
          return; // closed by close() after its wait for this thread ran out
        } catch (IOException | RuntimeException e) {
          if (stopping) {
            return;
          }
          // Stopping would leave every call to time out with its request applied: go on, as
          // libthrift's selector does, without flooding the log if select keeps failing.
          failures.warn("selecting peer connections failed: {}", e.toString());
        }
      }
    } finally {
      closeSelector(); // here too when close() was called from this thread
    }
  }

  private static void serve(SelectionKey key) {
    PeerClient client = (PeerClient) key.attachment();
    try {
      if (key.isWritable()) {
        client.onWritable();
      }
      if (key.isReadable()) {
        client.onReadable();
      }
    } catch (CancelledKeyException e) {
      // the connection was closed meanwhile; whoever closed it failed its call
    } catch (RuntimeException | OutOfMemoryError e) {
      // e.g. no heap for a large reply: that connection's call fails, the others go on
      log.error("a peer connection failed on its selector; closing it", e);
      client.close();
    }
  }

  /**
   * Stops the thread and closes the selector (the connections are closed by their owners). Called
   * on the thread itself (by a dependent of a call), it returns at once and the thread closes the
   * selector when its current turn ends.
   */
  @Override
  public void close() {
    stopping = true;
    selector.wakeup();
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeSelector();
  }

  private void closeSelector() {
    try {
      selector.close(); // idempotent
    } catch (IOException e) {
      log.warn("closing the peer client selector failed", e);
    }
  }
}
