/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.StorageKeys.KeyRange;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class StorageKeysTest {
  @Property
  void storageKeyStartsWithTheTokenAndEndsWithTheKey(@ForAll @Size(max = 64) byte[] key) {
    byte[] storageKey = StorageKeys.storageKey(key);
    assertThat(storageKey).hasSize(16 + key.length);
    assertThat(StorageKeys.userKey(storageKey)).isEqualTo(key);
    assertThat(StorageKeys.tokenOf(storageKey)).isEqualTo(Token.of(key));
  }

  @Property
  void everyKeyIsScannedByExactlyItsOwnPartition(
      @ForAll @Size(max = 32) byte[] key, @ForAll @IntRange(min = 0, max = 6) int log2q) {
    int q = 1 << log2q;
    TreeSet<NodeId> nodes = new TreeSet<>(List.of(NodeId.of("a")));
    Ring ring = RingPlanner.fixedPartitions(q, 3).initial(nodes, Map.of());
    byte[] storageKey = StorageKeys.storageKey(key);
    int partition = ring.partitionOf(Token.of(key));
    for (int p = 0; p < q; p++) {
      boolean scanned = false;
      for (KeyRange range : StorageKeys.scanRanges(ring.range(p))) {
        scanned |= range.contains(storageKey);
      }
      assertThat(scanned)
          .as("partition %d scans the key of partition %d", p, partition)
          .isEqualTo(p == partition);
    }
  }

  @Property
  void strategyOneRangesScanTheirKeys(@ForAll @Size(max = 32) byte[] key, @ForAll long seed) {
    Ring ring =
        RingPlanner.randomTokens(4, 3)
            .initial(new TreeSet<>(List.of(NodeId.of("n" + (seed & 7)), NodeId.of("z"))), Map.of());
    byte[] storageKey = StorageKeys.storageKey(key);
    int partition = ring.partitionOf(Token.of(key));
    for (int p = 0; p < ring.partitionCount(); p++) {
      boolean scanned = false;
      for (KeyRange range : StorageKeys.scanRanges(ring.range(p))) {
        scanned |= range.contains(storageKey);
      }
      assertThat(scanned).isEqualTo(p == partition);
    }
  }

  @Test
  void wrappingRangeIsTwoScans() {
    TokenRange wrapping = new TokenRange(new Token(-2L, 0L), new Token(5L, 0L));
    List<KeyRange> scans = StorageKeys.scanRanges(wrapping);
    assertThat(scans).hasSize(2);
    assertThat(scans.get(0).toExclusive()).isNull();
    assertThat(scans.get(1).fromInclusive()).isNull();
    assertThat(scans.get(0).fromInclusive()).isEqualTo(new Token(-2L, 0L).toBytes());
    assertThat(scans.get(1).toExclusive()).isEqualTo(new Token(5L, 0L).toBytes());
  }

  @Test
  void lastStrategyThreePartitionIsOneScanToTheEnd() {
    TreeSet<NodeId> nodes = new TreeSet<>(List.of(NodeId.of("a"), NodeId.of("b")));
    Ring ring = RingPlanner.fixedPartitions(8, 3).initial(nodes, new TreeMap<>());
    List<KeyRange> scans = StorageKeys.scanRanges(ring.range(7));
    assertThat(scans).hasSize(1);
    assertThat(scans.get(0).toExclusive()).isNull();
    assertThat(StorageKeys.scanRanges(ring.range(0))).hasSize(1);
  }
}
