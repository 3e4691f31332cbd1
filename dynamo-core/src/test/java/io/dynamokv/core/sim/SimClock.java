/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.spi.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * A node's {@link Clock} in a {@link Simulation}: {@link #nanoTime()} is the simulated time (shared
 * by all nodes, never decreasing), {@link #wallMillis()} is {@link #EPOCH_MILLIS} plus the
 * simulated time plus this node's {@link #skew(Duration) skew}, which a test may change at any time
 * (also backwards, as NTP may). The clock belongs to the node, not to an incarnation: it keeps its
 * skew across restarts.
 */
public final class SimClock implements Clock {
  /** The wall-clock time at simulated time 0: 2026-01-01T00:00:00Z. */
  public static final long EPOCH_MILLIS = 1_767_225_600_000L;

  private final Simulation simulation;
  private volatile long skewNanos;

  public SimClock(Simulation simulation) {
    this.simulation = Objects.requireNonNull(simulation);
  }

  @Override
  public long nanoTime() {
    return simulation.now();
  }

  @Override
  public long wallMillis() {
    return EPOCH_MILLIS + Math.floorDiv(simulation.now() + skewNanos, 1_000_000L);
  }

  /** Sets this node's wall-clock skew (positive: ahead). Affects {@link #wallMillis()} only. */
  public void skew(Duration skew) {
    this.skewNanos = skew.toNanos();
  }

  /** The current skew. */
  public Duration skew() {
    return Duration.ofNanos(skewNanos);
  }
}
