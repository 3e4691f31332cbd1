/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.Key;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.WriteBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Group commit for an engine with {@link io.dynamokv.core.spi.Durability#SYNC} durability (SPEC
 * §9): the data changes the node makes while one synced write is in progress are written together
 * by the next, so that concurrent requests share one fsync instead of each stalling the node for
 * its own.
 *
 * <p>Changes are computed on the node's scheduler, as before, and queued with {@link #put}. At most
 * one group is being written at a time, by the {@code writer} executor (a thread of its own in a
 * server, a delayed task in the simulation): one atomic {@link StorageEngine#write}, which syncs.
 * Its completion comes back to the scheduler, where the group's changes are announced and whoever
 * waits on it ({@link #afterDurable}) is told; meanwhile the next group collects what arrived.
 *
 * <p>What is queued is visible only to the next change of the same key ({@link #latest}), so that
 * changes of one key apply in order and every dot is computed from the key's latest set. Nothing
 * else sees it before it is durable: replica reads, scans and digests read the engine. A write that
 * fails fails every change queued behind it too (they were computed on top of it).
 *
 * <p>Not thread-safe: every method runs as one of the node's scheduler tasks (the completion of a
 * group may run on the writer's thread, through {@link Scheduler#executeInline}), except {@link
 * #drain}, which MAY also run once the scheduler runs no task any more (a clean stop).
 */
final class GroupCommit {
  /**
   * Queued bytes past which {@link #put} drains: a slow disk slows intake instead of growing it.
   */
  static final int MAX_QUEUED_BYTES = 16 << 20;

  private final StorageEngine storage;
  private final Executor writer;
  private final Scheduler scheduler;
  private final Map<Slot, Queued> queued = new HashMap<>();
  private final NodeStats stats;
  private Group open;
  private Group writing;

  /** Above 0 while a bounded drain runs: the patience its nested drains keep. */
  private long patience;

  /** Above 0 while a scan reads the engine: no group starts meanwhile. */
  private int holds;

  /**
   * @param writer runs one group's synced write at a time, off the node's scheduler where it can
   */
  GroupCommit(StorageEngine storage, Executor writer, Scheduler scheduler, NodeStats stats) {
    this.storage = storage;
    this.stats = stats;
    this.writer = writer;
    this.scheduler = scheduler;
  }

  private record Slot(String keyspace, Key key) {}

  private record Queued(byte[] value, Group group) {}

  /**
   * The value of {@code storageKey} as the next change must see it: the latest queued, else the
   * engine's.
   */
  byte[] latest(String keyspace, Keyspace engine, byte[] storageKey) {
    Queued q = queued.get(new Slot(keyspace, Key.of(storageKey)));
    return q != null ? q.value : engine.get(storageKey);
  }

  /**
   * Queues a put of {@code value} under {@code storageKey}; {@code committed} runs as a scheduler
   * task once it is durable, not at all if its write fails.
   */
  void put(String keyspace, byte[] storageKey, byte[] value, Runnable committed) {
    if (open == null) {
      open = new Group();
    }
    open.batch.put(keyspace, storageKey, value);
    open.committed.add(committed);
    open.bytes += storageKey.length + value.length;
    queued.put(new Slot(keyspace, Key.of(storageKey)), new Queued(value, open));
    startNext();
    if (open != null && open.bytes > MAX_QUEUED_BYTES) {
      drain();
    }
  }

  /**
   * Runs {@code then} on the scheduler once every change queued so far is durable (with null), or
   * once a write it waits for failed (with its error): at once when nothing is queued.
   */
  void afterDurable(Consumer<Throwable> then) {
    Group last = open != null ? open : writing;
    if (last == null) {
      then.accept(null);
    } else {
      last.waiters.add(then);
    }
  }

  /**
   * Writes everything queued before returning (waiting for a write in progress on the writer) and
   * announces it, so that a change made directly on the engine afterwards applies on top of it.
   */
  void drain() {
    drain(0);
  }

  /**
   * As {@link #drain()}, waiting about {@code patienceMillis} at most (0: without a limit) for each
   * write in progress on the writer.
   *
   * @return whether everything was written
   */
  boolean drain(long patienceMillis) {
    long outer = patience;
    if (patienceMillis > 0) {
      patience = patienceMillis;
    }
    try {
      startNext();
      while (writing != null) {
        Group g = writing;
        // Written here if the writer has not started it (after a clean stop's shutdown nothing
        // else may run it); the bound applies to a write in progress on the writer.
        g.run();
        if (!g.awaitWritten(patience)) {
          return false;
        }
        complete(g, false);
      }
      return true;
    } finally {
      patience = outer;
    }
  }

  /**
   * Makes the engine hold exactly what was announced until {@link #release}: waits for the group
   * being written (writing it here if the writer has not started it), announces it, and starts no
   * other group meanwhile. For a scan whose result must match the listeners' view (a Merkle tree
   * built from it), at the cost of at most one write instead of a {@link #drain}.
   */
  void hold() {
    holds++;
    Group g = writing;
    if (g != null) {
      g.run();
      if (g.awaitWritten(patience)) {
        complete(g, false);
      }
    }
  }

  /** Ends a {@link #hold}: the next group may start. */
  void release() {
    holds--;
    startNext();
  }

  private void startNext() {
    if (writing == null && open != null && holds == 0) {
      writing = open;
      open = null;
      writer.execute(writing);
    }
  }

  /**
   * Announces a written group and tells its waiters. As a task of its own ({@code rethrow}) a
   * callback's exception is thrown after everyone was told; inside a drain it is reported as a task
   * of its own instead, not thrown at the drain's caller (another request).
   */
  private void complete(Group g, boolean rethrow) {
    if (g.completed) {
      return;
    }
    g.completed = true;
    writing = null;
    List<Runnable> then = new ArrayList<>();
    if (g.error == null) {
      stats.groupCommits++;
      stats.groupCommitChanges += g.committed.size();
      queued.values().removeIf(q -> q.group == g);
      then.addAll(g.committed);
      g.waiters.forEach(w -> then.add(() -> w.accept(null)));
    } else {
      // What is open was computed on top of the failed changes: it fails with them.
      queued.clear();
      List<Consumer<Throwable>> failed = new ArrayList<>(g.waiters);
      if (open != null) {
        failed.addAll(open.waiters);
        open = null;
      }
      failed.forEach(w -> then.add(() -> w.accept(g.error)));
    }
    // The next group starts before anyone is told, so that a drain by one of them finds it.
    startNext();
    RuntimeException thrown = null;
    for (Runnable r : then) {
      try {
        r.run();
      } catch (RuntimeException e) {
        if (thrown == null) {
          thrown = e;
        } else {
          thrown.addSuppressed(e);
        }
      }
    }
    if (thrown != null) {
      if (rethrow) {
        throw thrown; // after everyone was told: reported by the scheduler
      }
      RuntimeException report = thrown;
      scheduler.execute(
          () -> {
            throw report;
          });
    }
  }

  /** One synced write: the changes queued while the previous one was written. */
  private final class Group implements Runnable {
    private static final int NEW = 0;
    private static final int WRITING = 1;
    private static final int WRITTEN = 2;

    final WriteBatch.Builder batch = WriteBatch.builder();
    final List<Runnable> committed = new ArrayList<>();
    final List<Consumer<Throwable>> waiters = new ArrayList<>();
    final AtomicInteger state = new AtomicInteger(NEW);
    long bytes;
    volatile Throwable error;
    boolean completed;

    /** Writes the group, once: whoever comes first, the writer or a {@link #drain}. */
    @Override
    public void run() {
      if (!state.compareAndSet(NEW, WRITING)) {
        return;
      }
      Error fatal = null;
      try {
        storage.write(batch.build());
      } catch (RuntimeException e) {
        error = e;
      } catch (Error e) {
        error = e;
        fatal = e;
      }
      synchronized (this) {
        state.set(WRITTEN);
        notifyAll();
      }
      scheduler.executeInline(() -> complete(this, true));
      if (fatal != null) {
        throw fatal; // its requests are failed; the thread that ran it reports it
      }
    }

    /**
     * Waits until the group is written, about {@code patienceMillis} at most (0: no limit; counted
     * in waits, not by a clock, which the core does not read); whether it was written.
     */
    synchronized boolean awaitWritten(long patienceMillis) {
      boolean interrupted = false;
      long waits = 0;
      try {
        while (state.get() != WRITTEN) {
          if (patienceMillis > 0 && waits++ >= patienceMillis) {
            return false;
          }
          try {
            wait(patienceMillis > 0 ? 1 : 0);
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        return true;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
