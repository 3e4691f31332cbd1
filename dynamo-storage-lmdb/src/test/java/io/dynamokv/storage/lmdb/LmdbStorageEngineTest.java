/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.lmdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.spi.WriteBatch;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.EnvFlags;

class LmdbStorageEngineTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path root;

  private static LmdbStorageEngineFactory factory(LmdbStorageEngineFactory.Options.Builder b) {
    return new LmdbStorageEngineFactory(b.build());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void durabilityModesMapToLmdbFlags() {
    assertThat(LmdbStorageEngineFactory.envFlags(Durability.SYNC))
        .containsExactly(EnvFlags.MDB_NOTLS);
    assertThat(LmdbStorageEngineFactory.envFlags(Durability.WRITE_NO_SYNC))
        .isEqualTo(EnumSet.of(EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC));
    assertThat(LmdbStorageEngineFactory.envFlags(Durability.NO_SYNC))
        .isEqualTo(EnumSet.of(EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC));
  }

  @Test
  void thisJvmHasTheFlagsLmdbjavaNeeds() {
    assertThat(
            LmdbStorageEngineFactory.missingJvmFlags(
                Object.class.getModule(), org.lmdbjava.Env.class))
        .isEmpty();
  }

  @Test
  void describesItselfAndReportsLmdbKeyLimit() {
    Path dir = root.resolve("node");
    try (StorageEngine engine = new LmdbStorageEngineFactory().open(dir)) {
      assertThat(engine.describe()).isEqualTo("lmdb at " + dir.toAbsolutePath());
      assertThat(engine.maxKeyBytes()).isEqualTo(511);
      assertThat(engine.durability()).isEqualTo(Durability.SYNC);
      long before = engine.approximateSizeBytes();
      engine.keyspace(StorageEngine.DATA).put(bytes("k"), new byte[1_000_000]);
      assertThat(engine.approximateSizeBytes()).isGreaterThan(before + 900_000);
    }
  }

  @Test
  void reopenKeepsDataInEveryDurabilityMode() {
    for (Durability durability : Durability.values()) {
      Path dir = root.resolve(durability.name().toLowerCase());
      LmdbStorageEngineFactory f =
          factory(LmdbStorageEngineFactory.Options.builder().durability(durability));
      try (StorageEngine engine = f.open(dir)) {
        assertThat(engine.durability()).isEqualTo(durability);
        for (int i = 0; i < 500; i++) {
          engine.keyspace(StorageEngine.DATA).put(bytes("k" + i), bytes("v" + i));
        }
        engine.keyspace("custom").put(bytes("c"), new byte[0]);
      }
      try (StorageEngine engine = f.open(dir)) {
        for (int i = 0; i < 500; i++) {
          assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("k" + i)))
              .isEqualTo(bytes("v" + i));
        }
        assertThat(engine.keyspace("custom").get(bytes("c"))).isEmpty();
      }
    }
  }

  @Test
  void theMapGrowsWhenItFills() {
    Path dir = root.resolve("node");
    LmdbStorageEngineFactory f =
        factory(
            LmdbStorageEngineFactory.Options.builder()
                .mapSize(MIB)
                .durability(Durability.WRITE_NO_SYNC));
    byte[] value = new byte[64 * 1024];
    int count = 800; // 50 MiB
    try (StorageEngine engine = f.open(dir)) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      for (int i = 0; i < count; i++) {
        value[0] = (byte) i;
        value[1] = (byte) (i >> 8);
        if (i % 2 == 0) {
          data.put(bytes("k" + i), value);
        } else {
          engine.write(WriteBatch.builder().put(StorageEngine.DATA, bytes("k" + i), value).build());
        }
      }
      assertThat(((LmdbStorageEngine) engine).mapSizeBytes()).isGreaterThanOrEqualTo(50 * MIB);
      assertReadable(data, count, value.length);
    }
    try (StorageEngine engine = f.open(dir)) {
      assertReadable(engine.keyspace(StorageEngine.DATA), count, value.length);
    }
  }

  private static void assertReadable(Keyspace data, int count, int length) {
    for (int i = 0; i < count; i++) {
      byte[] read = data.get(bytes("k" + i));
      assertThat(read).hasSize(length);
      assertThat(read[0]).isEqualTo((byte) i);
      assertThat(read[1]).isEqualTo((byte) (i >> 8));
    }
  }

  @Test
  void anUpdateThatFillsTheMapCallsItsFunctionOnce() {
    LmdbStorageEngineFactory f =
        factory(
            LmdbStorageEngineFactory.Options.builder()
                .mapSize(MIB)
                .durability(Durability.WRITE_NO_SYNC));
    try (StorageEngine engine = f.open(root.resolve("node"))) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      AtomicInteger calls = new AtomicInteger();
      byte[] big = new byte[4 * (int) MIB];
      big[7] = 7;
      data.update(
          bytes("k"),
          old -> {
            calls.incrementAndGet();
            return big;
          });
      assertThat(calls).hasValue(1);
      assertThat(data.get(bytes("k"))).isEqualTo(big);
    }
  }

  @Test
  void withoutGrowthAFullMapFailsClearlyAndWritesNothing() {
    LmdbStorageEngineFactory f =
        factory(LmdbStorageEngineFactory.Options.builder().mapSize(MIB).autoGrow(false));
    try (StorageEngine engine = f.open(root.resolve("node"))) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      data.put(bytes("small"), bytes("v"));
      assertThatThrownBy(() -> data.put(bytes("big"), new byte[2 * (int) MIB]))
          .isInstanceOf(LmdbStorageEngine.MapFullException.class)
          .hasMessageContaining("mapSize")
          .hasMessageContaining("autoGrow")
          .hasMessageContaining(root.resolve("node").toString());
      assertThat(data.get(bytes("big"))).isNull();
      data.put(bytes("small2"), bytes("v2"));
      assertThat(data.get(bytes("small2"))).isEqualTo(bytes("v2"));
    }
  }

  @Test
  void readersRunWhileAWriterCommitsAndGrowsTheMap() throws Exception {
    LmdbStorageEngineFactory f =
        factory(
            LmdbStorageEngineFactory.Options.builder()
                .mapSize(MIB)
                .maxReaders(16)
                .durability(Durability.WRITE_NO_SYNC));
    try (StorageEngine engine = f.open(root.resolve("node"))) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      data.put(bytes("counter"), ByteBuffer.allocate(8).putLong(0).array());
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(5);
      try {
        CountDownLatch started = new CountDownLatch(4);
        List<Future<Integer>> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
          readers.add(
              pool.submit(
                  () -> {
                    started.countDown();
                    int reads = 0;
                    long last = 0;
                    while (!stop.get()) {
                      long n = ByteBuffer.wrap(data.get(bytes("counter"))).getLong();
                      assertThat(n).isGreaterThanOrEqualTo(last);
                      last = n;
                      List<byte[]> keys = new ArrayList<>();
                      data.scan(bytes("p"), bytes("q"), (k, v) -> keys.add(k));
                      assertThat(keys.size()).isGreaterThanOrEqualTo((int) Math.min(n, 1) - 1);
                      reads++;
                    }
                    return reads;
                  }));
        }
        Future<?> writer =
            pool.submit(
                () -> {
                  started.await();
                  byte[] filler = new byte[16 * 1024];
                  for (long n = 1; n <= 1000; n++) {
                    engine.write(
                        WriteBatch.builder()
                            .put(StorageEngine.DATA, bytes("p" + n), filler)
                            .put(
                                StorageEngine.DATA,
                                bytes("counter"),
                                ByteBuffer.allocate(8).putLong(n).array())
                            .build());
                  }
                  return null;
                });
        writer.get(2, TimeUnit.MINUTES);
        stop.set(true);
        for (Future<Integer> reader : readers) {
          assertThat(reader.get(1, TimeUnit.MINUTES)).isPositive();
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
      assertThat(((LmdbStorageEngine) engine).mapSizeBytes()).isGreaterThan(MIB);
      assertThat(ByteBuffer.wrap(data.get(bytes("counter"))).getLong()).isEqualTo(1000);
    }
  }

  @Test
  void aMissingDirectoryIsCreatedWhenItsParentExists() {
    Path dir = root.resolve("new-node");
    try (StorageEngine engine = new LmdbStorageEngineFactory().open(dir)) {
      engine.keyspace(StorageEngine.DATA).put(bytes("k"), bytes("v"));
    }
    assertThat(dir.resolve("data.mdb")).isRegularFile();
  }

  @Test
  void aMissingParentIsAClearError() {
    Path dir = root.resolve("no-such-parent").resolve("node");
    assertThatThrownBy(() -> new LmdbStorageEngineFactory().open(dir))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("parent");
    assertThat(dir.getParent()).doesNotExist();
  }

  @Test
  void aFileIsNotADirectory() throws Exception {
    Path file = Files.writeString(root.resolve("file"), "x");
    assertThatThrownBy(() -> new LmdbStorageEngineFactory().open(file))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("expected a directory");
  }

  @Test
  void anUnwritableDirectoryIsAClearError() throws Exception {
    Path dir = Files.createDirectory(root.resolve("read-only"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      Assumptions.assumeFalse(Files.isWritable(dir), "running as root: permissions not enforced");
      assertThatThrownBy(() -> new LmdbStorageEngineFactory().open(dir))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining(dir.toString())
          .hasMessageContaining("not writable");
    } finally {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void aDirectoryWhereNoFileCanBeCreatedIsAClearError() {
    // Even root cannot create files in procfs: the lock file fails before LMDB is touched.
    Path dir = Path.of("/proc/self/fdinfo");
    Assumptions.assumeTrue(Files.isDirectory(dir), "needs Linux procfs");
    assertThatThrownBy(() -> new LmdbStorageEngineFactory().open(dir))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("/proc/");
  }

  @Test
  void aSecondEngineOnTheSameDirectoryIsRefused() {
    Path dir = root.resolve("node");
    LmdbStorageEngineFactory f = new LmdbStorageEngineFactory();
    try (StorageEngine first = f.open(dir)) {
      assertThatThrownBy(() -> f.open(dir))
          .isInstanceOf(LmdbStorageEngine.DirectoryLockedException.class)
          .hasMessageContaining(dir.toString())
          .hasMessageContaining("in use");
      first.keyspace(StorageEngine.DATA).put(bytes("k"), bytes("v"));
    }
    try (StorageEngine again = f.open(dir)) {
      assertThat(again.keyspace(StorageEngine.DATA).get(bytes("k"))).isEqualTo(bytes("v"));
    }
  }

  @Test
  void aDirectoryHeldByAnotherProcessIsRefused() throws Exception {
    Path dir = root.resolve("node");
    try (ChildJvm child = ChildJvm.start(true, "hold", dir.toString())) {
      assertThat(child.nextLine(Duration.ofSeconds(60))).isEqualTo("OPEN");
      assertThatThrownBy(() -> new LmdbStorageEngineFactory().open(dir))
          .isInstanceOf(LmdbStorageEngine.DirectoryLockedException.class)
          .hasMessageContaining(dir.toString());
      child.closeStdin();
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    try (StorageEngine engine = new LmdbStorageEngineFactory().open(dir)) {
      assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("k"))).isNull();
    }
  }

  @Test
  void garbageInTheDirectoryIsAClearErrorAndReleasesTheLock() throws Exception {
    Path dir = Files.createDirectory(root.resolve("node"));
    byte[] garbage = new byte[256 * 1024];
    new Random(1).nextBytes(garbage);
    Files.write(dir.resolve("data.mdb"), garbage);
    assertThatThrownBy(() -> new LmdbStorageEngineFactory().open(dir))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("not an LMDB environment");
    Files.delete(dir.resolve("data.mdb"));
    Files.deleteIfExists(dir.resolve("lock.mdb"));
    try (StorageEngine engine = new LmdbStorageEngineFactory().open(dir)) {
      engine.keyspace(StorageEngine.DATA).put(bytes("k"), bytes("v"));
    }
  }

  @Test
  void withoutTheJvmFlagsTheFactorySaysWhichToAdd() throws Exception {
    Path dir = root.resolve("node");
    try (ChildJvm child = ChildJvm.start(false, "open", dir.toString())) {
      String line = child.nextLine(Duration.ofSeconds(60));
      assertThat(line)
          .startsWith("CAUGHT " + LmdbStorageEngine.MissingJvmFlagsException.class.getName())
          .contains("--add-opens java.base/java.nio=ALL-UNNAMED")
          .contains("--add-exports java.base/sun.nio.ch=ALL-UNNAMED")
          .contains(dir.toString());
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void theGuiceModuleProvidesOneEngine() {
    Path dir = root.resolve("node");
    Injector injector =
        Guice.createInjector(
            new LmdbStorageModule(
                dir,
                LmdbStorageEngineFactory.Options.builder()
                    .durability(Durability.WRITE_NO_SYNC)
                    .flushInterval(Duration.ofMillis(50))
                    .build()));
    StorageEngine engine = injector.getInstance(StorageEngine.class);
    try {
      assertThat(injector.getInstance(StorageEngine.class)).isSameAs(engine);
      assertThat(engine.describe()).isEqualTo("lmdb at " + dir.toAbsolutePath());
      assertThat(engine.durability()).isEqualTo(Durability.WRITE_NO_SYNC);
      engine.keyspace(StorageEngine.DATA).put(bytes("k"), bytes("v"));
      engine.flush();
    } finally {
      engine.close();
    }
  }

  @Test
  void aBatchNamingAnInvalidKeyspaceAppliesNothing() {
    try (StorageEngine engine = new LmdbStorageEngineFactory().open(root.resolve("node"))) {
      WriteBatch batch =
          WriteBatch.builder()
              .put(StorageEngine.DATA, bytes("a"), bytes("1"))
              .put("Not/A/Keyspace", bytes("b"), bytes("2"))
              .build();
      assertThatThrownBy(() -> engine.write(batch))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Not/A/Keyspace");
      assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("a"))).isNull();
    }
  }

  @Test
  void openingAKeyspaceInAFullMapGrowsIt() {
    LmdbStorageEngineFactory f =
        factory(
            LmdbStorageEngineFactory.Options.builder()
                .mapSize(64 * 1024)
                .durability(Durability.WRITE_NO_SYNC));
    try (StorageEngine engine = f.open(root.resolve("node"))) {
      for (int i = 0; i < 40; i++) {
        engine.keyspace("ks" + i).put(bytes("k"), new byte[4096]);
      }
      for (int i = 0; i < 40; i++) {
        assertThat(engine.keyspace("ks" + i).get(bytes("k"))).hasSize(4096);
      }
      assertThat(((LmdbStorageEngine) engine).mapSizeBytes()).isGreaterThan(64 * 1024);
    }
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> LmdbStorageEngineFactory.Options.builder().mapSize(10).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mapSizeBytes");
    assertThatThrownBy(() -> LmdbStorageEngineFactory.Options.builder().maxReaders(0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> LmdbStorageEngineFactory.Options.builder().flushInterval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
