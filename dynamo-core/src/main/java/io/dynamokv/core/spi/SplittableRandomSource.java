/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import java.util.SplittableRandom;

final class SplittableRandomSource implements RandomSource {
  private final SplittableRandom random;

  SplittableRandomSource(SplittableRandom random) {
    this.random = random;
  }

  @Override
  public RandomSource split() {
    return new SplittableRandomSource(random.split());
  }

  @Override
  public long nextLong() {
    return random.nextLong();
  }

  @Override
  public int nextInt() {
    return random.nextInt();
  }

  @Override
  public int nextInt(int bound) {
    return random.nextInt(bound);
  }

  @Override
  public double nextDouble() {
    return random.nextDouble();
  }
}
