/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.lmdb;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.lmdbjava.ByteBufferProxy;
import org.lmdbjava.EnvFlags;

/**
 * Opens {@link StorageEngine}s on LMDB (lmdbjava): one LMDB environment per node data directory,
 * one named LMDB database per {@linkplain io.dynamokv.core.spi.Keyspace keyspace}.
 *
 * <p>The JVM needs {@code --add-opens java.base/java.nio=ALL-UNNAMED --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED}; without them {@link #open(Path)} throws {@link
 * LmdbStorageEngine.MissingJvmFlagsException} naming the flags to add.
 *
 * <p>The directory: created when missing if its parent exists (a missing parent is a clear error,
 * so a typo does not silently create a tree); it MUST be writable. The engine holds an exclusive
 * lock on {@code dynamo.lock} in the directory for its lifetime, so a second engine on the same
 * directory, in this process or another, fails with {@link
 * LmdbStorageEngine.DirectoryLockedException} (LMDB itself allows several environments on one
 * directory).
 *
 * <p>Thread-safe and stateless apart from its options.
 */
public final class LmdbStorageEngineFactory {
  private final Options options;

  /** A factory with {@link Options#defaults()}. */
  public LmdbStorageEngineFactory() {
    this(Options.defaults());
  }

  public LmdbStorageEngineFactory(Options options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  public Options options() {
    return options;
  }

  /**
   * Opens (creating if needed) the engine stored in {@code directory}.
   *
   * @throws LmdbStorageEngine.MissingJvmFlagsException when the JVM lacks the flags lmdbjava needs
   * @throws LmdbStorageEngine.DirectoryLockedException when another engine has the directory open
   * @throws StorageException when the directory cannot be created or written, or holds something
   *     that is not an LMDB environment
   */
  public StorageEngine open(Path directory) {
    Objects.requireNonNull(directory, "directory");
    Path dir = directory.toAbsolutePath().normalize();
    List<String> missing = missingJvmFlags(Object.class.getModule(), ByteBufferProxy.class);
    if (!missing.isEmpty()) {
      throw new LmdbStorageEngine.MissingJvmFlagsException(dir, missing);
    }
    prepareDirectory(dir);
    return LmdbStorageEngine.open(dir, options);
  }

  /**
   * The JVM flags lmdbjava needs that this JVM lacks: lmdbjava reads {@code java.nio.Buffer}'s
   * address field reflectively and uses {@code sun.nio.ch}.
   */
  static List<String> missingJvmFlags(Module javaBase, Class<?> lmdbjavaClass) {
    Module lmdbjava = lmdbjavaClass.getModule();
    String target = lmdbjava.isNamed() ? lmdbjava.getName() : "ALL-UNNAMED";
    List<String> missing = new ArrayList<>();
    if (!javaBase.isOpen("java.nio", lmdbjava)) {
      missing.add("--add-opens java.base/java.nio=" + target);
    }
    if (!javaBase.isExported("sun.nio.ch", lmdbjava)) {
      missing.add("--add-exports java.base/sun.nio.ch=" + target);
    }
    return missing;
  }

  /**
   * The LMDB environment flags for {@code durability}. Every mode uses {@code MDB_NOTLS}, so read
   * transactions are not bound to threads and reader slots belong to transactions.
   *
   * <ul>
   *   <li>{@link Durability#SYNC}: LMDB's default, an fsync of data and meta page per commit.
   *   <li>{@link Durability#WRITE_NO_SYNC} and {@link Durability#NO_SYNC}: {@code MDB_NOSYNC}.
   *       Without {@code MDB_WRITEMAP}, LMDB writes each commit's pages to the OS with {@code
   *       pwrite} before the commit returns, so there is no engine-side buffer that {@code NO_SYNC}
   *       could skip: both modes survive a JVM crash and lose up to one flush interval on an OS
   *       crash. ({@code MDB_NOMETASYNC} would be redundant: {@code MDB_NOSYNC} skips both syncs.)
   * </ul>
   */
  static Set<EnvFlags> envFlags(Durability durability) {
    EnumSet<EnvFlags> flags = EnumSet.of(EnvFlags.MDB_NOTLS);
    switch (durability) {
      case SYNC -> {}
      case WRITE_NO_SYNC, NO_SYNC -> flags.add(EnvFlags.MDB_NOSYNC);
    }
    return flags;
  }

  private static void prepareDirectory(Path dir) {
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw new StorageException(
            "lmdb at " + dir + ": expected a directory, found a file; point the engine elsewhere");
      }
    } else {
      Path parent = dir.getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new StorageException(
            "lmdb at "
                + dir
                + ": the directory does not exist and neither does its parent "
                + parent
                + "; create the parent first (only the last path element is created)");
      }
      try {
        Files.createDirectory(dir);
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // created concurrently: fine
      } catch (java.io.IOException e) {
        throw new StorageException("lmdb at " + dir + ": cannot create the directory: " + e, e);
      }
    }
    if (!Files.isWritable(dir)) {
      throw new StorageException(
          "lmdb at "
              + dir
              + ": the directory is not writable by this process; fix its permissions");
    }
  }

  /**
   * How to open an engine. Immutable; build with {@link #builder()}.
   *
   * @param mapSizeBytes the initial LMDB map size (the most the data file may grow to before the
   *     map is grown or writes fail); default 1 GiB. Address space only: the file grows as needed.
   * @param autoGrow whether a full map doubles (under an exclusive lock, waiting for in-flight
   *     reads) and the write is retried; when false a full map fails the write with {@link
   *     LmdbStorageEngine.MapFullException}. Default true.
   * @param maxReaders LMDB reader slots: the most concurrent read transactions (gets and scans in
   *     flight); size it above the server's thread count. Default 256.
   * @param durability what an acknowledged write survives; default {@link Durability#SYNC}
   * @param flushInterval how often a background thread fsyncs the environment in the non-{@code
   *     SYNC} modes; default 1 s
   */
  public record Options(
      long mapSizeBytes,
      boolean autoGrow,
      int maxReaders,
      Durability durability,
      Duration flushInterval) {
    public Options {
      if (mapSizeBytes < 64 * 1024) {
        throw new IllegalArgumentException("mapSizeBytes must be >= 64 KiB, found " + mapSizeBytes);
      }
      if (maxReaders < 1) {
        throw new IllegalArgumentException("maxReaders must be >= 1, found " + maxReaders);
      }
      Objects.requireNonNull(durability, "durability");
      Objects.requireNonNull(flushInterval, "flushInterval");
      if (flushInterval.isNegative() || flushInterval.isZero()) {
        throw new IllegalArgumentException(
            "flushInterval must be positive, found " + flushInterval);
      }
    }

    public static Options defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Collects options; not thread-safe. */
    public static final class Builder {
      private long mapSizeBytes = 1L << 30;
      private boolean autoGrow = true;
      private int maxReaders = 256;
      private Durability durability = Durability.SYNC;
      private Duration flushInterval = Duration.ofSeconds(1);

      private Builder() {}

      public Builder mapSize(long bytes) {
        this.mapSizeBytes = bytes;
        return this;
      }

      public Builder autoGrow(boolean autoGrow) {
        this.autoGrow = autoGrow;
        return this;
      }

      public Builder maxReaders(int maxReaders) {
        this.maxReaders = maxReaders;
        return this;
      }

      public Builder durability(Durability durability) {
        this.durability = durability;
        return this;
      }

      public Builder flushInterval(Duration flushInterval) {
        this.flushInterval = flushInterval;
        return this;
      }

      public Options build() {
        return new Options(mapSizeBytes, autoGrow, maxReaders, durability, flushInterval);
      }
    }
  }
}
