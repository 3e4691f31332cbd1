/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageEngineContract;
import io.dynamokv.core.spi.WriteBatch;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MemoryStorageEngineTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path directory) {
    return MemoryStorageEngine.create();
  }

  @Test
  void aDirectoryOutlivesItsEngineLikeADisk() {
    MemoryStorageEngine.Directory disk = new MemoryStorageEngine.Directory();
    MemoryStorageEngine first = MemoryStorageEngine.open(disk);
    first.keyspace(StorageEngine.DATA).put(new byte[] {1}, new byte[] {2});
    // No close: a crash keeps what a synced commit keeps.
    try (MemoryStorageEngine second = MemoryStorageEngine.open(disk)) {
      assertThat(second.keyspace(StorageEngine.DATA).get(new byte[] {1})).containsExactly(2);
    }
  }

  @Test
  void aCrashLosesACommitSuffixSinceTheLastFlushAcrossKeyspacesAndBatchesWhole() {
    MemoryStorageEngine.Directory disk =
        new MemoryStorageEngine.Directory().durability(Durability.WRITE_NO_SYNC);
    MemoryStorageEngine engine = MemoryStorageEngine.open(disk);
    Keyspace data = engine.keyspace(StorageEngine.DATA);
    Keyspace meta = engine.keyspace(StorageEngine.METADATA);
    data.put(new byte[] {1}, new byte[] {1});
    engine.flush();
    data.put(new byte[] {1}, new byte[] {2}); // unflushed commit 1
    meta.put(new byte[] {9}, new byte[] {9}); // 2
    engine.write(
        WriteBatch.builder()
            .put(StorageEngine.DATA, new byte[] {2}, new byte[] {2})
            .delete(StorageEngine.DATA, new byte[] {1})
            .build()); // 3
    data.put(new byte[] {3}, new byte[] {3}); // 4
    assertThat(disk.unflushedCommits()).isEqualTo(4);

    assertThat(disk.loseUnflushed(2)).isEqualTo(2);

    try (MemoryStorageEngine after = MemoryStorageEngine.open(disk)) {
      Keyspace d = after.keyspace(StorageEngine.DATA);
      assertThat(d.get(new byte[] {1})).containsExactly(2);
      assertThat(after.keyspace(StorageEngine.METADATA).get(new byte[] {9})).containsExactly(9);
      assertThat(d.get(new byte[] {2})).isNull();
      assertThat(d.get(new byte[] {3})).isNull();
      assertThat(disk.loseUnflushed(0)).isEqualTo(2);
      assertThat(d.get(new byte[] {1})).as("flushed before").containsExactly(1);
      assertThat(after.keyspace(StorageEngine.METADATA).get(new byte[] {9})).isNull();
    }
  }

  @Test
  void syncLosesNothingAndACleanCloseFlushes() {
    MemoryStorageEngine.Directory synced = new MemoryStorageEngine.Directory();
    MemoryStorageEngine.open(synced)
        .keyspace(StorageEngine.DATA)
        .put(new byte[] {1}, new byte[] {1});
    assertThat(synced.loseUnflushed(0)).isZero();

    MemoryStorageEngine.Directory lazy =
        new MemoryStorageEngine.Directory().durability(Durability.NO_SYNC);
    MemoryStorageEngine engine = MemoryStorageEngine.open(lazy);
    engine.keyspace(StorageEngine.DATA).put(new byte[] {1}, new byte[] {1});
    engine.close();
    assertThat(lazy.loseUnflushed(0)).isZero();
    try (MemoryStorageEngine again = MemoryStorageEngine.open(lazy)) {
      assertThat(again.keyspace(StorageEngine.DATA).get(new byte[] {1})).containsExactly(1);
      assertThat(again.durability()).isEqualTo(Durability.NO_SYNC);
    }
  }
}
