/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.storage;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.spi.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.UnaryOperator;

/**
 * A {@link StorageEngine} in memory, for tests, the simulation and the {@code memory} engine of the
 * server.
 *
 * <p>Its data lives in a {@link Directory}, which stands for a data directory: closing the engine
 * (a clean stop) or dropping it without closing (a crash) both leave every committed write in the
 * directory, and {@link #open(Directory)} on the same directory sees them again, so the simulation
 * can crash and restart nodes. Nothing survives the JVM.
 *
 * <p>The directory's {@link Directory#durability() durability} decides what a simulated crash
 * loses: with {@link Durability#SYNC} nothing; otherwise the directory remembers the commits since
 * the last {@link #flush()}, and {@link Directory#loseUnflushed} undoes a suffix of them, as an
 * operating system does that crashes before writing its page cache (or, with {@link
 * Durability#NO_SYNC}, as a process does that crashes with commits in its own buffers). Commits
 * form one sequence across keyspaces; a batch is one commit, lost whole or not at all.
 */
public final class MemoryStorageEngine implements StorageEngine {
  private static final int MAX_KEY_BYTES = 64 * 1024;

  private final Directory directory;
  private final Map<String, MemoryKeyspace> keyspaces = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private MemoryStorageEngine(Directory directory) {
    this.directory = directory;
  }

  /** An engine over a new, empty directory. */
  public static MemoryStorageEngine create() {
    return open(new Directory());
  }

  /** An engine over {@code directory}, seeing everything committed to it before. */
  public static MemoryStorageEngine open(Directory directory) {
    return new MemoryStorageEngine(Objects.requireNonNull(directory, "directory"));
  }

  /** The directory this engine writes to. */
  public Directory directory() {
    return directory;
  }

  @Override
  public Keyspace keyspace(String name) {
    checkOpen();
    if (!KEYSPACE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "keyspace name must match " + KEYSPACE_NAME.pattern() + ", found: " + name);
    }
    return keyspaces.computeIfAbsent(name, n -> new MemoryKeyspace(n, directory.map(n)));
  }

  @Override
  public void write(WriteBatch batch) {
    checkOpen();
    // Apply under the directory's exclusive lock so no reader or scan sees a partial batch.
    directory.lock.writeLock().lock();
    try {
      for (WriteBatch.Operation op : batch.operations()) {
        checkKey(op.key());
      }
      Directory.Commit commit = directory.beginCommit();
      for (WriteBatch.Operation op : batch.operations()) {
        NavigableMap<byte[], byte[]> map = directory.map(op.keyspace());
        if (commit != null) {
          commit.remember(op.keyspace(), op.key(), map.get(op.key()));
        }
        if (op.isDelete()) {
          remove(map, op.key());
        } else {
          store(map, op.key().clone(), op.value().clone());
        }
      }
      directory.endCommit(commit);
    } finally {
      directory.lock.writeLock().unlock();
    }
  }

  @Override
  public Durability durability() {
    return directory.durability;
  }

  @Override
  public void flush() {
    checkOpen();
    directory.flush();
  }

  @Override
  public int maxKeyBytes() {
    return MAX_KEY_BYTES;
  }

  @Override
  public long approximateSizeBytes() {
    return directory.bytes.get();
  }

  @Override
  public String describe() {
    return "memory engine " + directory;
  }

  @Override
  public void close() {
    if (!closed) {
      directory.flush();
    }
    closed = true;
  }

  /**
   * Closes this engine the way a crash does: nothing more is written through it, and nothing is
   * flushed (the simulation uses it on the engine of a node that dies).
   */
  public void abandon() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new StorageException.Closed(describe());
    }
  }

  private static void checkKey(byte[] key) {
    if (key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be 1 to " + MAX_KEY_BYTES + " bytes, found " + key.length);
    }
  }

  private void store(NavigableMap<byte[], byte[]> map, byte[] key, byte[] value) {
    directory.store(map, key, value);
  }

  private void remove(NavigableMap<byte[], byte[]> map, byte[] key) {
    directory.remove(map, key);
  }

  /**
   * The durable state of a memory engine: what survives {@link MemoryStorageEngine#close()} or a
   * simulated crash. Thread-safe.
   */
  public static final class Directory {
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final Map<String, NavigableMap<byte[], byte[]>> maps = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private volatile Durability durability = Durability.SYNC;

    /** Commits since the last flush, oldest first; empty while the durability is SYNC. */
    private final List<Commit> unflushed = new ArrayList<>();

    private long commits;
    // Single-key operations take the read lock (the skip list and key stripes order them); batches
    // take the write
    // lock so they are atomic with respect to everything else.
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object[] stripes = new Object[64];

    /** A new, empty directory with {@link Durability#SYNC}. */
    public Directory() {
      Arrays.setAll(stripes, i -> new Object());
    }

    /** What the engines opened on this directory promise; {@link Durability#SYNC} by default. */
    public Durability durability() {
      return durability;
    }

    /**
     * Sets the durability that engines opened on this directory report and that {@link
     * #loseUnflushed} honours. Everything committed so far counts as flushed.
     */
    public Directory durability(Durability durability) {
      synchronized (unflushed) {
        this.durability = Objects.requireNonNull(durability, "durability");
        unflushed.clear();
      }
      return this;
    }

    /** How many commits (single-key writes and batches) this directory has taken. */
    public long commits() {
      synchronized (unflushed) {
        return commits;
      }
    }

    /** How many commits are not flushed yet (always 0 with {@link Durability#SYNC}). */
    public int unflushedCommits() {
      synchronized (unflushed) {
        return unflushed.size();
      }
    }

    /**
     * Simulates a crash that loses what was not flushed: undoes every unflushed commit after the
     * first {@code keep} of them, newest first. Never touches a flushed commit.
     *
     * @return how many commits were lost
     */
    public int loseUnflushed(int keep) {
      lock.writeLock().lock();
      try {
        synchronized (unflushed) {
          int lost = 0;
          while (unflushed.size() > Math.max(0, keep)) {
            unflushed.remove(unflushed.size() - 1).undo();
            commits--;
            lost++;
          }
          return lost;
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    /** Undoes every commit after the first {@code commit} ones, which must all be unflushed. */
    public int rollBackTo(long commit) {
      synchronized (unflushed) {
        long flushed = commits - unflushed.size();
        if (commit < flushed) {
          throw new IllegalArgumentException(
              "commit " + commit + " is flushed (" + flushed + " commits are): it cannot be lost");
        }
        return loseUnflushed((int) (commit - flushed));
      }
    }

    /**
     * Makes every commit so far durable, as an fsync does (what {@link MemoryStorageEngine#flush()}
     * does; the simulation also calls it as an engine's periodic background flush).
     */
    public void flush() {
      synchronized (unflushed) {
        unflushed.clear();
      }
    }

    /** A commit that remembers what it overwrites, or null while nothing needs remembering. */
    Commit beginCommit() {
      return durability == Durability.SYNC ? null : new Commit();
    }

    void endCommit(Commit commit) {
      synchronized (unflushed) {
        commits++;
        if (commit != null && durability != Durability.SYNC) {
          unflushed.add(commit);
        }
      }
    }

    void store(NavigableMap<byte[], byte[]> map, byte[] key, byte[] value) {
      byte[] old = map.put(key, value);
      bytes.addAndGet(value.length - (old == null ? -key.length : old.length));
    }

    void remove(NavigableMap<byte[], byte[]> map, byte[] key) {
      byte[] old = map.remove(key);
      if (old != null) {
        bytes.addAndGet(-(key.length + old.length));
      }
    }

    /** One commit's undo record: the previous value of every key it wrote. */
    final class Commit {
      private final List<String> keyspaces = new ArrayList<>(1);
      private final List<byte[]> keys = new ArrayList<>(1);
      private final List<byte[]> previous = new ArrayList<>(1);

      void remember(String keyspace, byte[] key, byte[] old) {
        keyspaces.add(keyspace);
        keys.add(key.clone());
        previous.add(old == null ? null : old.clone());
      }

      void undo() {
        for (int i = keys.size() - 1; i >= 0; i--) {
          NavigableMap<byte[], byte[]> map = map(keyspaces.get(i));
          if (previous.get(i) == null) {
            remove(map, keys.get(i));
          } else {
            store(map, keys.get(i), previous.get(i));
          }
        }
      }
    }

    NavigableMap<byte[], byte[]> map(String keyspace) {
      return maps.computeIfAbsent(
          keyspace, k -> new ConcurrentSkipListMap<>(Arrays::compareUnsigned));
    }

    Object stripe(byte[] key) {
      return stripes[Math.floorMod(Arrays.hashCode(key), stripes.length)];
    }

    /**
     * Loses everything, as a failed disk replaced by an empty one (or a deleted data directory):
     * every keyspace empty, the commit count back to 0. Only while no engine is open on the
     * directory.
     */
    public void wipe() {
      lock.writeLock().lock();
      try {
        synchronized (unflushed) {
          maps.clear();
          bytes.set(0);
          unflushed.clear();
          commits = 0;
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    /** A deep copy, e.g. to fork a node's disk in a test. */
    public Directory copy() {
      Directory copy = new Directory();
      lock.writeLock().lock();
      try {
        maps.forEach(
            (name, map) -> {
              NavigableMap<byte[], byte[]> target = copy.map(name);
              map.forEach((k, v) -> target.put(k.clone(), v.clone()));
            });
        copy.bytes.set(bytes.get());
      } finally {
        lock.writeLock().unlock();
      }
      return copy;
    }

    @Override
    public String toString() {
      return "#" + id;
    }
  }

  private final class MemoryKeyspace implements Keyspace {
    private final String name;
    private final NavigableMap<byte[], byte[]> map;

    MemoryKeyspace(String name, NavigableMap<byte[], byte[]> map) {
      this.name = name;
      this.map = map;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte[] get(byte[] key) {
      checkOpen();
      directory.lock.readLock().lock();
      try {
        byte[] value = map.get(key);
        return value == null ? null : value.clone();
      } finally {
        directory.lock.readLock().unlock();
      }
    }

    @Override
    public void put(byte[] key, byte[] value) {
      Objects.requireNonNull(value, "value");
      update(key, old -> value);
    }

    @Override
    public void delete(byte[] key) {
      update(key, old -> null);
    }

    @Override
    public byte[] update(byte[] key, UnaryOperator<byte[]> fn) {
      checkOpen();
      checkKey(key);
      directory.lock.readLock().lock();
      try {
        synchronized (directory.stripe(key)) {
          byte[] stored = map.get(key);
          byte[] current = stored == null ? null : stored.clone();
          byte[] next = fn.apply(current);
          if (next == current && current != null) {
            return next;
          }
          Directory.Commit commit = directory.beginCommit();
          if (commit != null) {
            commit.remember(name, key, stored);
          }
          if (next == null) {
            remove(map, key);
          } else {
            store(map, key.clone(), next.clone());
          }
          directory.endCommit(commit);
          return next;
        }
      } finally {
        directory.lock.readLock().unlock();
      }
    }

    @Override
    public void scan(byte[] fromInclusive, byte[] toExclusive, EntryVisitor visitor) {
      checkOpen();
      NavigableMap<byte[], byte[]> range;
      if (fromInclusive != null && toExclusive != null) {
        if (Arrays.compareUnsigned(fromInclusive, toExclusive) >= 0) {
          return;
        }
        range = map.subMap(fromInclusive, true, toExclusive, false);
      } else if (fromInclusive != null) {
        range = map.tailMap(fromInclusive, true);
      } else if (toExclusive != null) {
        range = map.headMap(toExclusive, false);
      } else {
        range = map;
      }
      // Iterate under the read lock: batches take the write lock, so a scan sees each batch whole
      // or not at all.
      directory.lock.readLock().lock();
      try {
        for (Map.Entry<byte[], byte[]> e : range.entrySet()) {
          if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) {
            return;
          }
        }
      } finally {
        directory.lock.readLock().unlock();
      }
    }
  }
}
