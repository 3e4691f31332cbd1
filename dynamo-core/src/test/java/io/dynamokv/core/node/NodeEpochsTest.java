/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeEpochsTest {
  private static Clock wallClockAt(long millis) {
    return new Clock() {
      @Override
      public long nanoTime() {
        return 0;
      }

      @Override
      public long wallMillis() {
        return millis;
      }
    };
  }

  private static long lease(NodeEpochs epochs, long floor) {
    try {
      return epochs.leaseAbove(floor);
    } catch (NodeEpochs.LeaseNeeded needed) {
      epochs.extendLease(needed.epoch);
      return epochs.leaseAbove(floor);
    }
  }

  @Test
  void neverReissuesAnEpochAcrossCrashes() {
    MemoryStorageEngine.Directory disk = new MemoryStorageEngine.Directory();
    Set<Long> issued = new HashSet<>();
    long incarnation = -1;
    for (int life = 0; life < 5; life++) {
      // No close: every life ends in a crash. The wall clock even goes back: it must not matter.
      NodeEpochs epochs =
          new NodeEpochs(
              MemoryStorageEngine.open(disk).keyspace(StorageEngine.METADATA),
              wallClockAt(1000 - life));
      assertThat(incarnation == -1 || epochs.incarnation() == incarnation).isTrue();
      incarnation = epochs.incarnation();
      for (int i = 0; i < 1500 + life * 7; i++) {
        long epoch = lease(epochs, -1);
        assertThat(epoch).isGreaterThanOrEqualTo(incarnation);
        assertThat(issued.add(epoch)).isTrue();
      }
    }
  }

  @Test
  void aNewDirectoryStartsAboveEveryEpochOfAnEarlierLife() {
    NodeEpochs first =
        new NodeEpochs(
            MemoryStorageEngine.create().keyspace(StorageEngine.METADATA), wallClockAt(5));
    long last = 0;
    for (int i = 0; i < 10_000; i++) {
      last = lease(first, -1);
    }
    NodeEpochs second =
        new NodeEpochs(
            MemoryStorageEngine.create().keyspace(StorageEngine.METADATA), wallClockAt(6));
    assertThat(second.incarnation()).isGreaterThan(last);
  }

  @Test
  void leasesAboveTheFloorAndAsksForALeaseOutsideItsBlock() {
    NodeEpochs epochs =
        new NodeEpochs(
            MemoryStorageEngine.create().keyspace(StorageEngine.METADATA), wallClockAt(1));
    assertThat(epochs.leaseAbove(1_000_010)).isEqualTo(1_000_011);
    assertThatThrownBy(() -> epochs.leaseAbove(5_000_000))
        .isInstanceOf(NodeEpochs.LeaseNeeded.class);
    assertThat(lease(epochs, 5_000_000)).isEqualTo(5_000_001);
  }
}
