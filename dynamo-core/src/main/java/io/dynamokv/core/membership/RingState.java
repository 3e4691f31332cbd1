/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The cluster's current ring, as opaque bytes produced by a {@link RingPolicy}, with its epoch,
 * version and the claimant that authored it. Gossiped as cluster-level state: the highest {@code
 * epoch} wins, then the highest {@code version}; equal ones (two claimants racing, e.g. across a
 * partition) go to the lower {@code author}, then to the lower bytes, so every node picks the same
 * ring.
 *
 * <p>The epoch outranks the version: a cluster's rings stay in one epoch, each plan adding 1 to the
 * version, until a claimant has to replace a ring it refused (see {@link Membership}) and plans a
 * fresh one at version 1 of the next epoch, which then wins however large the refused version was.
 *
 * @param ring the planner's bytes
 * @param epoch the ring epoch, {@code >= 0}
 * @param version the version within the epoch, {@code >= 1}
 * @param author the claimant that planned it
 */
public record RingState(byte[] ring, long epoch, long version, NodeId author) {
  /** Higher epoch wins, then higher version, then lower author, then lower bytes (unsigned). */
  public static final Comparator<RingState> ORDER =
      Comparator.comparingLong(RingState::epoch)
          .thenComparingLong(RingState::version)
          .thenComparing(RingState::author, Comparator.reverseOrder())
          .thenComparing(RingState::ring, (a, b) -> Arrays.compareUnsigned(b, a));

  public RingState {
    ring = Objects.requireNonNull(ring, "ring").clone();
    Objects.requireNonNull(author, "author");
    if (epoch < 0) {
      throw new IllegalArgumentException("ring epoch must be >= 0, found " + epoch);
    }
    if (version < 1) {
      throw new IllegalArgumentException("ring version must be >= 1, found " + version);
    }
  }

  /** A ring in epoch 0. */
  public RingState(byte[] ring, long version, NodeId author) {
    this(ring, 0, version, author);
  }

  /** A copy of the ring bytes. */
  @Override
  public byte[] ring() {
    return ring.clone();
  }

  /** The number of ring bytes, without copying. */
  public int size() {
    return ring.length;
  }

  byte[] ringUnsafe() {
    return ring;
  }

  /** The winner of two rings; {@code null} stands for "no ring yet" and always loses. */
  public static RingState newer(RingState a, RingState b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return ORDER.compare(a, b) >= 0 ? a : b;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RingState r
        && epoch == r.epoch
        && version == r.version
        && author.equals(r.author)
        && Arrays.equals(ring, r.ring);
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, version, author, Arrays.hashCode(ring));
  }

  @Override
  public String toString() {
    String hex = HexFormat.of().formatHex(ring, 0, Math.min(ring.length, 16));
    return "RingState[e"
        + epoch
        + " v"
        + version
        + " by "
        + author
        + ", "
        + ring.length
        + " bytes "
        + hex
        + "]";
  }
}
