/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.StorageEngine;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Opens {@link StorageEngine}s on BerkeleyDB Java Edition. The only way into this module besides
 * {@link BdbStorageModule}.
 *
 * <pre>{@code
 * StorageEngine engine =
 *     new BdbStorageEngineFactory(
 *             BdbStorageEngineFactory.Options.builder()
 *                 .cacheBytes(256L << 20)
 *                 .durability(Durability.WRITE_NO_SYNC)
 *                 .build())
 *         .open(Path.of("/var/lib/dynamo/node1/bdb"));
 * }</pre>
 *
 * <p>Thread-safe and stateless: one factory may open any number of directories.
 */
public final class BdbStorageEngineFactory {
  private final Options options;

  /** A factory with {@linkplain Options#defaults() default options}. */
  public BdbStorageEngineFactory() {
    this(Options.defaults());
  }

  public BdbStorageEngineFactory(Options options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  public Options options() {
    return options;
  }

  /**
   * Opens (creating if needed) the JE environment in {@code directory}.
   *
   * <p>A missing {@code directory} is created when its parent directory exists; a missing parent is
   * an error (a typo in a path should not silently create a tree). The directory MUST be writable,
   * MUST NOT be open in another engine (in this JVM or another process) and MUST hold either
   * nothing or a JE environment.
   *
   * @throws BdbStorageEngine.DirectoryInUseException another engine or process holds {@code
   *     directory}
   * @throws BdbStorageEngine.UnusableDirectoryException {@code directory} is missing with its
   *     parent, not a directory, not writable, or not a readable JE environment
   */
  public StorageEngine open(Path directory) {
    return BdbStorageEngine.open(Objects.requireNonNull(directory, "directory"), options);
  }

  /**
   * What JE keeps in its heap cache.
   *
   * <p>JE's B-tree has internal nodes (keys and child pointers) and leaf nodes (the records'
   * values, "LNs").
   */
  public enum CacheMode {
    /**
     * Internal nodes and values stay cached, evicted by LRU when the cache is full (JE's default).
     * Best when the whole data set fits the cache.
     */
    DEFAULT,

    /**
     * Values are evicted from the cache as soon as an operation is done with them; the index stays
     * in the heap and values are served from the operating system's page cache. This is what
     * Project Voldemort ran in production: far less garbage-collection pressure and a cache that
     * holds the whole index of a large store. Recommended.
     */
    EVICT_LN
  }

  /**
   * How the environment is tuned. Immutable; build with {@link #builder()}.
   *
   * @param durability what an acknowledged write survives
   * @param cacheBytes JE cache size in bytes, or 0 to size it by {@code cachePercent}
   * @param cachePercent JE cache size as a percentage of the maximum heap, used when {@code
   *     cacheBytes} is 0
   * @param cacheMode what the cache keeps
   * @param cleanerMinUtilization the log cleaner keeps the share of live data in the log files at
   *     or above this percentage (JE's {@code je.cleaner.minUtilization}); lower means less
   *     cleaning I/O and more disk space
   * @param cleanerThreads log cleaner threads ({@code je.cleaner.threads}); raise it when the
   *     cleaner cannot keep up with a write-heavy load (the log grows beyond its utilization)
   * @param logFileBytes size of each log file ({@code je.log.fileMax}); the cleaner reclaims space
   *     a whole file at a time
   */
  public record Options(
      Durability durability,
      long cacheBytes,
      int cachePercent,
      CacheMode cacheMode,
      int cleanerMinUtilization,
      int cleanerThreads,
      long logFileBytes) {
    /** The JE minimum cache size: smaller settings are refused. */
    public static final long MIN_CACHE_BYTES = 96 * 1024;

    public Options {
      Objects.requireNonNull(durability, "durability");
      Objects.requireNonNull(cacheMode, "cacheMode");
      if (cacheBytes != 0 && cacheBytes < MIN_CACHE_BYTES) {
        throw new IllegalArgumentException(
            "cacheBytes must be 0 (use cachePercent) or at least "
                + MIN_CACHE_BYTES
                + ", found "
                + cacheBytes);
      }
      if (cachePercent < 1 || cachePercent > 90) {
        throw new IllegalArgumentException("cachePercent must be 1 to 90, found " + cachePercent);
      }
      if (cleanerMinUtilization < 0 || cleanerMinUtilization > 90) {
        throw new IllegalArgumentException(
            "cleanerMinUtilization must be 0 to 90 (percent), found " + cleanerMinUtilization);
      }
      if (cleanerThreads < 1) {
        throw new IllegalArgumentException(
            "cleanerThreads must be at least 1, found " + cleanerThreads);
      }
      if (logFileBytes < 1_000_000L || logFileBytes > 1_073_741_824L) {
        throw new IllegalArgumentException(
            "logFileBytes must be 1,000,000 to 1 GiB, found " + logFileBytes);
      }
    }

    /**
     * {@link Durability#WRITE_NO_SYNC}, 40% of the heap as cache, {@link CacheMode#EVICT_LN},
     * cleaner at 50% minimum utilization with one thread, 64 MiB log files.
     */
    public static Options defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Builds {@link Options}; not thread-safe. */
    public static final class Builder {
      private Durability durability = Durability.WRITE_NO_SYNC;
      private long cacheBytes = 0;
      private int cachePercent = 40;
      private CacheMode cacheMode = CacheMode.EVICT_LN;
      private int cleanerMinUtilization = 50;
      private int cleanerThreads = 1;
      private long logFileBytes = 64L * 1024 * 1024;

      private Builder() {}

      public Builder durability(Durability durability) {
        this.durability = durability;
        return this;
      }

      /** A fixed cache size in bytes (replaces any {@link #cachePercent}). */
      public Builder cacheBytes(long cacheBytes) {
        this.cacheBytes = cacheBytes;
        return this;
      }

      /** A cache size as a percentage of the maximum heap (replaces any {@link #cacheBytes}). */
      public Builder cachePercent(int cachePercent) {
        this.cacheBytes = 0;
        this.cachePercent = cachePercent;
        return this;
      }

      public Builder cacheMode(CacheMode cacheMode) {
        this.cacheMode = cacheMode;
        return this;
      }

      public Builder cleanerMinUtilization(int percent) {
        this.cleanerMinUtilization = percent;
        return this;
      }

      public Builder cleanerThreads(int threads) {
        this.cleanerThreads = threads;
        return this;
      }

      public Builder logFileBytes(long bytes) {
        this.logFileBytes = bytes;
        return this;
      }

      public Options build() {
        return new Options(
            durability,
            cacheBytes,
            cachePercent,
            cacheMode,
            cleanerMinUtilization,
            cleanerThreads,
            logFileBytes);
      }
    }
  }
}
