/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class SimSeedsTest {
  @Test
  void defaultSeedsAreFixedAndStartWithTheBase() {
    if (System.getProperty(SimSeeds.SEED_PROPERTY) != null
        || System.getProperty(SimSeeds.SEEDS_PROPERTY) != null) {
      // Run with -Dsim.seed / -Dsim.seeds: show what the forked JVM received.
      System.out.println(
          "sim.seed="
              + System.getProperty(SimSeeds.SEED_PROPERTY)
              + " sim.seeds="
              + System.getProperty(SimSeeds.SEEDS_PROPERTY)
              + " -> "
              + SimSeeds.seeds(3, 42L));
      return;
    }
    assertThat(SimSeeds.seeds(3, 42L)).hasSize(3).startsWith(42L).isEqualTo(SimSeeds.seeds(3, 42L));
    assertThat(SimSeeds.seed(7L)).isEqualTo(7L);
  }

  @Test
  void aFailureCarriesTheReplayCommand(TestInfo test) {
    assertThatThrownBy(
            () ->
                SimSeeds.replayable(
                    test,
                    1234L,
                    () -> {
                      throw new IllegalStateException("scenario broke");
                    }))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith(
            "REPLAY: mvn -pl dynamo-core test -Dtest=io.dynamokv.core.sim.SimSeedsTest"
                + "#aFailureCarriesTheReplayCommand -Dsim.seed=1234")
        .hasMessageContaining("scenario broke")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aPassingBodyPassesThrough() {
    int[] ran = {0};
    SimSeeds.replayable(SimSeedsTest.class, "x", 1L, () -> ran[0]++);
    assertThat(ran[0]).isEqualTo(1);
  }
}
