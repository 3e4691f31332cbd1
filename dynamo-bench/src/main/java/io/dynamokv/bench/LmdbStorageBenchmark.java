/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.storage.lmdb.LmdbStorageEngineFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The LMDB adapter against raw lmdbjava doing the same work: the caller holds {@code byte[]} keys
 * and values, gets copy the value out into a fresh {@code byte[]}, each operation is its own
 * transaction, and puts commit with {@code MDB_NOSYNC} (adapter: {@code WRITE_NO_SYNC}) so fsync
 * does not dominate. Both stores are pre-populated with {@value #KEYS} keys; gets and puts hit
 * those keys sequentially or in a random order.
 *
 * <p>Run: {@code java --add-opens java.base/java.nio=ALL-UNNAMED --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED -jar dynamo-bench/target/benchmarks.jar LmdbStorage -f 2 -wi 3
 * -i 5 -w 1 -r 1}. Methods are named so each adapter/raw pair runs back to back; on a noisy machine
 * run one parameter combination per invocation ({@code -p order=random -p valueSize=100}) so both
 * halves of a pair see the same load.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LmdbStorageBenchmark {
  static final int KEYS = 100_000;

  /** What both stores share: parameters, keys, the value, the access order. */
  @State(Scope.Benchmark)
  public abstract static class Store {
    @Param({"100", "1024"})
    public int valueSize;

    @Param({"sequential", "random"})
    public String order;

    byte[][] keys;
    int[] sequence;
    byte[] value;
    int next;
    Path directory;

    void prepare() throws IOException {
      directory = Files.createTempDirectory("lmdb-bench-");
      keys = new byte[KEYS][];
      for (int i = 0; i < KEYS; i++) {
        keys[i] = ByteBuffer.allocate(16).putLong(0x6b65790000000000L).putLong(i).array();
      }
      sequence = new int[KEYS];
      for (int i = 0; i < KEYS; i++) {
        sequence[i] = i;
      }
      if (order.equals("random")) {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = KEYS - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int t = sequence[i];
          sequence[i] = sequence[j];
          sequence[j] = t;
        }
      }
      value = new byte[valueSize];
      new SplittableRandom(7).nextBytes(value);
    }

    byte[] nextKey() {
      int i = next;
      next = i + 1 == KEYS ? 0 : i + 1;
      return keys[sequence[i]];
    }

    void deleteDirectory() throws IOException {
      try (Stream<Path> files = Files.walk(directory)) {
        files
            .sorted(Comparator.reverseOrder())
            .forEach(
                p -> {
                  try {
                    Files.delete(p);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
      }
    }
  }

  /** The adapter, through its public surface: the factory and the StorageEngine interface. */
  @State(Scope.Benchmark)
  public static class Adapter extends Store {
    StorageEngine engine;
    Keyspace data;

    @Setup(Level.Trial)
    public void open() throws IOException {
      prepare();
      engine =
          new LmdbStorageEngineFactory(
                  LmdbStorageEngineFactory.Options.builder()
                      .durability(Durability.WRITE_NO_SYNC)
                      .build())
              .open(directory);
      data = engine.keyspace(StorageEngine.DATA);
      for (byte[] key : keys) {
        data.put(key, value);
      }
      engine.flush();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      engine.close();
      deleteDirectory();
    }
  }

  /**
   * Raw lmdbjava, idiomatic: reused direct buffers, a transaction per operation, {@code MDB_NOSYNC}
   * plus an {@code env.sync(true)} every second on a daemon thread, which is what the adapter's
   * {@code WRITE_NO_SYNC} promises.
   */
  @State(Scope.Benchmark)
  public static class Raw extends Store {
    Env<ByteBuffer> env;
    Dbi<ByteBuffer> dbi;
    ByteBuffer keyBuffer;
    ByteBuffer valueBuffer;
    ScheduledExecutorService flusher;

    @Setup(Level.Trial)
    public void open() throws IOException {
      prepare();
      env =
          Env.create()
              .setMapSize(1L << 30)
              .setMaxDbs(64)
              .setMaxReaders(256)
              .open(directory.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC);
      dbi = env.openDbi("data", DbiFlags.MDB_CREATE);
      keyBuffer = ByteBuffer.allocateDirect(env.getMaxKeySize());
      valueBuffer = ByteBuffer.allocateDirect(valueSize);
      for (byte[] key : keys) {
        put(key, value);
      }
      env.sync(true);
      flusher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "raw-lmdb-flush");
                t.setDaemon(true);
                return t;
              });
      flusher.scheduleWithFixedDelay(() -> env.sync(true), 1, 1, TimeUnit.SECONDS);
    }

    byte[] get(byte[] key) {
      keyBuffer.clear();
      keyBuffer.put(key).flip();
      try (Txn<ByteBuffer> txn = env.txnRead()) {
        ByteBuffer found = dbi.get(txn, keyBuffer);
        if (found == null) {
          return null;
        }
        byte[] out = new byte[found.remaining()];
        found.get(out);
        return out;
      }
    }

    void put(byte[] key, byte[] value) {
      keyBuffer.clear();
      keyBuffer.put(key).flip();
      valueBuffer.clear();
      valueBuffer.put(value).flip();
      try (Txn<ByteBuffer> txn = env.txnWrite()) {
        dbi.put(txn, keyBuffer, valueBuffer);
        txn.commit();
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException {
      flusher.shutdown();
      flusher.awaitTermination(1, TimeUnit.MINUTES);
      env.sync(true);
      env.close();
      deleteDirectory();
    }
  }

  @Benchmark
  public byte[] getAdapter(Adapter s) {
    return s.data.get(s.nextKey());
  }

  @Benchmark
  public byte[] getRaw(Raw s) {
    return s.get(s.nextKey());
  }

  @Benchmark
  public void putAdapter(Adapter s) {
    s.data.put(s.nextKey(), s.value);
  }

  @Benchmark
  public void putRaw(Raw s) {
    s.put(s.nextKey(), s.value);
  }
}
