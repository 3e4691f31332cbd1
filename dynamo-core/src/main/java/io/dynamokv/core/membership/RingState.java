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
 * The cluster's current ring, as opaque bytes produced by a {@link RingPlanner}, with the version
 * and the claimant that authored it. Gossiped as cluster-level state: the highest {@code version}
 * wins; equal versions (two claimants racing, e.g. across a partition) go to the lower {@code
 * author}, then to the lower bytes, so every node picks the same ring.
 */
public record RingState(byte[] ring, long version, NodeId author) {
  /** Higher version wins, then lower author, then lower bytes (unsigned). */
  public static final Comparator<RingState> ORDER =
      Comparator.comparingLong(RingState::version)
          .thenComparing(RingState::author, Comparator.reverseOrder())
          .thenComparing(RingState::ring, (a, b) -> Arrays.compareUnsigned(b, a));

  public RingState {
    ring = Objects.requireNonNull(ring, "ring").clone();
    Objects.requireNonNull(author, "author");
    if (version < 1) {
      throw new IllegalArgumentException("ring version must be >= 1, found " + version);
    }
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
        && version == r.version
        && author.equals(r.author)
        && Arrays.equals(ring, r.ring);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, author, Arrays.hashCode(ring));
  }

  @Override
  public String toString() {
    String hex = HexFormat.of().formatHex(ring, 0, Math.min(ring.length, 16));
    return "RingState[v" + version + " by " + author + ", " + ring.length + " bytes " + hex + "]";
  }
}
