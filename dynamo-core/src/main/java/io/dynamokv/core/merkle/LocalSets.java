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
}
