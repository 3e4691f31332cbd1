/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.merkle.AntiEntropyMessage.Reason;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.StorageKeys.KeyRange;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;
import io.dynamokv.core.version.Siblings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One replica of one store in memory, for tests and benchmarks: its sets in storage order, a {@link
 * LeafSource} over them, a {@link LocalSets} whose merge is the replica's only write path and keeps
 * one {@link PartitionTree} per partition current, as the node's listener does.
 */
public final class MemoryReplica implements LeafSource, LocalSets {
  private final TreeMap<byte[], Entry> data = new TreeMap<>(Arrays::compareUnsigned);
  private final List<TokenRange> partitions;
  private final int levels;
  private final PartitionTree[] trees;
  private int flushes;

  private record Entry(byte[] userKey, Token token, Siblings set, long digest) {}

  /** A replica holding every one of {@code partitions}, with ready empty trees. */
  public MemoryReplica(List<TokenRange> partitions, int levels) {
    this.partitions = List.copyOf(partitions);
    this.levels = levels;
    this.trees = new PartitionTree[partitions.size()];
    for (int p = 0; p < trees.length; p++) {
      trees[p] = PartitionTree.empty(partitions.get(p), levels);
    }
  }

  /**
   * {@code q} equal aligned partitions of the ring (q a power of two), as strategy 3 makes them.
   */
  public static List<TokenRange> equalPartitions(int q) {
    if (Integer.bitCount(q) != 1) {
      throw new IllegalArgumentException("q must be a power of two");
    }
    int bits = Integer.numberOfTrailingZeros(q);
    List<TokenRange> out = new ArrayList<>(q);
    for (int p = 0; p < q; p++) {
      long start = bits == 0 ? 0 : (long) p << (64 - bits);
      long end = bits == 0 || p == q - 1 ? 0 : (long) (p + 1) << (64 - bits);
      out.add(new TokenRange(new Token(start, 0), new Token(end, 0)));
    }
    return out;
  }

  public List<TokenRange> partitions() {
    return partitions;
  }

  /** The partition holding {@code token}. */
  public int partitionOf(Token token) {
    for (int p = 0; p < partitions.size(); p++) {
      if (partitions.get(p).contains(token)) {
        return p;
      }
    }
    throw new IllegalArgumentException(token + " is in no partition");
  }

  public PartitionTree tree(int partition) {
    return trees[partition];
  }

  /** Replaces the set of {@code key} (empty: removes it), reporting the change to its tree. */
  public void put(byte[] key, Siblings set) {
    put(key, set, KeyDigest.of(key, set));
  }

  /** {@link #put(byte[], Siblings)} for a caller that knows the set's digest. */
  public void put(byte[] key, Siblings set, long after) {
    Token token = Token.of(key);
    byte[] storageKey = StorageKeys.storageKey(token, key);
    Entry before = data.get(storageKey);
    if (set.isEmpty()) {
      data.remove(storageKey);
    } else {
      data.put(storageKey, new Entry(key, token, set, after));
    }
    trees[partitionOf(token)].change(
        token, before == null ? KeyDigest.ABSENT : before.digest(), after);
  }

  /** Rebuilds every tree by a scan. */
  public void rebuildTrees() {
    for (int p = 0; p < trees.length; p++) {
      PartitionTree t = PartitionTree.building(partitions.get(p), levels);
      trees[p] = t;
      scan(partitions.get(p), (key, token, digest) -> t.addScanned(token, digest));
      t.finish();
    }
  }

  public int size() {
    return data.size();
  }

  /** Every user key, in storage order. */
  public List<byte[]> keys() {
    List<byte[]> out = new ArrayList<>(data.size());
    data.values().forEach(e -> out.add(e.userKey()));
    return out;
  }

  @Override
  public Siblings read(String store, byte[] key) {
    Entry e = data.get(StorageKeys.storageKey(key));
    return e == null ? Siblings.empty() : e.set();
  }

  @Override
  public Siblings merge(String store, byte[] key, Siblings incoming) {
    Siblings after = Siblings.sync(read(store, key), incoming);
    put(key, after);
    return after;
  }

  @Override
  public void scan(TokenRange range, Sink sink) {
    for (KeyRange r : StorageKeys.scanRanges(range)) {
      NavigableMap<byte[], Entry> view = data;
      if (r.fromInclusive() != null) {
        view = view.tailMap(r.fromInclusive(), true);
      }
      if (r.toExclusive() != null) {
        view = view.headMap(r.toExclusive(), false);
      }
      for (Entry e : view.values()) {
        sink.accept(e.userKey(), e.token(), e.digest());
      }
    }
  }

  /** Deletes only, with that digest (no grace here: tests decide what has expired). */
  @Override
  public boolean holdsExpiredTombstone(String store, byte[] key, long digest) {
    Siblings set = read(store, key);
    return !set.isEmpty() && set.isDeleted() && KeyDigest.of(key, set) == digest;
  }

  @Override
  public void flush() {
    flushes++;
  }

  @Override
  public boolean dropIf(String store, byte[] key, long digest) {
    if (!holdsExpiredTombstone(store, key, digest)) {
      return false;
    }
    put(key, Siblings.empty());
    return true;
  }

  /** How many times a responder flushed this replica. */
  public int flushes() {
    return flushes;
  }

  /** A responder's directory serving this replica's trees in ring {@code ringVersion}. */
  public TreeResponder.Directory directory(String store, long ringVersion) {
    return (s, partition, version) -> {
      if (!s.equals(store)) {
        return TreeResponder.Served.refused(Reason.UNKNOWN_STORE, ringVersion);
      }
      if (version != ringVersion) {
        return TreeResponder.Served.refused(Reason.RING_VERSION, ringVersion);
      }
      if (partition >= trees.length) {
        return TreeResponder.Served.refused(Reason.NOT_AN_OWNER, ringVersion);
      }
      if (!trees[partition].isReady()) {
        return TreeResponder.Served.refused(Reason.NOT_READY, ringVersion);
      }
      return TreeResponder.Served.of(trees[partition], this);
    };
  }
}
