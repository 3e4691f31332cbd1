/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.sleepycat.je.EnvironmentConfig;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.WriteBatch;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the BerkeleyDB JE adapter does beyond the shared contract. */
class BdbStorageEngineTest {
  @TempDir Path directory;

  private static BdbStorageEngineFactory.Options.Builder small() {
    return BdbStorageEngineFactory.Options.builder().cacheBytes(16L << 20);
  }

  private static StorageEngine open(Path directory) {
    return new BdbStorageEngineFactory(small().build()).open(directory);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void reopenKeepsDataInEveryDurabilityMode(Durability durability) {
    BdbStorageEngineFactory factory =
        new BdbStorageEngineFactory(small().durability(durability).build());
    try (StorageEngine engine = factory.open(directory)) {
      assertThat(engine.durability()).isEqualTo(durability);
      for (int i = 0; i < 500; i++) {
        engine.keyspace(StorageEngine.DATA).put(bytes("key-" + i), bytes("value-" + i));
      }
      engine.keyspace(StorageEngine.DATA).delete(bytes("key-7"));
      engine.keyspace(StorageEngine.HINTS).update(bytes("h"), old -> bytes("hint"));
    }
    try (StorageEngine engine = factory.open(directory)) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      for (int i = 0; i < 500; i++) {
        assertThat(data.get(bytes("key-" + i))).isEqualTo(i == 7 ? null : bytes("value-" + i));
      }
      assertThat(engine.keyspace(StorageEngine.HINTS).get(bytes("h"))).isEqualTo(bytes("hint"));
    }
  }

  @Test
  void readersSeeCommittedBatchesWholeWhileAWriterCommits() throws Exception {
    try (StorageEngine engine = open(directory)) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      int keys = 10;
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        CountDownLatch started = new CountDownLatch(1);
        Future<Long> writer =
            pool.submit(
                () -> {
                  long n = 0;
                  for (; !stop.get() && n < 200_000; n++) {
                    WriteBatch.Builder batch = WriteBatch.builder();
                    for (int k = 0; k < keys; k++) {
                      batch.put(
                          StorageEngine.DATA,
                          bytes("k" + k),
                          ByteBuffer.allocate(8).putLong(n).array());
                    }
                    engine.write(batch.build());
                    started.countDown();
                  }
                  return n;
                });
        assertThat(started.await(1, TimeUnit.MINUTES)).isTrue();
        List<Future<Integer>> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
          readers.add(
              pool.submit(
                  () -> {
                    long lastSeen = -1;
                    for (int i = 0; i < 500; i++) {
                      // Gets of one key never go back in time.
                      long got = ByteBuffer.wrap(data.get(bytes("k3"))).getLong();
                      assertThat(got).isGreaterThanOrEqualTo(lastSeen);
                      lastSeen = got;
                      // A scan sees one batch: all keys carry the same number, not older than
                      // what a previous read saw.
                      List<Long> seen = new ArrayList<>();
                      data.scan(null, null, (k, v) -> seen.add(ByteBuffer.wrap(v).getLong()));
                      assertThat(seen).hasSize(keys);
                      assertThat(seen).containsOnly(seen.get(0));
                      assertThat(seen.get(0)).isGreaterThanOrEqualTo(lastSeen);
                      lastSeen = seen.get(0);
                    }
                    return 500;
                  }));
        }
        for (Future<Integer> reader : readers) {
          assertThat(reader.get(2, TimeUnit.MINUTES)).isEqualTo(500);
        }
        stop.set(true);
        assertThat(writer.get(1, TimeUnit.MINUTES)).isPositive();
      } finally {
        stop.set(true);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
      }
    }
  }

  @Test
  void updateRunsItsFunctionExactlyOncePerCallWhileScansAndBatchesHoldLocks() throws Exception {
    try (StorageEngine engine = open(directory)) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      int updaters = 4;
      int updates = 300;
      AtomicInteger calls = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(updaters + 2);
      try {
        // Long scans hold read locks on "c"; batches lock "b" and "c" together.
        Future<?> scanner =
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    data.scan(null, null, (k, v) -> true);
                  }
                });
        Future<?> batches =
            pool.submit(
                () -> {
                  for (int n = 0; !stop.get(); n++) {
                    engine.write(
                        WriteBatch.builder()
                            .put(StorageEngine.DATA, bytes("b"), bytes("b" + n))
                            .put(StorageEngine.DATA, bytes("d"), bytes("d" + n))
                            .build());
                  }
                });
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < updaters; t++) {
          futures.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < updates; i++) {
                      data.update(
                          bytes("c"),
                          old -> {
                            calls.incrementAndGet();
                            long n = old == null ? 0 : ByteBuffer.wrap(old).getLong();
                            return ByteBuffer.allocate(8).putLong(n + 1).array();
                          });
                    }
                    return null;
                  }));
        }
        for (Future<?> f : futures) {
          f.get(2, TimeUnit.MINUTES);
        }
        stop.set(true);
        scanner.get(1, TimeUnit.MINUTES);
        batches.get(1, TimeUnit.MINUTES);
      } finally {
        stop.set(true);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
      }
      assertThat(calls.get()).isEqualTo(updaters * updates);
      assertThat(ByteBuffer.wrap(data.get(bytes("c"))).getLong()).isEqualTo(updaters * updates);
    }
  }

  @Test
  void aMissingDirectoryIsCreatedWhenItsParentExists() {
    Path missing = directory.resolve("node1");
    try (StorageEngine engine = open(missing)) {
      engine.keyspace(StorageEngine.DATA).put(bytes("k"), bytes("v"));
      assertThat(engine.describe()).isEqualTo("bdb at " + missing);
    }
    assertThat(missing).isDirectory();
  }

  @Test
  void aMissingParentIsRefused() {
    Path missing = directory.resolve("no/such/dir");
    assertThatThrownBy(() -> open(missing))
        .isInstanceOf(BdbStorageEngine.UnusableDirectoryException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("parent");
    assertThat(directory.resolve("no")).doesNotExist();
  }

  @Test
  void aFileIsRefused() throws Exception {
    Path file = Files.writeString(directory.resolve("file"), "not a directory");
    assertThatThrownBy(() -> open(file))
        .isInstanceOf(BdbStorageEngine.UnusableDirectoryException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not a directory");
  }

  @Test
  void anUnwritableDirectoryIsRefused() throws Exception {
    Path readOnly = Files.createDirectory(directory.resolve("ro"));
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    assumeFalse(Files.isWritable(readOnly), "running as root: every directory is writable");
    assertThatThrownBy(() -> open(readOnly))
        .isInstanceOf(BdbStorageEngine.UnusableDirectoryException.class)
        .hasMessageContaining(readOnly.toString())
        .hasMessageContaining("not writable");
  }

  @Test
  void aSecondOpenInTheSameJvmIsRefusedUntilTheFirstCloses() {
    StorageEngine first = open(directory);
    try {
      first.keyspace(StorageEngine.DATA).put(bytes("k"), bytes("v"));
      assertThatThrownBy(() -> open(directory))
          .isInstanceOf(BdbStorageEngine.DirectoryInUseException.class)
          .hasMessageContaining(directory.toString())
          .hasMessageContaining("this JVM");
      // Also through another spelling of the same path.
      assertThatThrownBy(() -> open(directory.resolve("x").resolve("..")))
          .isInstanceOf(BdbStorageEngine.DirectoryInUseException.class);
      assertThat(first.keyspace(StorageEngine.DATA).get(bytes("k"))).isEqualTo(bytes("v"));
    } finally {
      first.close();
    }
    try (StorageEngine again = open(directory)) {
      assertThat(again.keyspace(StorageEngine.DATA).get(bytes("k"))).isEqualTo(bytes("v"));
    }
  }

  @Test
  void aDirectoryHeldByAnotherProcessIsRefused() throws Exception {
    try (ChildJvm child = ChildJvm.start("hold", directory.toString())) {
      assertThat(child.nextLine(Duration.ofSeconds(60))).as(child.stderrText()).contains("open");
      assertThatThrownBy(() -> open(directory))
          .isInstanceOf(BdbStorageEngine.DirectoryInUseException.class)
          .hasMessageContaining(directory.toString())
          .hasMessageContaining("another process");
      child.closeInput();
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.process().exitValue()).as(child.stderrText()).isZero();
    }
    try (StorageEngine engine = open(directory)) {
      assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("k"))).isNull();
    }
  }

  @Test
  void garbageLogFilesAreRefused() throws Exception {
    byte[] garbage = new byte[64 * 1024];
    new Random(1).nextBytes(garbage);
    Files.write(directory.resolve("00000000.jdb"), garbage);
    Files.write(directory.resolve("00000001.jdb"), garbage);
    assertThatThrownBy(() -> open(directory))
        .isInstanceOf(BdbStorageEngine.UnusableDirectoryException.class)
        .hasMessageContaining(directory.toString())
        .hasMessageContaining("JE environment")
        .hasCauseInstanceOf(com.sleepycat.je.DatabaseException.class);
    // The failed open released the directory.
    Files.delete(directory.resolve("00000000.jdb"));
    Files.delete(directory.resolve("00000001.jdb"));
    try (StorageEngine engine = open(directory)) {
      assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("k"))).isNull();
    }
  }

  @Test
  void durabilityModesMapToJeCommitDurability() {
    assertThat(BdbStorageEngine.jeDurability(Durability.SYNC))
        .isSameAs(com.sleepycat.je.Durability.COMMIT_SYNC);
    assertThat(BdbStorageEngine.jeDurability(Durability.WRITE_NO_SYNC))
        .isSameAs(com.sleepycat.je.Durability.COMMIT_WRITE_NO_SYNC);
    assertThat(BdbStorageEngine.jeDurability(Durability.NO_SYNC))
        .isSameAs(com.sleepycat.je.Durability.COMMIT_NO_SYNC);
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void theEnvironmentCommitsWithTheMappedDurability(Durability durability) {
    try (BdbStorageEngine engine =
        (BdbStorageEngine)
            new BdbStorageEngineFactory(small().durability(durability).build()).open(directory)) {
      assertThat(engine.environment().getConfig().getDurability())
          .isEqualTo(BdbStorageEngine.jeDurability(durability));
    }
  }

  @Test
  void evictLnIsApplied() {
    try (BdbStorageEngine engine =
        (BdbStorageEngine)
            new BdbStorageEngineFactory(
                    small().cacheMode(BdbStorageEngineFactory.CacheMode.EVICT_LN).build())
                .open(directory)) {
      assertThat(engine.environment().getConfig().getCacheMode())
          .isEqualTo(com.sleepycat.je.CacheMode.EVICT_LN);
    }
    try (BdbStorageEngine engine =
        (BdbStorageEngine)
            new BdbStorageEngineFactory(
                    small().cacheMode(BdbStorageEngineFactory.CacheMode.DEFAULT).build())
                .open(directory)) {
      assertThat(engine.environment().getConfig().getCacheMode())
          .isEqualTo(com.sleepycat.je.CacheMode.DEFAULT);
    }
    assertThat(BdbStorageEngineFactory.Options.defaults().cacheMode())
        .isEqualTo(BdbStorageEngineFactory.CacheMode.EVICT_LN);
  }

  @Test
  void cacheAndCleanerSettingsAreApplied() {
    BdbStorageEngineFactory.Options options =
        small()
            .cacheBytes(32L << 20)
            .cleanerMinUtilization(65)
            .cleanerThreads(2)
            .logFileBytes(8L << 20)
            .build();
    try (BdbStorageEngine engine =
        (BdbStorageEngine) new BdbStorageEngineFactory(options).open(directory)) {
      EnvironmentConfig config = engine.environment().getConfig();
      assertThat(config.getCacheSize()).isEqualTo(32L << 20);
      assertThat(config.getConfigParam(EnvironmentConfig.CLEANER_MIN_UTILIZATION)).isEqualTo("65");
      assertThat(config.getConfigParam(EnvironmentConfig.CLEANER_THREADS)).isEqualTo("2");
      assertThat(config.getConfigParam(EnvironmentConfig.LOG_FILE_MAX))
          .isEqualTo(Long.toString(8L << 20));
      assertThat(config.getTransactional()).isTrue();
    }
    BdbStorageEngineFactory.Options percent = small().cachePercent(10).build();
    assertThat(percent.cacheBytes()).isZero();
    try (BdbStorageEngine engine =
        (BdbStorageEngine) new BdbStorageEngineFactory(percent).open(directory)) {
      assertThat(engine.environment().getConfig().getCachePercent()).isEqualTo(10);
    }
  }

  @Test
  void invalidOptionsAreRefused() {
    assertThatThrownBy(() -> small().cacheBytes(1000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cacheBytes");
    assertThatThrownBy(() -> small().cachePercent(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> small().cleanerMinUtilization(95).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> small().cleanerThreads(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> small().logFileBytes(10).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sizeGrowsWithDataAndDescribesThePath() {
    try (StorageEngine engine = open(directory)) {
      long before = engine.approximateSizeBytes();
      for (int i = 0; i < 100; i++) {
        engine.keyspace(StorageEngine.DATA).put(bytes("k" + i), new byte[10_000]);
      }
      engine.flush();
      assertThat(engine.approximateSizeBytes()).isGreaterThan(before + 100 * 10_000);
      assertThat(engine.describe()).isEqualTo("bdb at " + directory.toAbsolutePath());
      assertThat(engine.maxKeyBytes()).isEqualTo(1024);
    }
  }
}
