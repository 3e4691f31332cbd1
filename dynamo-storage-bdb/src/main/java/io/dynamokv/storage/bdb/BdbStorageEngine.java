/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import com.sleepycat.je.CacheMode;
import com.sleepycat.je.Cursor;
import com.sleepycat.je.Database;
import com.sleepycat.je.DatabaseConfig;
import com.sleepycat.je.DatabaseEntry;
import com.sleepycat.je.DatabaseException;
import com.sleepycat.je.Environment;
import com.sleepycat.je.EnvironmentConfig;
import com.sleepycat.je.EnvironmentLockedException;
import com.sleepycat.je.LockConflictException;
import com.sleepycat.je.LockMode;
import com.sleepycat.je.OperationStatus;
import com.sleepycat.je.Transaction;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.spi.WriteBatch;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.StampedLock;
import java.util.function.UnaryOperator;

/**
 * The {@link StorageEngine} on BerkeleyDB Java Edition: one transactional JE environment per
 * directory, one JE database per keyspace. Obtain it from {@link BdbStorageEngineFactory}; the
 * class is public only so callers can name its exceptions.
 */
public final class BdbStorageEngine implements StorageEngine {
  /**
   * Keys live in JE's internal B-tree nodes, which stay in the heap (also under {@code EVICT_LN}),
   * so they are bounded: 1 KiB holds a 16-byte token, a 256-byte user key and framing with room to
   * spare.
   */
  static final int MAX_KEY_BYTES = 1024;

  /** Environments open in this JVM, by real path: JE would silently share them. */
  private static final Set<Path> OPEN_DIRECTORIES = ConcurrentHashMap.newKeySet();

  /** How long writes keep retrying after lock conflicts (timeouts) before giving up. */
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** Lock timeout of scan transactions: a scan cannot retry once it has delivered an entry. */
  private static final long SCAN_LOCK_TIMEOUT_MILLIS = 10_000;

  private static final byte[] EMPTY = new byte[0];
  private static final Comparator<WriteBatch.Operation> BATCH_ORDER =
      Comparator.comparing(WriteBatch.Operation::keyspace)
          .thenComparing(WriteBatch.Operation::key, Arrays::compareUnsigned);

  private final Path directory;
  private final Environment env;
  private final Durability durability;
  private final String description;
  private final Map<String, BdbKeyspace> keyspaces = new ConcurrentHashMap<>();
  // Operations hold a read stamp, close() the write stamp: close waits for operations in flight.
  private final StampedLock closeLock = new StampedLock();
  private volatile boolean closed;

  private BdbStorageEngine(Path directory, Environment env, Durability durability) {
    this.directory = directory;
    this.env = env;
    this.durability = durability;
    this.description = "bdb at " + directory;
  }

  static BdbStorageEngine open(Path requested, BdbStorageEngineFactory.Options options) {
    Path directory = prepareDirectory(requested.toAbsolutePath().normalize());
    if (!OPEN_DIRECTORIES.add(directory)) {
      throw new DirectoryInUseException(
          directory, "it is already open in this JVM; close the other engine first", null);
    }
    try {
      Environment env = new Environment(directory.toFile(), environmentConfig(options));
      return new BdbStorageEngine(directory, env, options.durability());
    } catch (EnvironmentLockedException e) {
      OPEN_DIRECTORIES.remove(directory);
      throw new DirectoryInUseException(
          directory,
          "another process holds its lock file je.lck; stop that process or use another directory",
          e);
    } catch (DatabaseException e) {
      OPEN_DIRECTORIES.remove(directory);
      throw new UnusableDirectoryException(
          directory,
          "it does not hold a readable JE environment ("
              + e.getMessage()
              + "); move its contents away or use another directory",
          e);
    } catch (RuntimeException | Error e) {
      OPEN_DIRECTORIES.remove(directory);
      throw e;
    }
  }

  private static Path prepareDirectory(Path directory) {
    if (!Files.exists(directory)) {
      Path parent = directory.getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new UnusableDirectoryException(
            directory,
            "it does not exist and neither does its parent; create the parent directory first",
            null);
      }
      try {
        Files.createDirectory(directory);
      } catch (IOException e) {
        if (!Files.isDirectory(directory)) {
          throw new UnusableDirectoryException(directory, "it could not be created: " + e, e);
        }
      }
    }
    if (!Files.isDirectory(directory)) {
      throw new UnusableDirectoryException(
          directory, "it is not a directory; point the engine at a directory", null);
    }
    if (!Files.isWritable(directory)) {
      throw new UnusableDirectoryException(
          directory, "it is not writable by this process; fix its permissions", null);
    }
    try {
      return directory.toRealPath();
    } catch (IOException e) {
      throw new UnusableDirectoryException(directory, "its real path cannot be resolved: " + e, e);
    }
  }

  static EnvironmentConfig environmentConfig(BdbStorageEngineFactory.Options options) {
    EnvironmentConfig config = new EnvironmentConfig();
    config.setAllowCreate(true);
    config.setTransactional(true);
    config.setSharedCache(false);
    config.setDurability(jeDurability(options.durability()));
    if (options.cacheBytes() > 0) {
      config.setCacheSize(options.cacheBytes());
    } else {
      config.setCachePercent(options.cachePercent());
    }
    config.setCacheMode(jeCacheMode(options.cacheMode()));
    config.setConfigParam(
        EnvironmentConfig.CLEANER_MIN_UTILIZATION,
        Integer.toString(options.cleanerMinUtilization()));
    config.setConfigParam(
        EnvironmentConfig.CLEANER_THREADS, Integer.toString(options.cleanerThreads()));
    config.setConfigParam(EnvironmentConfig.LOG_FILE_MAX, Long.toString(options.logFileBytes()));
    return config;
  }

  /** The JE commit durability for each of the engine's modes. */
  static com.sleepycat.je.Durability jeDurability(Durability durability) {
    return switch (durability) {
      case SYNC -> com.sleepycat.je.Durability.COMMIT_SYNC;
      case WRITE_NO_SYNC -> com.sleepycat.je.Durability.COMMIT_WRITE_NO_SYNC;
      case NO_SYNC -> com.sleepycat.je.Durability.COMMIT_NO_SYNC;
    };
  }

  static CacheMode jeCacheMode(BdbStorageEngineFactory.CacheMode mode) {
    return switch (mode) {
      case DEFAULT -> CacheMode.DEFAULT;
      case EVICT_LN -> CacheMode.EVICT_LN;
    };
  }

  /** The JE environment, for tests. */
  Environment environment() {
    return env;
  }

  @Override
  public Keyspace keyspace(String name) {
    Objects.requireNonNull(name, "name");
    if (!KEYSPACE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "keyspace name must match " + KEYSPACE_NAME.pattern() + ", found: " + name);
    }
    long stamp = enter();
    try {
      return keyspaceOpen(name);
    } finally {
      closeLock.unlockRead(stamp);
    }
  }

  private BdbKeyspace keyspaceOpen(String name) {
    BdbKeyspace ks = keyspaces.get(name);
    return ks != null ? ks : keyspaces.computeIfAbsent(name, this::openDatabase);
  }

  private BdbKeyspace openDatabase(String name) {
    DatabaseConfig config = new DatabaseConfig();
    config.setTransactional(true);
    config.setAllowCreate(true);
    // Storage keys share long prefixes (the partition token): store each prefix once per node.
    config.setKeyPrefixing(true);
    try {
      return new BdbKeyspace(name, env.openDatabase(null, name, config));
    } catch (DatabaseException e) {
      throw failure("opening keyspace " + name, e);
    }
  }

  @Override
  public void write(WriteBatch batch) {
    Objects.requireNonNull(batch, "batch");
    // Validate everything before writing anything; keep the last operation on each key (the batch
    // is applied as one transaction, so only the final state of each key is observable), and
    // apply in (keyspace, key) order: every multi-key transaction then takes its locks in one
    // global order, so batches and scans can never deadlock each other.
    TreeMap<WriteBatch.Operation, WriteBatch.Operation> last = new TreeMap<>(BATCH_ORDER);
    for (WriteBatch.Operation op : batch.operations()) {
      if (!KEYSPACE_NAME.matcher(op.keyspace()).matches()) {
        throw new IllegalArgumentException(
            "keyspace name must match " + KEYSPACE_NAME.pattern() + ", found: " + op.keyspace());
      }
      checkKey(op.key());
      last.put(op, op);
    }
    long stamp = enter();
    try {
      if (last.isEmpty()) {
        return;
      }
      Database[] dbs = new Database[last.size()];
      int i = 0;
      for (WriteBatch.Operation op : last.values()) {
        dbs[i++] = keyspaceOpen(op.keyspace()).db;
      }
      long deadline = 0;
      while (true) {
        Transaction txn = env.beginTransaction(null, null);
        try {
          i = 0;
          for (WriteBatch.Operation op : last.values()) {
            DatabaseEntry key = new DatabaseEntry(op.key());
            if (op.isDelete()) {
              dbs[i++].delete(txn, key);
            } else {
              dbs[i++].put(txn, key, new DatabaseEntry(op.value()));
            }
          }
          txn.commit();
          txn = null;
          return;
        } catch (LockConflictException e) {
          deadline = retryOrFail(deadline, "writing a batch", e);
        } finally {
          if (txn != null) {
            txn.abort();
          }
        }
      }
    } catch (DatabaseException e) {
      throw failure("writing a batch", e);
    } finally {
      closeLock.unlockRead(stamp);
    }
  }

  @Override
  public Durability durability() {
    return durability;
  }

  /** Writes and fsyncs JE's log. */
  @Override
  public void flush() {
    long stamp = enter();
    try {
      env.flushLog(true);
    } catch (DatabaseException e) {
      throw failure("flushing", e);
    } finally {
      closeLock.unlockRead(stamp);
    }
  }

  @Override
  public int maxKeyBytes() {
    return MAX_KEY_BYTES;
  }

  /**
   * The total size of JE's log files ({@code *.jdb}: live data plus what the cleaner has not yet
   * reclaimed). Lists the directory: one file per {@code logFileBytes}, so a few thousand entries
   * even for a terabyte. (JE's own {@code EnvironmentStats.getTotalLogSize()} lags behind: it
   * counts only what the cleaner's utilization profile has seen.)
   */
  @Override
  public long approximateSizeBytes() {
    long stamp = enter();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.jdb")) {
      long total = 0;
      for (Path file : files) {
        try {
          total += Files.size(file);
        } catch (NoSuchFileException e) {
          // deleted by the cleaner while we listed
        }
      }
      return total;
    } catch (IOException e) {
      throw new StorageException(description + ": listing the log files failed: " + e, e);
    } finally {
      closeLock.unlockRead(stamp);
    }
  }

  @Override
  public String describe() {
    return description;
  }

  /** Waits for operations in flight, flushes and fsyncs the log, and closes the environment. */
  @Override
  public void close() {
    long stamp = closeLock.writeLock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      RuntimeException failure = null;
      for (BdbKeyspace ks : keyspaces.values()) {
        try {
          ks.db.close();
        } catch (RuntimeException e) {
          failure = addFailure(failure, e);
        }
      }
      try {
        env.flushLog(true);
        env.close();
      } catch (RuntimeException e) {
        failure = addFailure(failure, e);
      } finally {
        OPEN_DIRECTORIES.remove(directory);
      }
      if (failure != null) {
        throw new StorageException(description + ": closing failed: " + failure, failure);
      }
    } finally {
      closeLock.unlockWrite(stamp);
    }
  }

  private static RuntimeException addFailure(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  private long enter() {
    long stamp = closeLock.readLock();
    if (closed) {
      closeLock.unlockRead(stamp);
      throw new StorageException.Closed(description);
    }
    return stamp;
  }

  private static void checkKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be 1 to " + MAX_KEY_BYTES + " bytes, found " + key.length);
    }
  }

  private long retryOrFail(long deadline, String what, LockConflictException e) {
    long now = System.nanoTime();
    if (deadline == 0) {
      return now + RETRY_NANOS;
    }
    if (now - deadline > 0) {
      throw new StorageException(
          description
              + ": "
              + what
              + " kept conflicting with other transactions for "
              + TimeUnit.NANOSECONDS.toSeconds(RETRY_NANOS)
              + " s (is a scan visitor slow?): "
              + e.getMessage(),
          e);
    }
    return deadline;
  }

  private StorageException failure(String what, DatabaseException e) {
    return new StorageException(description + ": " + what + " failed: " + e.getMessage(), e);
  }

  private static byte[] value(DatabaseEntry entry) {
    byte[] data = entry.getData();
    return data == null || data.length == 0 ? new byte[0] : data;
  }

  private final class BdbKeyspace implements Keyspace {
    private final String name;
    private final Database db;

    BdbKeyspace(String name, Database db) {
      this.name = name;
      this.db = db;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte[] get(byte[] key) {
      checkKey(key);
      long stamp = enter();
      try {
        DatabaseEntry k = new DatabaseEntry(key);
        DatabaseEntry v = new DatabaseEntry();
        long deadline = 0;
        while (true) {
          try {
            // No transaction: the read lock is held for the call only (read committed), which is
            // all a single-key read needs; it waits for an uncommitted write of the key.
            return db.get(null, k, v, LockMode.DEFAULT) == OperationStatus.SUCCESS
                ? value(v)
                : null;
          } catch (LockConflictException e) {
            deadline = retryOrFail(deadline, "reading from " + name, e);
          }
        }
      } catch (DatabaseException e) {
        throw failure("reading from " + name, e);
      } finally {
        closeLock.unlockRead(stamp);
      }
    }

    @Override
    public void put(byte[] key, byte[] value) {
      checkKey(key);
      Objects.requireNonNull(value, "value");
      long stamp = enter();
      try {
        DatabaseEntry k = new DatabaseEntry(key);
        DatabaseEntry v = new DatabaseEntry(value);
        long deadline = 0;
        while (true) {
          try {
            db.put(null, k, v); // auto-commit with the environment's durability
            return;
          } catch (LockConflictException e) {
            deadline = retryOrFail(deadline, "writing to " + name, e);
          }
        }
      } catch (DatabaseException e) {
        throw failure("writing to " + name, e);
      } finally {
        closeLock.unlockRead(stamp);
      }
    }

    @Override
    public void delete(byte[] key) {
      checkKey(key);
      long stamp = enter();
      try {
        DatabaseEntry k = new DatabaseEntry(key);
        long deadline = 0;
        while (true) {
          try {
            db.delete(null, k);
            return;
          } catch (LockConflictException e) {
            deadline = retryOrFail(deadline, "deleting from " + name, e);
          }
        }
      } catch (DatabaseException e) {
        throw failure("deleting from " + name, e);
      } finally {
        closeLock.unlockRead(stamp);
      }
    }

    @Override
    public byte[] update(byte[] key, UnaryOperator<byte[]> fn) {
      checkKey(key);
      Objects.requireNonNull(fn, "fn");
      long stamp = enter();
      try {
        DatabaseEntry k = new DatabaseEntry(key);
        DatabaseEntry v = new DatabaseEntry();
        long deadline = 0;
        while (true) {
          Transaction txn = env.beginTransaction(null, null);
          try {
            // Take the key's write lock before calling fn, so that a lock conflict (the only
            // reason to retry) can only happen before fn runs: fn runs exactly once. An absent key
            // has no record to lock: insert an uncommitted placeholder, which readers wait for.
            byte[] current;
            boolean placeholder;
            while (true) {
              if (db.get(txn, k, v, LockMode.RMW) == OperationStatus.SUCCESS) {
                current = value(v);
                placeholder = false;
                break;
              }
              if (db.putNoOverwrite(txn, k, new DatabaseEntry(EMPTY)) == OperationStatus.SUCCESS) {
                current = null;
                placeholder = true;
                break;
              }
              // Another transaction inserted the key in between: lock its record instead.
            }
            byte[] next;
            try {
              next = fn.apply(current);
            } catch (RuntimeException | Error e) {
              txn.abort();
              txn = null;
              throw e;
            }
            if (next == current && current != null || next == null && placeholder) {
              txn.abort(); // untouched: nothing to write, the placeholder goes away
            } else {
              if (next == null) {
                db.delete(txn, k);
              } else {
                db.put(txn, k, new DatabaseEntry(next));
              }
              txn.commit();
            }
            txn = null;
            return next;
          } catch (LockConflictException e) {
            deadline = retryOrFail(deadline, "updating in " + name, e);
          } finally {
            if (txn != null) {
              txn.abort();
            }
          }
        }
      } catch (DatabaseException e) {
        throw failure("updating in " + name, e);
      } finally {
        closeLock.unlockRead(stamp);
      }
    }

    @Override
    public void scan(byte[] fromInclusive, byte[] toExclusive, EntryVisitor visitor) {
      Objects.requireNonNull(visitor, "visitor");
      long stamp = enter();
      try {
        if (fromInclusive != null
            && toExclusive != null
            && Arrays.compareUnsigned(fromInclusive, toExclusive) >= 0) {
          return;
        }
        long deadline = 0;
        while (true) {
          boolean delivered = false;
          // A repeatable-read transaction: every entry read stays read-locked until the end, so a
          // batch (which locks all its keys until it commits) is seen whole or not at all.
          Transaction txn = env.beginTransaction(null, null);
          try {
            txn.setLockTimeout(SCAN_LOCK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            try (Cursor cursor = db.openCursor(txn, null)) {
              DatabaseEntry k =
                  fromInclusive == null
                      ? new DatabaseEntry()
                      : new DatabaseEntry(fromInclusive.clone());
              DatabaseEntry v = new DatabaseEntry();
              OperationStatus status =
                  fromInclusive == null
                      ? cursor.getFirst(k, v, LockMode.DEFAULT)
                      : cursor.getSearchKeyRange(k, v, LockMode.DEFAULT);
              while (status == OperationStatus.SUCCESS) {
                byte[] key = k.getData();
                if (toExclusive != null && Arrays.compareUnsigned(key, toExclusive) >= 0) {
                  break;
                }
                delivered = true;
                if (!visitor.visit(key, value(v))) {
                  break;
                }
                status = cursor.getNext(k, v, LockMode.DEFAULT);
              }
            }
            return;
          } catch (LockConflictException e) {
            if (delivered) {
              throw new StorageException(
                  description
                      + ": scan of "
                      + name
                      + " waited more than "
                      + SCAN_LOCK_TIMEOUT_MILLIS
                      + " ms for a lock after delivering entries, so it cannot restart: "
                      + e.getMessage(),
                  e);
            }
            deadline = retryOrFail(deadline, "scanning " + name, e);
          } finally {
            txn.abort();
          }
        }
      } catch (DatabaseException e) {
        throw failure("scanning " + name, e);
      } finally {
        closeLock.unlockRead(stamp);
      }
    }
  }

  /** The directory is held by another open engine, in this JVM or in another process. */
  public static final class DirectoryInUseException extends StorageException {
    private static final long serialVersionUID = 1L;

    DirectoryInUseException(Path directory, String why, Throwable cause) {
      super("cannot open a bdb engine at " + directory + ": " + why, cause);
    }
  }

  /**
   * The directory cannot hold a JE environment: it is missing (and so is its parent), not a
   * directory, not writable, or holds files JE cannot read.
   */
  public static final class UnusableDirectoryException extends StorageException {
    private static final long serialVersionUID = 1L;

    UnusableDirectoryException(Path directory, String why, Throwable cause) {
      super("cannot open a bdb engine at " + directory + ": " + why, cause);
    }
  }
}
