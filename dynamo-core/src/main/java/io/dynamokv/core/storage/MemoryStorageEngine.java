/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.storage;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.spi.WriteBatch;
import java.util.Arrays;
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
 * directory, and {@link #open(Directory)} on the same directory sees them again. That is what
 * {@link Durability#SYNC} keeps, so the simulation can crash and restart nodes. Nothing survives
 * the JVM.
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
      for (WriteBatch.Operation op : batch.operations()) {
        NavigableMap<byte[], byte[]> map = directory.map(op.keyspace());
        if (op.isDelete()) {
          remove(map, op.key());
        } else {
          store(map, op.key().clone(), op.value().clone());
        }
      }
    } finally {
      directory.lock.writeLock().unlock();
    }
  }

  @Override
  public Durability durability() {
    return Durability.SYNC;
  }

  @Override
  public void flush() {
    checkOpen();
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
    byte[] old = map.put(key, value);
    directory.bytes.addAndGet(value.length - (old == null ? -key.length : old.length));
  }

  private void remove(NavigableMap<byte[], byte[]> map, byte[] key) {
    byte[] old = map.remove(key);
    if (old != null) {
      directory.bytes.addAndGet(-(key.length + old.length));
    }
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
    // Single-key operations take the read lock (the skip list and key stripes order them); batches
    // take the write
    // lock so they are atomic with respect to everything else.
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object[] stripes = new Object[64];

    public Directory() {
      Arrays.setAll(stripes, i -> new Object());
    }

    NavigableMap<byte[], byte[]> map(String keyspace) {
      return maps.computeIfAbsent(
          keyspace, k -> new ConcurrentSkipListMap<>(Arrays::compareUnsigned));
    }

    Object stripe(byte[] key) {
      return stripes[Math.floorMod(Arrays.hashCode(key), stripes.length)];
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
          if (next == null) {
            remove(map, key);
          } else {
            store(map, key.clone(), next.clone());
          }
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
