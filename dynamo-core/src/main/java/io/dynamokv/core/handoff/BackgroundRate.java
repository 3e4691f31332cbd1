/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import io.dynamokv.core.spi.Clock;
import java.util.Objects;

/**
 * A node's one budget for background sending (SPEC §5, §6): a token bucket of {@code
 * bytesPerSecond} that holds at most one second of sending. Hinted handoff and anti-entropy both
 * draw from it, so a node that comes back to a cluster full of hints and differences is not sent
 * more than the budget allows, whichever of the two has more to send. A send may overdraw it once
 * (a record larger than a second's rate must pass); later sends then wait until it is paid back.
 *
 * <p>Used on the node's scheduler only; not thread-safe.
 */
public final class BackgroundRate {
  private final Clock clock;
  private final double bytesPerSecond;
  private double tokens;
  private long tokensAt;

  public BackgroundRate(Clock clock, long bytesPerSecond) {
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException(
          "the background rate must be positive, found " + bytesPerSecond + " bytes/s");
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = bytesPerSecond;
    this.tokensAt = clock.nanoTime();
  }

  /** How long to wait before the budget allows the next send: 0 when it allows one now. */
  public long waitNanos() {
    refill();
    return tokens > 0 ? 0 : (long) Math.ceil(-tokens / bytesPerSecond * 1e9) + 1;
  }

  /** Counts {@code bytes} sent against the budget. */
  public void charge(long bytes) {
    refill();
    tokens -= bytes;
  }

  /** Takes {@code bytes} if the budget allows a send now; false (nothing taken) if not. */
  public boolean tryTake(long bytes) {
    if (waitNanos() > 0) {
      return false;
    }
    tokens -= bytes;
    return true;
  }

  private void refill() {
    long now = clock.nanoTime();
    tokens = Math.min(bytesPerSecond, tokens + bytesPerSecond * (now - tokensAt) / 1e9);
    tokensAt = now;
  }
}
