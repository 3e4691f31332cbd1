/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link StorageEngine} contract, as tests. Every engine runs it with a one-line subclass that
 * says how to open an engine on a directory; persistent engines also enable {@link #persistent()},
 * which adds the reopen checks.
 */
public abstract class StorageEngineContract {
  @TempDir protected Path directory;
  protected StorageEngine engine;

  /**
   * Opens an engine on {@code directory} (created empty by the suite; reopened for the persistence
   * checks).
   */
  protected abstract StorageEngine open(Path directory);

  /**
   * Whether data survives {@link StorageEngine#close()} and a new {@link #open(Path)} of the same
   * directory.
   */
  protected boolean persistent() {
    return false;
  }

  @BeforeEach
  void openEngine() {
    engine = open(directory);
  }

  @AfterEach
  void closeEngine() {
    if (engine != null) {
      engine.close();
    }
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  protected static byte[] bytes(int... unsigned) {
    byte[] b = new byte[unsigned.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) unsigned[i];
    }
    return b;
  }

  protected static List<byte[]> scanKeys(Keyspace ks, byte[] from, byte[] to) {
    List<byte[]> keys = new ArrayList<>();
    ks.scan(from, to, (k, v) -> keys.add(k));
    return keys;
  }

  @Test
  void putGetDelete() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    ks.put(bytes("k"), bytes("v1"));
    assertThat(ks.get(bytes("k"))).isEqualTo(bytes("v1"));
    ks.put(bytes("k"), bytes("v2"));
    assertThat(ks.get(bytes("k"))).isEqualTo(bytes("v2"));
    ks.delete(bytes("k"));
    assertThat(ks.get(bytes("k"))).isNull();
  }

  @Test
  void absentKeysReadAsNullAndDeleteQuietly() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    assertThat(ks.get(bytes("missing"))).isNull();
    ks.delete(bytes("missing"));
    assertThat(scanKeys(ks, null, null)).isEmpty();
  }

  @Test
  void emptyValueIsDistinctFromAbsence() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    ks.put(bytes("empty"), new byte[0]);
    assertThat(ks.get(bytes("empty"))).isNotNull().isEmpty();
    List<byte[]> values = new ArrayList<>();
    ks.scan(null, null, (k, v) -> values.add(v));
    assertThat(values).hasSize(1);
    assertThat(values.get(0)).isEmpty();
  }

  @Test
  void largeValuesRoundTrip() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    byte[] large = new byte[4 * 1024 * 1024];
    new java.util.Random(42).nextBytes(large);
    ks.put(bytes("large"), large);
    assertThat(ks.get(bytes("large"))).isEqualTo(large);
  }

  @Test
  void returnedAndPassedArraysAreNotShared() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    byte[] key = bytes("k");
    byte[] value = bytes("value");
    ks.put(key, value);
    value[0] = 'X';
    key[0] = 'X';
    byte[] read = ks.get(bytes("k"));
    assertThat(read).isEqualTo(bytes("value"));
    read[0] = 'Y';
    assertThat(ks.get(bytes("k"))).isEqualTo(bytes("value"));
  }

  @Test
  void keysOutsideTheLimitsAreRefused() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    assertThatThrownBy(() -> ks.put(new byte[0], bytes("v")))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] tooLong = new byte[engine.maxKeyBytes() + 1];
    assertThatThrownBy(() -> ks.put(tooLong, bytes("v")))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] longest = new byte[engine.maxKeyBytes()];
    Arrays.fill(longest, (byte) 7);
    ks.put(longest, bytes("v"));
    assertThat(ks.get(longest)).isEqualTo(bytes("v"));
  }

  @Test
  void scansAreOrderedUnsignedLexicographically() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    List<byte[]> sorted =
        List.of(
            bytes(0x00),
            bytes(0x00, 0x00),
            bytes(0x01),
            bytes(0x61),
            bytes(0x61, 0x00),
            bytes(0x61, 0x62),
            bytes(0x7f),
            bytes(0x7f, 0xff),
            bytes(0x80),
            bytes(0x80, 0x00),
            bytes(0xfe, 0xff),
            bytes(0xff),
            bytes(0xff, 0xff, 0xff));
    List<byte[]> shuffled = new ArrayList<>(sorted);
    java.util.Collections.shuffle(shuffled, new java.util.Random(7));
    for (byte[] k : shuffled) {
      ks.put(k, k);
    }
    assertThat(scanKeys(ks, null, null)).containsExactlyElementsOf(sorted);
  }

  @Test
  void scanBoundsAreInclusiveExclusiveAndOptional() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    for (int i = 0; i < 10; i++) {
      ks.put(bytes(0x10 * i), bytes(i));
    }
    assertThat(scanKeys(ks, bytes(0x20), bytes(0x50)))
        .containsExactly(bytes(0x20), bytes(0x30), bytes(0x40));
    assertThat(scanKeys(ks, bytes(0x21), bytes(0x31))).containsExactly(bytes(0x30));
    assertThat(scanKeys(ks, null, bytes(0x20))).containsExactly(bytes(0x00), bytes(0x10));
    assertThat(scanKeys(ks, bytes(0x80), null)).containsExactly(bytes(0x80), bytes(0x90));
    assertThat(scanKeys(ks, bytes(0x50), bytes(0x50))).isEmpty();
    assertThat(scanKeys(ks, bytes(0x60), bytes(0x20))).isEmpty();
    assertThat(scanKeys(ks, bytes(0x95), null)).isEmpty();
  }

  @Test
  void scanStopsWhenTheVisitorSaysSo() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    for (int i = 0; i < 100; i++) {
      ks.put(bytes(i), bytes(i));
    }
    List<byte[]> seen = new ArrayList<>();
    ks.scan(
        null,
        null,
        (k, v) -> {
          seen.add(v);
          return seen.size() < 3;
        });
    assertThat(seen).containsExactly(bytes(0), bytes(1), bytes(2));
  }

  @Test
  void keyspacesAreIsolated() {
    Keyspace data = engine.keyspace(StorageEngine.DATA);
    Keyspace hints = engine.keyspace(StorageEngine.HINTS);
    Keyspace meta = engine.keyspace(StorageEngine.METADATA);
    data.put(bytes("k"), bytes("data"));
    hints.put(bytes("k"), bytes("hint"));
    assertThat(data.get(bytes("k"))).isEqualTo(bytes("data"));
    assertThat(hints.get(bytes("k"))).isEqualTo(bytes("hint"));
    assertThat(meta.get(bytes("k"))).isNull();
    hints.delete(bytes("k"));
    assertThat(data.get(bytes("k"))).isEqualTo(bytes("data"));
    assertThat(scanKeys(hints, null, null)).isEmpty();
    assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("k"))).isEqualTo(bytes("data"));
    assertThat(engine.keyspace("custom-1").get(bytes("k"))).isNull();
  }

  @Test
  void invalidKeyspaceNamesAreRefused() {
    for (String bad : List.of("", "Data", "1data", "a/b", "x".repeat(64))) {
      assertThatThrownBy(() -> engine.keyspace(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void updateIsAtomicUnderConcurrency() throws Exception {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    int threads = 8;
    int increments = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < increments; i++) {
                    ks.update(bytes("counter"), StorageEngineContract::increment);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ByteBuffer.wrap(ks.get(bytes("counter"))).getLong())
        .isEqualTo((long) threads * increments);
  }

  private static byte[] increment(byte[] current) {
    long n = current == null ? 0 : ByteBuffer.wrap(current).getLong();
    return ByteBuffer.allocate(8).putLong(n + 1).array();
  }

  @Test
  void updateCreatesDeletesAndCanLeaveAKeyAlone() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    List<byte[]> seen = new ArrayList<>();
    byte[] created =
        ks.update(
            bytes("k"),
            old -> {
              seen.add(old);
              return bytes("v1");
            });
    assertThat(seen).containsExactly((byte[]) null);
    assertThat(created).isEqualTo(bytes("v1"));
    assertThat(ks.update(bytes("k"), old -> old)).isEqualTo(bytes("v1"));
    assertThat(ks.get(bytes("k"))).isEqualTo(bytes("v1"));
    assertThat(ks.update(bytes("k"), old -> null)).isNull();
    assertThat(ks.get(bytes("k"))).isNull();
  }

  @Test
  void updateThatThrowsWritesNothing() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    ks.put(bytes("k"), bytes("before"));
    IllegalStateException boom = new IllegalStateException("boom");
    assertThatThrownBy(
            () ->
                ks.update(
                    bytes("k"),
                    old -> {
                      throw boom;
                    }))
        .isSameAs(boom);
    assertThat(ks.get(bytes("k"))).isEqualTo(bytes("before"));
    ks.put(bytes("k"), bytes("after"));
    assertThat(ks.get(bytes("k"))).isEqualTo(bytes("after"));
  }

  @Test
  void batchAppliesEverythingInOrderAcrossKeyspaces() {
    engine.keyspace(StorageEngine.DATA).put(bytes("gone"), bytes("x"));
    engine.write(
        WriteBatch.builder()
            .put(StorageEngine.DATA, bytes("a"), bytes("1"))
            .put(StorageEngine.HINTS, bytes("h"), bytes("2"))
            .put(StorageEngine.DATA, bytes("a"), bytes("3"))
            .delete(StorageEngine.DATA, bytes("gone"))
            .put(StorageEngine.METADATA, bytes("m"), new byte[0])
            .build());
    assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("a"))).isEqualTo(bytes("3"));
    assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("gone"))).isNull();
    assertThat(engine.keyspace(StorageEngine.HINTS).get(bytes("h"))).isEqualTo(bytes("2"));
    assertThat(engine.keyspace(StorageEngine.METADATA).get(bytes("m"))).isEmpty();
    engine.write(WriteBatch.builder().build());
  }

  @Test
  void aBatchWithAnInvalidOperationAppliesNothing() {
    byte[] tooLong = new byte[engine.maxKeyBytes() + 1];
    WriteBatch batch =
        WriteBatch.builder()
            .put(StorageEngine.DATA, bytes("a"), bytes("1"))
            .put(StorageEngine.DATA, tooLong, bytes("2"))
            .build();
    assertThatThrownBy(() -> engine.write(batch)).isInstanceOf(IllegalArgumentException.class);
    assertThat(engine.keyspace(StorageEngine.DATA).get(bytes("a"))).isNull();
  }

  @Test
  void scansSeeBatchesWholeOrNotAtAll() throws Exception {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              for (long n = 0; !stop.get() && n < 1_000_000; n++) {
                byte[] v = ByteBuffer.allocate(8).putLong(n).array();
                engine.write(
                    WriteBatch.builder()
                        .put(StorageEngine.DATA, bytes("a"), v)
                        .put(StorageEngine.DATA, bytes("b"), v)
                        .build());
              }
            });
    writer.start();
    try {
      for (int i = 0; i < 2000; i++) {
        List<byte[]> values = new ArrayList<>();
        ks.scan(bytes("a"), bytes("c"), (k, v) -> values.add(v));
        if (!values.isEmpty()) {
          assertThat(values).hasSize(2);
          assertThat(values.get(0)).isEqualTo(values.get(1));
        }
      }
    } finally {
      stop.set(true);
      writer.join(TimeUnit.MINUTES.toMillis(1));
    }
  }

  @Test
  void everyMethodFailsClearlyAfterClose() {
    Keyspace ks = engine.keyspace(StorageEngine.DATA);
    ks.put(bytes("k"), bytes("v"));
    engine.close();
    engine.close();
    List<Consumer<StorageEngine>> calls =
        List.of(
            e -> e.keyspace(StorageEngine.DATA),
            e ->
                e.write(
                    WriteBatch.builder().put(StorageEngine.DATA, bytes("k"), bytes("v")).build()),
            StorageEngine::flush,
            e -> ks.get(bytes("k")),
            e -> ks.put(bytes("k"), bytes("v")),
            e -> ks.delete(bytes("k")),
            e -> ks.update(bytes("k"), old -> old),
            e -> ks.scan(null, null, (k, v) -> true));
    for (Consumer<StorageEngine> call : calls) {
      assertThatThrownBy(() -> call.accept(engine)).isInstanceOf(StorageException.Closed.class);
    }
    engine = null;
  }

  @Test
  void describesItself() {
    assertThat(engine.describe()).isNotBlank();
    assertThat(engine.durability()).isNotNull();
    assertThat(engine.maxKeyBytes()).isGreaterThanOrEqualTo(16 + 256);
    engine.keyspace(StorageEngine.DATA).put(bytes("k"), new byte[10_000]);
    engine.flush();
    assertThat(engine.approximateSizeBytes()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void reopenKeepsEveryKeyspace() {
    if (!persistent()) {
      return;
    }
    for (int i = 0; i < 1000; i++) {
      engine.keyspace(StorageEngine.DATA).put(bytes("key-" + i), bytes("value-" + i));
    }
    engine.keyspace(StorageEngine.HINTS).put(bytes("h"), bytes("hint"));
    engine.write(
        WriteBatch.builder().put(StorageEngine.METADATA, bytes("epoch"), bytes(7)).build());
    engine.close();
    engine = open(directory);
    Keyspace data = engine.keyspace(StorageEngine.DATA);
    for (int i = 0; i < 1000; i++) {
      assertThat(data.get(bytes("key-" + i))).isEqualTo(bytes("value-" + i));
    }
    assertThat(scanKeys(data, null, null)).hasSize(1000);
    assertThat(engine.keyspace(StorageEngine.HINTS).get(bytes("h"))).isEqualTo(bytes("hint"));
    assertThat(engine.keyspace(StorageEngine.METADATA).get(bytes("epoch"))).isEqualTo(bytes(7));
  }
}
