/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageEngineContract;
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
}
