/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.spi.Clock;
import org.junit.jupiter.api.Test;

class BackgroundRateTest {
  private long now;
  private final Clock clock =
      new Clock() {
        @Override
        public long nanoTime() {
          return now;
        }

        @Override
        public long wallMillis() {
          return now / 1_000_000;
        }
      };

  @Test
  void twoUsersShareOneSecondOfSendingAndWaitForWhatTheyOverdrew() {
    BackgroundRate rate = new BackgroundRate(clock, 1000);
    assertThat(rate.tryTake(600)).isTrue(); // handoff
    rate.charge(900); // anti-entropy, overdrawing by 500
    assertThat(rate.waitNanos()).isBetween(500_000_000L, 500_000_002L);
    assertThat(rate.tryTake(1)).isFalse();
    now += 500_000_001L;
    assertThat(rate.tryTake(100)).isTrue();
    now += 10_000_000_000L; // a long pause refills one second, no more
    assertThat(rate.tryTake(1000)).isTrue();
    assertThat(rate.tryTake(1)).isFalse();
  }

  @Test
  void aRateMustBePositive() {
    assertThatThrownBy(() -> new BackgroundRate(clock, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }
}
