/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.lmdb;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.spi.WriteBatch;
import java.io.IOException;
import java.lang.reflect.InaccessibleObjectException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.UnaryOperator;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * The LMDB {@link StorageEngine}; obtain one from {@link LmdbStorageEngineFactory}. This class is
 * public only so that its nested exceptions can be caught by name; it adds nothing to the {@link
 * StorageEngine} interface.
 *
 * <p>Concurrency: LMDB serializes write transactions; this engine also serializes writers on a Java
 * lock, so an {@code update} whose transaction hits a full map can grow the map and replay its
 * already computed result without calling the function again. Every transaction runs under the read
 * side of a resize lock; growing the map takes the write side, so no transaction is open while LMDB
 * remaps the file.
 */
public final class LmdbStorageEngine implements StorageEngine {
  static final String LOCK_FILE = "dynamo.lock";
  private static final int MAX_DBS = 64;
  private static final System.Logger LOG = System.getLogger(LmdbStorageEngine.class.getName());

  private final Path directory;
  private final String description;
  private final LmdbStorageEngineFactory.Options options;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final Env<ByteBuffer> env;
  private final int maxKeyBytes;
  private final int pageSize;
  private final Map<String, LmdbKeyspace> keyspaces = new ConcurrentHashMap<>();
  private final ConcurrentLinkedDeque<Txn<ByteBuffer>> idleReadTxns = new ConcurrentLinkedDeque<>();
  private final ThreadLocal<ByteBuffer> keyBuffers;
  private final ReentrantLock writerLock = new ReentrantLock();
  private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();
  private final ScheduledExecutorService flusher;
  private volatile boolean closed;

  private LmdbStorageEngine(
      Path directory,
      LmdbStorageEngineFactory.Options options,
      FileChannel lockChannel,
      FileLock fileLock,
      Env<ByteBuffer> env) {
    this.directory = directory;
    this.description = "lmdb at " + directory;
    this.options = options;
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.env = env;
    this.maxKeyBytes = env.getMaxKeySize();
    this.pageSize = env.stat().pageSize;
    int keyCapacity = maxKeyBytes;
    this.keyBuffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(keyCapacity));
    if (options.durability() == Durability.SYNC) {
      this.flusher = null;
    } else {
      this.flusher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lmdb-flush " + directory);
                t.setDaemon(true);
                return t;
              });
      long period = options.flushInterval().toNanos();
      flusher.scheduleWithFixedDelay(this::backgroundFlush, period, period, TimeUnit.NANOSECONDS);
    }
  }

  static LmdbStorageEngine open(Path directory, LmdbStorageEngineFactory.Options options) {
    Path lockPath = directory.resolve(LOCK_FILE);
    FileChannel channel;
    try {
      channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StorageException(
          "lmdb at " + directory + ": cannot create the lock file " + lockPath + ": " + e, e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageException(
          "lmdb at " + directory + ": cannot lock " + lockPath + ": " + e, e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new DirectoryLockedException(directory);
    }
    Env<ByteBuffer> env;
    try {
      env =
          Env.create()
              .setMapSize(options.mapSizeBytes())
              .setMaxDbs(MAX_DBS)
              .setMaxReaders(options.maxReaders())
              .open(
                  directory.toFile(),
                  LmdbStorageEngineFactory.envFlags(options.durability()).toArray(new EnvFlags[0]));
    } catch (ExceptionInInitializerError | NoClassDefFoundError | InaccessibleObjectException e) {
      releaseQuietly(lock, channel);
      throw new MissingJvmFlagsException(
          directory,
          List.of(
              "--add-opens java.base/java.nio=ALL-UNNAMED",
              "--add-exports java.base/sun.nio.ch=ALL-UNNAMED"),
          e);
    } catch (Env.FileInvalidException | Env.VersionMismatchException e) {
      releaseQuietly(lock, channel);
      throw new StorageException(
          "lmdb at "
              + directory
              + ": data.mdb is not an LMDB environment this version can read ("
              + e.getMessage()
              + "); move it away or point the engine at another directory",
          e);
    } catch (LmdbException | IllegalStateException e) {
      releaseQuietly(lock, channel);
      throw new StorageException(
          "lmdb at " + directory + ": cannot open the environment: " + e.getMessage(), e);
    }
    try {
      // A process killed while reading leaves its reader slots behind; they pin old pages until
      // cleared. We hold the directory lock, so no other live process can own a slot.
      env.readerCheck();
      return new LmdbStorageEngine(directory, options, channel, lock, env);
    } catch (RuntimeException e) {
      env.close();
      releaseQuietly(lock, channel);
      throw new StorageException(
          "lmdb at " + directory + ": cannot open the environment: " + e.getMessage(), e);
    }
  }

  @Override
  public Keyspace keyspace(String name) {
    checkOpen();
    checkKeyspaceName(name);
    LmdbKeyspace ks = keyspaces.get(name);
    return ks != null ? ks : openKeyspace(name);
  }

  private LmdbKeyspace openKeyspace(String name) {
    // Opening a named database is a write: under the writer lock, in a transaction of its own
    // (growing the map if needed), never nested in another write transaction.
    writerLock.lock();
    try {
      LmdbKeyspace ks = keyspaces.get(name);
      if (ks != null) {
        return ks;
      }
      byte[] dbName = name.getBytes(StandardCharsets.UTF_8);
      List<Dbi<ByteBuffer>> opened = new ArrayList<>(1);
      inWriteTxn(
          txn -> {
            opened.clear();
            opened.add(env.openDbi(txn, dbName, null, false, DbiFlags.MDB_CREATE));
            return true;
          });
      ks = new LmdbKeyspace(name, opened.get(0));
      keyspaces.put(name, ks);
      return ks;
    } finally {
      writerLock.unlock();
    }
  }

  @Override
  public void write(WriteBatch batch) {
    checkOpen();
    Map<String, LmdbKeyspace> targets = new HashMap<>();
    for (WriteBatch.Operation op : batch.operations()) {
      checkKey(op.key());
      if (!targets.containsKey(op.keyspace())) {
        checkKeyspaceName(op.keyspace());
        targets.put(op.keyspace(), null);
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    for (String name : targets.keySet()) {
      targets.put(name, (LmdbKeyspace) keyspace(name));
    }
    inWriteTxn(
        txn -> {
          for (WriteBatch.Operation op : batch.operations()) {
            LmdbKeyspace ks = targets.get(op.keyspace());
            if (op.isDelete()) {
              ks.dbi.delete(txn, keyBuffer(op.key()));
            } else {
              putValue(ks.dbi, txn, op.key(), op.value());
            }
          }
          return true;
        });
  }

  @Override
  public Durability durability() {
    return options.durability();
  }

  @Override
  public void flush() {
    resizeLock.readLock().lock();
    try {
      checkOpen();
      if (options.durability() != Durability.SYNC) {
        env.sync(true);
      }
    } catch (LmdbException e) {
      throw failure("flush", e);
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  private void backgroundFlush() {
    try {
      flush();
    } catch (StorageException.Closed e) {
      // closing: close() flushes itself
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, description + ": periodic flush failed", e);
    }
  }

  @Override
  public int maxKeyBytes() {
    return maxKeyBytes;
  }

  @Override
  public long approximateSizeBytes() {
    resizeLock.readLock().lock();
    try {
      checkOpen();
      return (env.info().lastPageNumber + 1) * pageSize;
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (flusher != null) {
      flusher.shutdown();
    }
    writerLock.lock();
    resizeLock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        for (Txn<ByteBuffer> txn; (txn = idleReadTxns.poll()) != null; ) {
          txn.renew();
          txn.close();
        }
        env.sync(true);
      } finally {
        env.close();
        releaseQuietly(fileLock, lockChannel);
      }
    } catch (LmdbException e) {
      throw failure("close", e);
    } finally {
      resizeLock.writeLock().unlock();
      writerLock.unlock();
    }
  }

  @Override
  public String toString() {
    return description;
  }

  /** The map size LMDB currently uses. For tests. */
  long mapSizeBytes() {
    resizeLock.readLock().lock();
    try {
      checkOpen();
      return env.info().mapSize;
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StorageException.Closed(description);
    }
  }

  private static void checkKeyspaceName(String name) {
    if (!KEYSPACE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "keyspace name must match " + KEYSPACE_NAME.pattern() + ", found: " + name);
    }
  }

  private void checkKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length == 0 || key.length > maxKeyBytes) {
      throw new IllegalArgumentException(
          "key must be 1 to " + maxKeyBytes + " bytes (LMDB's limit), found " + key.length);
    }
  }

  private ByteBuffer keyBuffer(byte[] key) {
    ByteBuffer buffer = keyBuffers.get();
    buffer.clear();
    buffer.put(key).flip();
    return buffer;
  }

  private void putValue(Dbi<ByteBuffer> dbi, Txn<ByteBuffer> txn, byte[] key, byte[] value) {
    // MDB_RESERVE hands out the value's place in the map: one copy, straight from the array.
    ByteBuffer target = dbi.reserve(txn, keyBuffer(key), value.length);
    target.put(value, 0, value.length);
  }

  /** A write transaction body; returns whether to commit (false aborts: nothing changed). */
  @FunctionalInterface
  private interface WriteBody {
    boolean run(Txn<ByteBuffer> txn);
  }

  private void inWriteTxn(WriteBody body) {
    writerLock.lock();
    try {
      while (true) {
        long fullAt;
        resizeLock.readLock().lock();
        try {
          checkOpen();
          try (Txn<ByteBuffer> txn = env.txnWrite()) {
            if (body.run(txn)) {
              txn.commit();
            }
            return;
          } catch (Env.MapFullException e) {
            if (!options.autoGrow()) {
              throw mapFull(e);
            }
            fullAt = env.info().mapSize;
          } catch (LmdbException e) {
            throw failure("write", e);
          }
        } finally {
          resizeLock.readLock().unlock();
        }
        grow(fullAt);
      }
    } finally {
      writerLock.unlock();
    }
  }

  private void grow(long fullAt) {
    resizeLock.writeLock().lock();
    try {
      checkOpen();
      long current = env.info().mapSize;
      if (current > fullAt) {
        return;
      }
      long next = Math.multiplyExact(current, 2);
      LOG.log(
          System.Logger.Level.INFO,
          "{0}: map full at {1} bytes, growing it to {2}",
          description,
          current,
          next);
      env.setMapSize(next);
    } catch (LmdbException | ArithmeticException e) {
      throw new StorageException(
          description
              + ": the map is full and could not grow beyond "
              + fullAt
              + " bytes ("
              + e.getMessage()
              + "); free disk or address space",
          e);
    } finally {
      resizeLock.writeLock().unlock();
    }
  }

  private Txn<ByteBuffer> acquireReadTxn() {
    Txn<ByteBuffer> txn = idleReadTxns.pollFirst();
    if (txn == null) {
      try {
        return env.txnRead();
      } catch (Env.ReadersFullException e) {
        throw new StorageException(
            description
                + ": all "
                + options.maxReaders()
                + " LMDB reader slots are in use; raise maxReaders above the number of threads"
                + " reading concurrently",
            e);
      }
    }
    txn.renew();
    return txn;
  }

  private void releaseReadTxn(Txn<ByteBuffer> txn) {
    txn.reset();
    idleReadTxns.offerFirst(txn);
  }

  private MapFullException mapFull(Env.MapFullException e) {
    return new MapFullException(description, env.info().mapSize, e);
  }

  private StorageException failure(String what, LmdbException e) {
    return new StorageException(description + ": " + what + " failed: " + e.getMessage(), e);
  }

  private static void releaseQuietly(FileLock lock, FileChannel channel) {
    try {
      lock.release();
    } catch (IOException | RuntimeException e) {
      // best effort: closing the channel releases the lock too
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }

  private final class LmdbKeyspace implements Keyspace {
    private final String name;
    private final Dbi<ByteBuffer> dbi;

    LmdbKeyspace(String name, Dbi<ByteBuffer> dbi) {
      this.name = name;
      this.dbi = dbi;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte[] get(byte[] key) {
      checkKey(key);
      resizeLock.readLock().lock();
      try {
        checkOpen();
        Txn<ByteBuffer> txn = acquireReadTxn();
        try {
          ByteBuffer value = dbi.get(txn, keyBuffer(key));
          if (value == null) {
            return null;
          }
          byte[] out = new byte[value.remaining()];
          value.get(out);
          return out;
        } finally {
          releaseReadTxn(txn);
        }
      } catch (LmdbException e) {
        throw failure("get from " + name, e);
      } finally {
        resizeLock.readLock().unlock();
      }
    }

    @Override
    public void put(byte[] key, byte[] value) {
      checkKey(key);
      Objects.requireNonNull(value, "value");
      inWriteTxn(
          txn -> {
            putValue(dbi, txn, key, value);
            return true;
          });
    }

    @Override
    public void delete(byte[] key) {
      checkKey(key);
      inWriteTxn(txn -> dbi.delete(txn, keyBuffer(key)));
    }

    @Override
    public byte[] update(byte[] key, UnaryOperator<byte[]> fn) {
      checkKey(key);
      Objects.requireNonNull(fn, "fn");
      // fn runs once, in the first transaction; a retry after growing the map replays its result.
      // The writer lock is held across retries, so the value fn saw is still current.
      Object[] decided = new Object[2];
      inWriteTxn(
          txn -> {
            if (decided[0] == null) {
              ByteBuffer stored = dbi.get(txn, keyBuffer(key));
              byte[] current = null;
              if (stored != null) {
                current = new byte[stored.remaining()];
                stored.get(current);
              }
              byte[] next = fn.apply(current);
              decided[0] = Boolean.valueOf(next == current);
              decided[1] = next;
            }
            if ((Boolean) decided[0]) {
              return false;
            }
            byte[] next = (byte[]) decided[1];
            if (next == null) {
              return dbi.delete(txn, keyBuffer(key));
            }
            putValue(dbi, txn, key, next);
            return true;
          });
      return (byte[]) decided[1];
    }

    @Override
    public void scan(byte[] fromInclusive, byte[] toExclusive, EntryVisitor visitor) {
      Objects.requireNonNull(visitor, "visitor");
      checkOpen();
      if (fromInclusive != null
          && toExclusive != null
          && Arrays.compareUnsigned(fromInclusive, toExclusive) >= 0) {
        return;
      }
      resizeLock.readLock().lock();
      try {
        checkOpen();
        Txn<ByteBuffer> txn = acquireReadTxn();
        try (Cursor<ByteBuffer> cursor = dbi.openCursor(txn)) {
          boolean found;
          if (fromInclusive == null) {
            found = cursor.first();
          } else if (fromInclusive.length == 0) {
            found = cursor.first();
          } else if (fromInclusive.length > maxKeyBytes) {
            byte[] prefix = Arrays.copyOf(fromInclusive, maxKeyBytes);
            found = cursor.get(keyBuffer(prefix), GetOp.MDB_SET_RANGE);
          } else {
            found = cursor.get(keyBuffer(fromInclusive), GetOp.MDB_SET_RANGE);
          }
          while (found) {
            ByteBuffer k = cursor.key();
            byte[] key = new byte[k.remaining()];
            k.get(key);
            if (toExclusive != null && Arrays.compareUnsigned(key, toExclusive) >= 0) {
              return;
            }
            if (fromInclusive != null && Arrays.compareUnsigned(key, fromInclusive) < 0) {
              found = cursor.next();
              continue;
            }
            ByteBuffer v = cursor.val();
            byte[] value = new byte[v.remaining()];
            v.get(value);
            if (!visitor.visit(key, value)) {
              return;
            }
            found = cursor.next();
          }
        } finally {
          releaseReadTxn(txn);
        }
      } catch (LmdbException e) {
        throw failure("scan of " + name, e);
      } finally {
        resizeLock.readLock().unlock();
      }
    }

    @Override
    public String toString() {
      return description + " keyspace " + name;
    }
  }

  /**
   * The LMDB map is full and {@code autoGrow} is off: raise {@code mapSize} (or enable {@code
   * autoGrow}) in {@link LmdbStorageEngineFactory.Options}. The write was not applied.
   */
  public static final class MapFullException extends StorageException {
    private static final long serialVersionUID = 1L;

    MapFullException(String engine, long mapSizeBytes, Throwable cause) {
      super(
          engine
              + ": the LMDB map is full at "
              + mapSizeBytes
              + " bytes and autoGrow is off; raise the mapSize option or enable autoGrow. The"
              + " write was not applied",
          cause);
    }
  }

  /**
   * Another engine, in this process or another, holds the directory. LMDB itself would let two
   * environments share it; this adapter refuses, so two servers cannot run on one data directory.
   */
  public static final class DirectoryLockedException extends StorageException {
    private static final long serialVersionUID = 1L;

    DirectoryLockedException(Path directory) {
      super(
          "lmdb at "
              + directory
              + ": the directory is in use by another engine (this process or another holds "
              + directory.resolve(LOCK_FILE)
              + "); close it or stop the other process first");
    }
  }

  /** The JVM lacks the flags lmdbjava needs to reach into {@code java.nio}. */
  public static final class MissingJvmFlagsException extends StorageException {
    private static final long serialVersionUID = 1L;

    MissingJvmFlagsException(Path directory, List<String> flags) {
      super(message(directory, flags));
    }

    MissingJvmFlagsException(Path directory, List<String> flags, Throwable cause) {
      super(message(directory, flags), cause);
    }

    private static String message(Path directory, List<String> flags) {
      return "lmdb at "
          + directory
          + ": lmdbjava needs JVM flags this JVM was started without; add to the java command"
          + " line: "
          + String.join(" ", flags);
    }
  }
}
