/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.version.EpochSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * This node's actor epochs (Riak's kv679 lesson: a node that reissues a counter it used before has
 * its new writes discarded as already seen).
 *
 * <p>Within one data directory epochs come from a counter whose upper bound is leased durably in
 * blocks of {@value #BLOCK}: after a crash the node resumes past the last leased block, so no epoch
 * is handed out twice. A new (or wiped) data directory remembers nothing of its predecessor, so its
 * {@linkplain #incarnation() incarnation} starts at the wall-clock time of its creation times 10^6:
 * above every epoch of an earlier life, as long as that life leased fewer than 10^6 epochs per
 * millisecond it lasted (it leases one per newly written key at most) and the wall clock did not go
 * back across the loss of the directory.
 *
 * <p>Not thread-safe: the node uses it from its scheduler. {@link #leaseAbove} runs inside a
 * storage {@code update} function, where it must not write; when the leased block does not cover
 * the request it throws {@link LeaseNeeded}, the node calls {@link #extendLease} outside the
 * function and retries.
 */
final class NodeEpochs implements EpochSource {
  static final int BLOCK = 1024;
  private static final byte[] INCARNATION = bytes("epochs/incarnation");
  private static final byte[] LEASED = bytes("epochs/leased-up-to");

  private final Keyspace metadata;
  private final long incarnation;
  private long next;
  private long leasedUpTo;

  NodeEpochs(Keyspace metadata, Clock clock) {
    this.metadata = metadata;
    byte[] stored = metadata.get(INCARNATION);
    if (stored == null) {
      incarnation = Math.multiplyExact(Math.max(0, clock.wallMillis()), 1_000_000L);
      metadata.put(INCARNATION, encode(incarnation));
      next = incarnation;
    } else {
      incarnation = decode(stored, "epochs/incarnation");
      byte[] leased = metadata.get(LEASED);
      next = leased == null ? incarnation : decode(leased, "epochs/leased-up-to");
    }
    leasedUpTo = next;
    extendLease(next);
  }

  @Override
  public long incarnation() {
    return incarnation;
  }

  @Override
  public long leaseAbove(long floor) {
    long epoch = Math.max(next, floor + 1);
    if (epoch >= leasedUpTo) {
      throw new LeaseNeeded(epoch);
    }
    next = epoch + 1;
    return epoch;
  }

  /** Durably leases a block that covers {@code epoch}. */
  void extendLease(long epoch) {
    if (epoch >= leasedUpTo) {
      leasedUpTo = Math.addExact(epoch, BLOCK);
      metadata.put(LEASED, encode(leasedUpTo));
    }
  }

  /** The leased block does not cover the epoch a write needs; extend the lease and retry. */
  static final class LeaseNeeded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long epoch;

    LeaseNeeded(long epoch) {
      super("epoch lease must cover " + epoch, null, false, false);
      this.epoch = epoch;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] encode(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }

  private static long decode(byte[] stored, String what) {
    if (stored.length != Long.BYTES) {
      throw new IllegalStateException(
          "metadata entry " + what + " is corrupt: " + stored.length + " bytes, expected 8");
    }
    return ByteBuffer.wrap(stored).getLong();
  }
}
