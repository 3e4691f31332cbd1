/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

/**
 * Where the domain reads time. Nothing in {@code dynamo-core} calls {@link System#nanoTime()} or
 * {@link System#currentTimeMillis()} directly, so a simulation can drive time and skew it per node.
 *
 * <p>Implementations MUST be thread-safe.
 */
public interface Clock {
  /**
   * Monotonic time in nanoseconds, for measuring intervals (timeouts, failure detection). It MUST
   * never decrease; its origin is arbitrary, so only differences mean anything.
   */
  long nanoTime();

  /**
   * Wall-clock time in milliseconds since the epoch, for timestamps that are compared across nodes
   * only as hints (e.g. which vector-clock entry is oldest when pruning). It MAY jump and MAY
   * differ between nodes.
   */
  long wallMillis();

  /** The JVM's clocks. */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}
