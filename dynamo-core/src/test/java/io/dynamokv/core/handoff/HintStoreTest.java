/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.Versioned;
import java.util.List;
import org.junit.jupiter.api.Test;

class HintStoreTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId COORDINATOR = NodeId.of("c");

  private final MemoryStorageEngine.Directory disk = new MemoryStorageEngine.Directory();
  private final StorageEngine engine = MemoryStorageEngine.open(disk);

  private static Siblings written(String value, long counter) {
    return Siblings.empty()
        .update(
            VectorClock.empty(),
            Versioned.of(value.getBytes(UTF_8), counter),
            new Actor(COORDINATOR, counter));
  }

  private HintStore open(long cap) {
    return new HintStore(engine.keyspace(StorageEngine.HINTS), cap);
  }

  @Test
  void hintsOfOneOwnerAndKeyMergeIntoOneRecord() {
    HintStore hints = open(1 << 20);
    HintId id = HintId.of("s", "k".getBytes(UTF_8), A);
    hints.update(id, 1000, local -> Siblings.sync(local, written("x", 1)));
    hints.update(id, 2000, local -> Siblings.sync(local, written("y", 2)));

    assertThat(hints.count()).isEqualTo(1);
    assertThat(hints.read(id).siblingCount()).isEqualTo(2);
    assertThat(hints.get(id).firstMillis()).as("age counts from the first write").isEqualTo(1000);
    assertThat(hints.ownersOf("s", "k".getBytes(UTF_8))).containsExactly(A);
    assertThat(hints.ownersOf("s", "k2".getBytes(UTF_8))).isEmpty();
  }

  @Test
  void theIndexIsRebuiltFromDisk() {
    HintStore hints = open(1 << 20);
    hints.update(HintId.of("s", new byte[] {1}, A), 5, l -> written("x", 1));
    hints.update(HintId.of("s", new byte[] {1}, B), 6, l -> written("y", 1));
    hints.update(HintId.of("t", new byte[] {1, 2}, B), 7, l -> written("z", 1));
    engine.close();

    HintStore reopened = new HintStore(MemoryStorageEngine.open(disk).keyspace("hints"), 1 << 20);
    assertThat(reopened.count()).isEqualTo(3);
    assertThat(reopened.owners()).containsExactly(A, B);
    assertThat(reopened.ownersOf("s", new byte[] {1})).containsExactly(A, B);
    assertThat(reopened.hintsFor(B, null, 10)).hasSize(2);
    assertThat(reopened.summary())
        .extracting(HintStore.OwnerSummary::oldestMillis)
        .containsExactly(5L, 6L);
  }

  @Test
  void aHintMergedIntoAfterItWasSentIsNotDeleted() {
    HintStore hints = open(1 << 20);
    HintId id = HintId.of("s", new byte[] {9}, A);
    hints.update(id, 1, l -> written("x", 1));
    HintStore.Hint sent = hints.get(id);
    hints.update(id, 2, l -> Siblings.sync(l, written("y", 2)));

    assertThat(hints.deleteIfUnchanged(id, sent.stored())).isFalse();
    assertThat(hints.count()).isEqualTo(1);
    assertThat(hints.deleteIfUnchanged(id, hints.get(id).stored())).isTrue();
    assertThat(hints.isEmpty()).isTrue();
    assertThat(hints.bytes()).isZero();
  }

  @Test
  void theCapStopsNewHintsOnly() {
    HintStore hints = open(10);
    assertThat(hints.hasRoom()).isTrue();
    HintId id = HintId.of("s", new byte[] {9}, A);
    hints.update(id, 1, l -> written("a value longer than the cap", 1));
    assertThat(hints.hasRoom()).isFalse();
    assertThat(hints.holds(id)).isTrue();
    assertThat(hints.holds(HintId.of("s", new byte[] {9}, B))).isFalse();
  }

  @Test
  void expiryFindsHintsByTheirFirstWrite() {
    HintStore hints = open(1 << 20);
    HintId old = HintId.of("s", new byte[] {1}, A);
    HintId young = HintId.of("s", new byte[] {2}, A);
    hints.update(old, 100, l -> written("x", 1));
    hints.update(young, 500, l -> written("y", 1));
    hints.update(old, 900, l -> Siblings.sync(l, written("z", 2)));
    assertThat(hints.createdAtOrBefore(200)).containsExactly(old);
  }

  @Test
  void storageKeysRoundTripAndKeepOneKeysHintsApartFromAnothers() {
    HintId id = HintId.of("store-1", "key".getBytes(UTF_8), NodeId.of("node-7.dc_1"));
    assertThat(HintId.fromStorageKey(id.toStorageKey())).isEqualTo(id);
    HintId longer = HintId.of("store-1", "keyX".getBytes(UTF_8), NodeId.of("node-7.dc_1"));
    assertThat(HintId.fromStorageKey(longer.toStorageKey())).isEqualTo(longer);
    assertThat(id.toStorageKey().length - 3).isLessThanOrEqualTo(HintId.KEY_OVERHEAD);
  }

  @Test
  void aCorruptRecordIsReportedNotSkipped() {
    engine.keyspace("hints").put(new byte[] {3, 1, 2}, new byte[] {1});
    assertThatThrownBy(() -> open(100))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void hintsForPagesInKeyOrder() {
    HintStore hints = open(1 << 20);
    for (int i = 0; i < 5; i++) {
      hints.update(HintId.of("s", new byte[] {(byte) i}, A), 1, l -> written("v", 1));
    }
    List<HintId> first = hints.hintsFor(A, null, 2);
    List<HintId> next = hints.hintsFor(A, first.get(1), 10);
    assertThat(first).hasSize(2);
    assertThat(next).hasSize(3).doesNotContainAnyElementsOf(first);
  }
}
