/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node takes and hands off hints (SPEC §5).
 *
 * @param enabled whether the node uses sloppy quorums and hints at all; off, writes need W of a
 *     key's owners, as a strict quorum (for tests that must see anti-entropy alone)
 * @param maxBytes the cap on the bytes of the hints a node holds: at it the node refuses to stand
 *     in for new keys, and a coordinator keeps no hint for a failed owner
 * @param maxAge how long a hint lives, counted from its first write (Cassandra's {@code
 *     max_hint_window}): an older hint is discarded, counted and reported, and anti-entropy repairs
 *     past it. The tombstone grace period must be longer, or a late hint could bring back a purged
 *     delete's value
 * @param interval how often the node tries to deliver its hints
 * @param maxBackoff the longest wait between two attempts at an owner that failed
 * @param bytesPerSecond the rate handoff may send at, all owners together
 */
public record HandoffConfig(
    boolean enabled,
    long maxBytes,
    Duration maxAge,
    Duration interval,
    Duration maxBackoff,
    long bytesPerSecond) {
  public static final HandoffConfig DEFAULTS =
      new HandoffConfig(
          true,
          1L << 30,
          Duration.ofHours(3),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          8L << 20);

  public HandoffConfig {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("the hint cap must be positive, found " + maxBytes);
    }
    positive("maximum hint age", maxAge);
    positive("handoff interval", interval);
    positive("handoff maximum backoff", maxBackoff);
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException(
          "the handoff rate must be positive, found " + bytesPerSecond + " bytes/s");
    }
  }

  private static void positive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, found " + d);
    }
  }

  public HandoffConfig withEnabled(boolean on) {
    return new HandoffConfig(on, maxBytes, maxAge, interval, maxBackoff, bytesPerSecond);
  }

  public HandoffConfig withMaxBytes(long bytes) {
    return new HandoffConfig(enabled, bytes, maxAge, interval, maxBackoff, bytesPerSecond);
  }

  public HandoffConfig withMaxAge(Duration age) {
    return new HandoffConfig(enabled, maxBytes, age, interval, maxBackoff, bytesPerSecond);
  }

  public HandoffConfig withInterval(Duration every) {
    return new HandoffConfig(enabled, maxBytes, maxAge, every, maxBackoff, bytesPerSecond);
  }

  public HandoffConfig withMaxBackoff(Duration backoff) {
    return new HandoffConfig(enabled, maxBytes, maxAge, interval, backoff, bytesPerSecond);
  }

  public HandoffConfig withBytesPerSecond(long rate) {
    return new HandoffConfig(enabled, maxBytes, maxAge, interval, maxBackoff, rate);
  }
}
