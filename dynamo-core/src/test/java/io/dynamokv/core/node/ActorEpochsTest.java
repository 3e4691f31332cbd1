/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ActorEpochsTest {
  @Test
  void neverReissuesAnEpochAcrossCrashes() {
    MemoryStorageEngine.Directory disk = new MemoryStorageEngine.Directory();
    RandomSource random = RandomSource.seeded(1);
    Set<Long> issued = new HashSet<>();
    for (int incarnation = 0; incarnation < 5; incarnation++) {
      // No close: each incarnation ends in a crash.
      StorageEngine engine = MemoryStorageEngine.open(disk);
      ActorEpochs epochs = new ActorEpochs(engine.keyspace(StorageEngine.METADATA), random);
      for (int i = 0; i < 1500 + incarnation * 7; i++) {
        long peeked = epochs.peek();
        assertThat(epochs.peek()).isEqualTo(peeked);
        assertThat(issued.add(epochs.consume())).isTrue();
      }
    }
    assertThat(issued).allMatch(e -> e > 0);
  }

  @Test
  void aNewDirectoryStartsAtARandomBase() {
    ActorEpochs a =
        new ActorEpochs(
            MemoryStorageEngine.create().keyspace(StorageEngine.METADATA), RandomSource.seeded(1));
    ActorEpochs b =
        new ActorEpochs(
            MemoryStorageEngine.create().keyspace(StorageEngine.METADATA), RandomSource.seeded(2));
    assertThat(Math.abs(a.consume() - b.consume())).isGreaterThan(1L << 40);
  }
}
