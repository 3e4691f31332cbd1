/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The domain's only source of randomness (gossip peer choice, random tokens, jitter, backoff). A
 * seeded source makes a whole-cluster simulation replay bit for bit.
 *
 * <p>A source is not thread-safe: give each component its own via {@link #split()}, which is
 * deterministic for a seeded source (the n-th split of a source seeded with s is always the same
 * stream).
 */
public interface RandomSource extends RandomGenerator {
  /** A new, statistically independent source derived deterministically from this one. */
  RandomSource split();

  /** A deterministic source: the same seed gives the same sequence on every JVM. */
  static RandomSource seeded(long seed) {
    return new SplittableRandomSource(new SplittableRandom(seed));
  }

  /** A source seeded from the JVM's secure entropy, for production. */
  static RandomSource unseeded() {
    return new SplittableRandomSource(new SplittableRandom());
  }
}
