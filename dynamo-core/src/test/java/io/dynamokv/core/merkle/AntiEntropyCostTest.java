/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.merkle.AntiEntropyCost.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 19's cost targets at 100,000 keys of 100-byte values over Q = 64 partitions (about 1,560
 * keys each, so ⌈log2(M/Q)⌉ = 11): no difference costs one root comparison per partition; 100 and
 * 10,000 differences cost at most twice the floor.
 */
class AntiEntropyCostTest {
  private static final int KEYS = 100_000;
  private static final int Q = 64;

  /** Payload bytes per partition beyond h for a root comparison: ids, count and message headers. */
  private static final int ROOT_OVERHEAD = 16;

  @ParameterizedTest
  @ValueSource(ints = {0, 100, 10_000})
  void costStaysWithinTheTargets(int differences) {
    Result r = AntiEntropyCost.measure(KEYS, Q, differences, 19);
    System.out.println(r.line());
    assertThat(r.converged()).isTrue();
    assertThat(r.differingKeys()).isEqualTo(differences);
    if (differences == 0) {
      assertThat(r.compareRoundTrips()).isEqualTo(Q);
      assertThat(r.syncRoundTrips()).isZero();
      assertThat(r.bytes()).isLessThanOrEqualTo((long) Q * (KeyDigest.BYTES + ROOT_OVERHEAD));
    } else {
      assertThat(r.bytes()).isLessThanOrEqualTo(2 * r.floor());
      assertThat(r.repairedOnA() + r.repairedOnB()).isGreaterThanOrEqualTo(differences);
    }
  }
}
