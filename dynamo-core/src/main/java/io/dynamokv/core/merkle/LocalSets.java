/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.version.Siblings;

/**
 * A replica's own sibling sets, as both sides of an exchange read and repair them. The node
 * implements it over its storage and its single local-apply path.
 *
 * <p>Contract: {@link #merge} MUST store {@code Siblings.sync(stored, incoming)} (pruned as every
 * local write is) through the same path as every other write of the replica, so that the replica's
 * listener updates its {@link PartitionTree}, and MUST return the set now stored. Both methods run
 * on the node's scheduler thread.
 */
public interface LocalSets {
  /** The stored set of {@code key} in {@code store}; {@link Siblings#empty()} if none. */
  Siblings read(String store, byte[] key);

  /**
   * Merges {@code incoming} (never empty) into the stored set of {@code key} and returns the set
   * now stored.
   */
  Siblings merge(String store, byte[] key, Siblings incoming);

  /**
   * Whether {@code key} holds a set of deletes only whose {@link KeyDigest} is {@code digest}, and
   * whose newest delete is older than the tombstone grace period: what this replica vouches for
   * before a purge.
   */
  boolean holdsExpiredTombstone(String store, byte[] key, long digest);

  /** Makes every change so far durable: a replica flushes before it vouches for a tombstone. */
  void flush();

  /**
   * Drops {@code key} if its set still has digest {@code digest}, through the replica's one local
   * path (its listener updates the tree). Returns whether it dropped it.
   */
  boolean dropIf(String store, byte[] key, long digest);

  /**
   * Sets read through {@code read} and never written, for an initiator that only pushes ({@link
   * ExchangeConfig#pushOnly}): a node handing a copy it gives up to an owner. A deliberate
   * exception to the contract above: its merge stores nothing and returns the sync of what {@code
   * read} answers with the incoming set; it vouches for no tombstone and drops nothing.
   */
  static LocalSets readOnly(java.util.function.BiFunction<String, byte[], Siblings> read) {
    return new LocalSets() {
      @Override
      public Siblings read(String store, byte[] key) {
        return read.apply(store, key);
      }

      @Override
      public Siblings merge(String store, byte[] key, Siblings incoming) {
        return Siblings.sync(read(store, key), incoming);
      }

      @Override
      public boolean holdsExpiredTombstone(String store, byte[] key, long digest) {
        return false;
      }

      @Override
      public void flush() {}

      @Override
      public boolean dropIf(String store, byte[] key, long digest) {
        return false;
      }
    };
  }
}
