/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;

/**
 * The keys of one store on one replica, as the exchange reads them below the levels a {@link
 * PartitionTree} materialises and to list the keys of a small subtree. The node implements it over
 * its storage engine (a scan of {@link io.dynamokv.core.ring.StorageKeys#scanRanges}).
 *
 * <p>Contract: {@link #scan} MUST call {@code sink} once for every key currently stored whose token
 * lies in {@code range} and whose set is not empty, in storage order (token, then user key bytes
 * unsigned, which for a wrapping range means from its start past {@link Token#MAX} to its end),
 * with the digest {@link KeyDigest#of} gives for the stored set. It MUST agree with the tree the
 * same replica keeps: a scan of a node's range gives that node's hash and count, unless the data
 * changed in between. It is called on the node's scheduler thread, like everything in this package.
 */
public interface LeafSource {
  /** Calls {@code sink} for each key of {@code range}, in storage order. */
  void scan(TokenRange range, Sink sink);

  /** Receives scanned keys. */
  @FunctionalInterface
  interface Sink {
    /**
     * One key.
     *
     * @param userKey the user key (the callee may keep it; the source MUST NOT modify it later)
     * @param token its token
     * @param digest {@link KeyDigest#of} of its stored set, never {@link KeyDigest#ABSENT}
     */
    void accept(byte[] userKey, Token token, long digest);
  }
}
