/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Clock;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PhiAccrualFailureDetectorTest {
  private static final NodeId P = NodeId.of("p");

  static final class ManualClock implements Clock {
    long nanos = 1_000_000_000L;

    void advance(Duration d) {
      nanos += d.toNanos();
    }

    @Override
    public long nanoTime() {
      return nanos;
    }

    @Override
    public long wallMillis() {
      return nanos / 1_000_000;
    }
  }

  private final ManualClock clock = new ManualClock();
  private final PhiAccrualFailureDetector fd =
      new PhiAccrualFailureDetector(PhiAccrualFailureDetector.Config.DEFAULT, clock);

  @Test
  void unknownPeerHasZeroPhiAndIsNotAvailable() {
    assertThat(fd.phi(P)).isZero();
    assertThat(fd.isAvailable(P)).isFalse();
  }

  @Test
  void regularHeartbeatsKeepPhiLow() {
    for (int i = 0; i < 100; i++) {
      fd.heartbeat(P);
      clock.advance(Duration.ofSeconds(1));
      assertThat(fd.phi(P)).isLessThan(1.0);
    }
    assertThat(fd.isAvailable(P)).isTrue();
  }

  @Test
  void silenceRaisesPhiPastTheThresholdAtTheExpectedTime() {
    for (int i = 0; i < 100; i++) {
      fd.heartbeat(P);
      clock.advance(Duration.ofSeconds(1));
    }
    // mean 1 s + pause 3 s = 4 s, std = max(0, 500 ms): phi = 8 at y ~ 5.2, i.e. ~6.6 s after the
    // last heartbeat (we are 1 s past it now).
    long lastBeat = clock.nanos - Duration.ofSeconds(1).toNanos();
    double previous = fd.phi(P);
    while (fd.isAvailable(P)) {
      clock.advance(Duration.ofMillis(10));
      double phi = fd.phi(P);
      assertThat(phi).isGreaterThanOrEqualTo(previous);
      previous = phi;
    }
    double silence = (clock.nanos - lastBeat) / 1e9;
    assertThat(silence).isBetween(6.3, 6.9);
    assertThat(fd.phi(P)).isGreaterThanOrEqualTo(8.0);
  }

  @Test
  void jitterWithinToleranceIsNeverSuspected() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 2000; i++) {
      fd.heartbeat(P);
      // intervals 0.5 s to 3.5 s (a loaded machine, a lost gossip round or two)
      long step = 500 + r.nextLong(3000);
      for (long t = 0; t < step; t += 100) {
        clock.advance(Duration.ofMillis(100));
        assertThat(fd.isAvailable(P)).as("round %d after %d ms", i, t).isTrue();
      }
    }
  }

  @Test
  void windowIsBoundedAndAdapts() {
    PhiAccrualFailureDetector small =
        new PhiAccrualFailureDetector(
            new PhiAccrualFailureDetector.Config(
                8, 10, Duration.ofMillis(100), Duration.ZERO, Duration.ofSeconds(1)),
            clock);
    for (int i = 0; i < 50; i++) {
      small.heartbeat(P);
      clock.advance(Duration.ofSeconds(10));
    }
    // after slow beats, 10 s of silence is normal
    assertThat(small.phi(P)).isLessThan(1.0);
    for (int i = 0; i < 20; i++) {
      small.heartbeat(P);
      clock.advance(Duration.ofMillis(100));
    }
    // the window forgot the slow beats: 10 s now is very suspicious
    clock.advance(Duration.ofSeconds(10));
    assertThat(small.isAvailable(P)).isFalse();
  }

  @Test
  void resetForgetsThePeer() {
    fd.heartbeat(P);
    fd.reset(P);
    assertThat(fd.isMonitoring(P)).isFalse();
  }
}
