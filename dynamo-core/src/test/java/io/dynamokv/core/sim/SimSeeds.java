/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import java.lang.reflect.Method;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.function.Executable;

/**
 * Seeds for simulation tests, and the replay line printed when one fails.
 *
 * <ul>
 *   <li>{@code -Dsim.seed=S}: run exactly seed {@code S} (replay a failure);
 *   <li>{@code -Dsim.seeds=K}: run {@code K} fresh random seeds (long exploratory runs);
 *   <li>neither: the test's own fixed seeds, so CI is reproducible.
 * </ul>
 *
 * <p>Typical use, with JUnit's {@link TestInfo}:
 *
 * <pre>{@code
 * @Test
 * void survivesPartitions(TestInfo test) {
 *   for (long seed : SimSeeds.seeds(3, 42L)) {
 *     SimSeeds.replayable(test, seed, () -> scenario(seed));
 *   }
 * }
 * }</pre>
 */
public final class SimSeeds {
  /** The system property holding one seed to replay. */
  public static final String SEED_PROPERTY = "sim.seed";

  /** The system property holding how many random seeds to run. */
  public static final String SEEDS_PROPERTY = "sim.seeds";

  private SimSeeds() {}

  /**
   * The seeds to run: {@code sim.seed} if set; else {@code sim.seeds} random ones; else {@code
   * defaultCount} seeds derived deterministically from {@code defaultBase} (the first is {@code
   * defaultBase} itself).
   */
  public static List<Long> seeds(int defaultCount, long defaultBase) {
    String one = System.getProperty(SEED_PROPERTY);
    if (one != null && !one.isBlank()) {
      return List.of(parse(SEED_PROPERTY, one));
    }
    String count = System.getProperty(SEEDS_PROPERTY);
    if (count != null && !count.isBlank()) {
      int n = (int) parse(SEEDS_PROPERTY, count);
      return new SplittableRandom().longs(n).boxed().toList();
    }
    SplittableRandom derived = new SplittableRandom(defaultBase);
    return LongStream.concat(
            LongStream.of(defaultBase), derived.longs(Math.max(0, defaultCount - 1)))
        .boxed()
        .toList();
  }

  /** {@code sim.seed} if set, else {@code defaultSeed}. */
  public static long seed(long defaultSeed) {
    String one = System.getProperty(SEED_PROPERTY);
    return one == null || one.isBlank() ? defaultSeed : parse(SEED_PROPERTY, one);
  }

  /** The command that reruns one test method with one seed. */
  public static String replayCommand(Class<?> testClass, String method, long seed) {
    return "REPLAY: mvn -pl dynamo-core test -Dtest="
        + testClass.getName()
        + "#"
        + method
        + " -D"
        + SEED_PROPERTY
        + "="
        + seed;
  }

  /**
   * Runs {@code body}; if it fails, rethrows an {@link AssertionError} whose message starts with
   * the {@link #replayCommand replay command} for the current test and {@code seed}, with the
   * original failure as the cause.
   */
  public static void replayable(TestInfo test, long seed, Executable body) {
    Class<?> testClass = test.getTestClass().orElseThrow();
    String method = test.getTestMethod().map(Method::getName).orElse("*");
    replayable(testClass, method, seed, body);
  }

  /** As {@link #replayable(TestInfo, long, Executable)}, naming the test explicitly. */
  public static void replayable(Class<?> testClass, String method, long seed, Executable body) {
    try {
      body.execute();
    } catch (Throwable t) {
      String replay = replayCommand(testClass, method, seed);
      System.err.println(replay);
      AssertionError error = new AssertionError(replay + "\n" + t, t);
      throw error;
    }
  }

  private static long parse(String property, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "system property " + property + " must be a long, found: " + value, e);
    }
  }
}
