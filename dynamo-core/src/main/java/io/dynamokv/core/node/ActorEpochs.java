/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.RandomSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Hands out this node's fresh actor epochs, never the same one twice (Riak's kv679 lesson: a node
 * that reissues a counter it used before has its new writes discarded as already seen).
 *
 * <p>Within one data directory, epochs come from a counter whose upper bound is leased durably in
 * blocks: after a crash the node resumes past the last leased block, so an epoch is never reissued
 * even if the block was not used up. A new (or wiped) data directory has no memory of the epochs
 * its predecessor used, so it starts at a random base drawn from 2^62 values: reusing one of the
 * predecessor's epochs would need the two ranges to overlap, a chance of (epochs used) / 2^62.
 *
 * <p>Not thread-safe: used from the node's scheduler. {@link #peek()} may write to the metadata
 * keyspace, so call it outside any {@link Keyspace#update} function; {@link #consume()} never does.
 */
public final class ActorEpochs {
  static final int BLOCK = 1024;
  private static final byte[] LEASE_KEY = "actor-epochs.lease".getBytes(StandardCharsets.UTF_8);

  private final Keyspace metadata;
  private long next;
  private long leasedUpTo;

  /**
   * Opens the epoch counter stored in {@code metadata}, creating it with a random base if absent.
   */
  public ActorEpochs(Keyspace metadata, RandomSource random) {
    this.metadata = metadata;
    byte[] stored = metadata.get(LEASE_KEY);
    if (stored == null) {
      next = 1 + (random.nextLong() >>> 2);
    } else {
      if (stored.length != Long.BYTES) {
        throw new IllegalStateException(
            "metadata entry actor-epochs.lease is corrupt: "
                + stored.length
                + " bytes, expected 8");
      }
      next = ByteBuffer.wrap(stored).getLong();
    }
    leasedUpTo = next;
  }

  /**
   * The epoch the next {@link #consume()} will hand out, leased durably first if needed. Repeated
   * peeks without a consume return the same epoch.
   */
  public long peek() {
    if (next >= leasedUpTo) {
      leasedUpTo = next + BLOCK;
      metadata.put(LEASE_KEY, ByteBuffer.allocate(Long.BYTES).putLong(leasedUpTo).array());
    }
    return next;
  }

  /** Marks the peeked epoch as used and returns it. */
  public long consume() {
    long epoch = peek();
    next++;
    return epoch;
  }
}
