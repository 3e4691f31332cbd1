/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import com.sleepycat.je.CacheMode;
import com.sleepycat.je.Database;
import com.sleepycat.je.DatabaseConfig;
import com.sleepycat.je.DatabaseEntry;
import com.sleepycat.je.Environment;
import com.sleepycat.je.EnvironmentConfig;
import com.sleepycat.je.LockMode;
import com.sleepycat.je.OperationStatus;
import com.sleepycat.je.Transaction;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.WriteBatch;
import io.dynamokv.storage.bdb.BdbStorageEngineFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Single-key get and put through the BerkeleyDB JE adapter ({@code impl=adapter}: {@link
 * BdbStorageEngineFactory} and the {@link StorageEngine} interface) against raw JE doing the same
 * work ({@code impl=raw}) in the same run, on 100,000 pre-populated 24-byte keys.
 *
 * <p>Both use the same environment settings: transactional, {@code COMMIT_WRITE_NO_SYNC}, 256 MiB
 * cache, {@code EVICT_LN}, 64 MiB log files, cleaner at 50% with one thread, key prefixing. Raw JE
 * does what the adapter needs for the same guarantees: {@code Database.get} without a transaction
 * (read committed) and auto-commit {@code Database.put}, reusing its {@code DatabaseEntry} objects.
 * Gets and puts pick keys uniformly at random or walk them in order ({@code keyOrder}); puts
 * overwrite existing keys.
 *
 * <pre>
 * mvn -B -o -pl dynamo-bench -am package -DskipTests
 * java -jar dynamo-bench/target/benchmarks.jar BdbStorage -f 2 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BdbStorageBenchmark {
  private static final int KEYS = 100_000;
  private static final long CACHE_BYTES = 256L << 20;

  @Param({"adapter", "raw"})
  public String impl;

  @Param({"100", "1024"})
  public int valueBytes;

  @Param({"random", "sequential"})
  public String keyOrder;

  private Path directory;
  private StorageEngine engine;
  private Keyspace keyspace;
  private Environment env;
  private Database db;
  private final DatabaseEntry rawKey = new DatabaseEntry();
  private final DatabaseEntry rawValue = new DatabaseEntry();
  private final DatabaseEntry rawRead = new DatabaseEntry();
  private byte[] value;
  private boolean random;
  private final SplittableRandom rnd = new SplittableRandom(42);
  private long next;

  @Setup(Level.Trial)
  public void open() throws IOException {
    directory = Files.createTempDirectory("bdb-bench");
    value = new byte[valueBytes];
    new SplittableRandom(7).nextBytes(value);
    random = keyOrder.equals("random");
    switch (impl) {
      case "adapter" -> {
        engine =
            new BdbStorageEngineFactory(
                    BdbStorageEngineFactory.Options.builder()
                        .durability(Durability.WRITE_NO_SYNC)
                        .cacheBytes(CACHE_BYTES)
                        .cacheMode(BdbStorageEngineFactory.CacheMode.EVICT_LN)
                        .build())
                .open(directory);
        keyspace = engine.keyspace(StorageEngine.DATA);
        for (int batch = 0; batch < KEYS; batch += 1000) {
          WriteBatch.Builder b = WriteBatch.builder();
          for (int i = batch; i < batch + 1000; i++) {
            b.put(StorageEngine.DATA, key(i), value);
          }
          engine.write(b.build());
        }
        engine.flush();
      }
      case "raw" -> {
        EnvironmentConfig config = new EnvironmentConfig();
        config.setAllowCreate(true);
        config.setTransactional(true);
        config.setDurability(com.sleepycat.je.Durability.COMMIT_WRITE_NO_SYNC);
        config.setCacheSize(CACHE_BYTES);
        config.setCacheMode(CacheMode.EVICT_LN);
        // The adapter's defaults: 64 MiB log files, cleaner at 50% with one thread.
        config.setConfigParam(EnvironmentConfig.LOG_FILE_MAX, Long.toString(64L << 20));
        config.setConfigParam(EnvironmentConfig.CLEANER_MIN_UTILIZATION, "50");
        config.setConfigParam(EnvironmentConfig.CLEANER_THREADS, "1");
        env = new Environment(directory.toFile(), config);
        DatabaseConfig dbConfig = new DatabaseConfig();
        dbConfig.setAllowCreate(true);
        dbConfig.setTransactional(true);
        dbConfig.setKeyPrefixing(true);
        db = env.openDatabase(null, StorageEngine.DATA, dbConfig);
        rawValue.setData(value);
        for (int batch = 0; batch < KEYS; batch += 1000) {
          Transaction txn = env.beginTransaction(null, null);
          for (int i = batch; i < batch + 1000; i++) {
            db.put(txn, new DatabaseEntry(key(i)), rawValue);
          }
          txn.commit();
        }
        env.flushLog(true);
      }
      default -> throw new IllegalArgumentException("impl: " + impl);
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    if (engine != null) {
      engine.close();
    }
    if (db != null) {
      db.close();
      env.close();
    }
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** 24 bytes, as a storage key: an 8-byte store prefix, then the index (big-endian), then 0. */
  private static byte[] key(long i) {
    return ByteBuffer.allocate(24).putLong(0x0123_4567_89ab_cdefL).putLong(i).putLong(0).array();
  }

  private byte[] nextKey() {
    return key(random ? rnd.nextInt(KEYS) : next++ % KEYS);
  }

  @Benchmark
  public byte[] get() {
    byte[] key = nextKey();
    if (engine != null) {
      return keyspace.get(key);
    }
    rawKey.setData(key);
    return db.get(null, rawKey, rawRead, LockMode.DEFAULT) == OperationStatus.SUCCESS
        ? rawRead.getData()
        : null;
  }

  @Benchmark
  public void put() {
    byte[] key = nextKey();
    if (engine != null) {
      keyspace.put(key, value);
      return;
    }
    rawKey.setData(key);
    db.put(null, rawKey, rawValue);
  }
}
