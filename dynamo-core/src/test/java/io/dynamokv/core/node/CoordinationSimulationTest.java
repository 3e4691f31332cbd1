/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.node.CoordinationSimulation.Result;
import io.dynamokv.core.node.CoordinationSimulation.Settings;
import io.dynamokv.core.sim.SimSeeds;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Request coordination proven in a deterministic whole-cluster simulation (SPEC §4): a set workload
 * against five nodes under crashes, partitions, lossy links and clock skew, judged by {@link
 * SetHistory}'s causal oracle. See {@link CoordinationSimulation} for one seed's scenario.
 *
 * <p>CI runs {@value #CI_SEEDS} fixed seeds. Replay one with {@code mvn -pl dynamo-core test
 * -Dtest=io.dynamokv.core.node.CoordinationSimulationTest#ciSeedsKeepEveryInvariant -Dsim.seed=S};
 * explore {@code K} fresh ones with {@code -Dsim.seeds=K}; add {@code -Dsim.debug=true} to print
 * every replica's stored set of every key before the final reads.
 *
 * <p>How the invariants map onto the checks (all in {@link SetHistory}): "no acknowledged
 * write lost" is {@code checkNoAcknowledgedWriteLost} on the final R=N read; "no invented or
 * duplicated siblings" and "the final set is exactly the maximal landed writes" are the per-read
 * checks (issued, not definitely failed, unaltered, once, an antichain of {@code seen()}) on every
 * read, final or not; "the same answer whichever node coordinates" compares the final reads through
 * all five nodes, versions and context.
 *
 * <p>Issue 18's invariants, checked by {@link CoordinationSimulation}'s handoff phase and end:
 * "write availability" is the phase's writes (k >= W survivors, the others crashed or cut off, the
 * survivors' failure detectors agreed, the store's W, a generous timeout) all succeeding unless a
 * hint store refused at its cap; "replicas converge" compares every owner's own copy of every key
 * once every hint went home, for the phase's keys always and for the workload's keys when no crash
 * lost data or cut a write's coordination short, unless a hint expired or was refused; "no
 * resurrection" is {@link SetHistory#checkNoResurrection} on the final reads and on every owner's
 * copy. Runs with a small hint cap or a short maximum age check that the refusals and expiries are
 * counted and reported in the {@code handoff} status section (on every seed) instead.
 */
class CoordinationSimulationTest {
  static final int CI_SEEDS = 1000;
  private static final long CI_BASE = 20070101L;
  private static final int BROKEN_SEEDS = 100;
  private static final int ROLLBACK_SEEDS = 100;
  private static final int LIMIT_SEEDS = 30;

  @Test
  void ciSeedsKeepEveryInvariant(TestInfo test) {
    List<Long> seeds = SimSeeds.seeds(CI_SEEDS, CI_BASE);
    Coverage coverage = new Coverage();
    long start = System.nanoTime();
    for (long seed : seeds) {
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            Result result = CoordinationSimulation.run(seed, Settings.ci());
            assertThat(result.violations()).as(result.describe()).isEmpty();
            coverage.add(result);
          });
    }
    System.out.printf(
        "coordination simulation: %d seeds in %.1f s%n%s%n",
        seeds.size(), (System.nanoTime() - start) / 1e9, coverage);
    if (seeds.size() >= 100) {
      assertThat(coverage.forwarded).as("forwarded requests").isPositive();
      assertThat(coverage.quorumFailures).as("quorum failures").isPositive();
      assertThat(coverage.timedOutUnknown).as("timeouts with unknown outcome").isPositive();
      assertThat(coverage.siblingReads).as("reads with concurrent siblings").isPositive();
      assertThat(coverage.failedWrites).as("definitely failed writes").isPositive();
      assertThat(coverage.crashes).as("crashes").isPositive();
      assertThat(coverage.failedWrites + coverage.okWrites + coverage.unknownWrites)
          .as("writes")
          .isGreaterThanOrEqualTo(seeds.size() * 100L);
      assertThat(coverage.lostCommits).as("commits lost to crashes").isPositive();
      assertThat(coverage.freshIncarnations).as("restarts into a new incarnation").isPositive();
      assertThat(coverage.hintsStored).as("hints stored").isPositive();
      assertThat(coverage.hintsDelivered).as("hints handed off").isPositive();
      assertThat(coverage.standIns).as("stand-in acknowledgements").isPositive();
      assertThat(coverage.availabilityWrites).as("writes that had to be available").isPositive();
      assertThat(coverage.convergedKeys).as("keys whose owners must converge").isPositive();
    }
  }

  @Test
  void theSameSeedReplaysBitForBit() {
    long seed = SimSeeds.seed(CI_BASE);
    Result first = CoordinationSimulation.run(seed, Settings.ci());
    Result second = CoordinationSimulation.run(seed, Settings.ci());
    assertThat(second.traceHash()).isEqualTo(first.traceHash());
    assertThat(second).isEqualTo(first);
    Result other = CoordinationSimulation.run(seed + 1, Settings.ci());
    assertThat(other.traceHash()).isNotEqualTo(first.traceHash());
  }

  @Test
  void aCoordinatorThatIgnoresTheContextIsCaught() {
    Result caught = firstViolation(Settings.ci().broken(BrokenVariant.UPDATE_IGNORES_CONTEXT));
    assertThat(caught.violations()).anyMatch(v -> v.contains("lost"));
  }

  /**
   * Power failures on every seed, several per seed, on nodes that never sync every commit: the
   * correct node never reissues a dot or loses an acknowledged write that a copy survived of.
   */
  @Test
  void rollbackHuntingSeedsKeepEveryInvariant(TestInfo test) {
    long lost = 0;
    long fresh = 0;
    for (long seed : SimSeeds.seeds(ROLLBACK_SEEDS, CI_BASE + 679)) {
      long[] counts = new long[2];
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            Result result = CoordinationSimulation.run(seed, Settings.ci().huntingRollbacks());
            assertThat(result.violations()).as(result.describe()).isEmpty();
            counts[0] = result.lostCommits();
            counts[1] = result.freshIncarnations();
          });
      lost += counts[0];
      fresh += counts[1];
    }
    System.out.printf(
        "rollback hunting: %d seeds, %d commits lost, %d fresh incarnations%n",
        ROLLBACK_SEEDS, lost, fresh);
    assertThat(lost).isPositive();
    assertThat(fresh).isPositive();
  }

  /** The behaviour before issue 14, caught within the CI seeds themselves. */
  @Test
  void aNodeThatKeepsItsIncarnationAfterARollbackIsCaughtByTheCiSeeds() {
    Result caught =
        firstViolation(
            Settings.ci().broken(BrokenVariant.KEEPS_INCARNATION_AFTER_ROLLBACK), 3 * BROKEN_SEEDS);
    assertThat(caught.violations()).anyMatch(v -> v.contains("lost") || v.contains("issued twice"));
  }

  /**
   * The behaviour before issue 14: a node whose disk lost commits keeps its incarnation and skips
   * Riak's check, reissues dots, and acknowledged writes vanish.
   */
  @Test
  void aNodeThatKeepsItsIncarnationAfterARollbackIsCaughtLosingWrites() {
    Settings settings =
        Settings.ci().huntingRollbacks().broken(BrokenVariant.KEEPS_INCARNATION_AFTER_ROLLBACK);
    int tried = 0;
    for (long seed : SimSeeds.seeds(BROKEN_SEEDS, CI_BASE)) {
      tried++;
      Result result = CoordinationSimulation.run(seed, settings);
      if (result.violations().stream().anyMatch(v -> v.contains("lost"))) {
        System.out.printf(
            "%s caught losing writes at seed %d (seed #%d of the CI seeds):%n%s%n",
            settings.broken(), seed, tried, result.describe());
        return;
      }
    }
    throw new AssertionError(
        settings.broken() + " lost no acknowledged write within " + BROKEN_SEEDS + " seeds");
  }

  @Test
  void aCoordinatorThatAcksBeforeItsLocalWriteIsCaught() {
    Result caught =
        firstViolation(
            Settings.ci().huntingCoordinatorCrashes().broken(BrokenVariant.ACK_BEFORE_LOCAL_WRITE));
    assertThat(caught.violations()).anyMatch(v -> v.contains("lost"));
  }

  /**
   * Membership that applies gossip before validating it (issue 15): the hostile-gossip fault of the
   * CI seeds catches it.
   */
  @Test
  void gossipAppliedBeforeValidationIsCaught() {
    Result caught =
        firstViolation(Settings.ci().broken(BrokenVariant.GOSSIP_APPLIED_BEFORE_VALIDATION));
    assertThat(caught.faults()).contains(CoordinationSimulation.Fault.HOSTILE_GOSSIP);
    assertThat(caught.violations()).anyMatch(v -> v.contains("did not refuse hostile gossip"));
  }

  /**
   * A stand-in that counts towards W without storing its hint: once the owners are back, the write
   * it acknowledged is on fewer replicas than the owners, and the replicas do not converge (or,
   * when the coordinator's own copy was a hint that went home, the write is lost).
   */
  @Test
  void aStandInThatAcksWithoutStoringIsCaught() {
    Result caught = handoffVariantCaught(BrokenVariant.STAND_IN_ACKS_WITHOUT_STORING);
    assertThat(caught.violations()).anyMatch(v -> v.contains("diverge") || v.contains("lost"));
  }

  /** Handoff that deletes a hint before its owner acknowledged it: the owner never gets it. */
  @Test
  void aHintDeletedBeforeTheOwnerAcksIsCaught() {
    Result caught = handoffVariantCaught(BrokenVariant.HINT_DELETED_BEFORE_ACK);
    assertThat(caught.violations()).anyMatch(v -> v.contains("diverge") || v.contains("lost"));
  }

  /**
   * Reachability from gossip alone: an owner the coordinator cannot send to, but whose heartbeats
   * reach it through the other nodes, looks alive forever, so every write waits on it until it
   * hedges to a stand-in. Caught by {@link OneWayPartitionSimulation}'s check that coordinators
   * route around such a peer once their calls have failed for a while.
   */
  @Test
  void gossipReachabilityOnlyIsCaught() {
    List<Long> seeds = SimSeeds.seeds(10, CI_BASE + 18);
    long caught = 0;
    for (long seed : seeds) {
      List<String> violations =
          OneWayPartitionSimulation.run(seed, BrokenVariant.GOSSIP_REACHABILITY_ONLY);
      if (!violations.isEmpty()) {
        caught++;
        System.out.printf(
            "GOSSIP_REACHABILITY_ONLY caught by seed %d: %s%n", seed, violations.get(0));
      }
    }
    assertThat(caught).as("seeds of %s that caught the variant", seeds).isPositive();
  }

  /** The same one-way partitions with the correct node: every seed routes around the owner. */
  @Test
  void oneWayPartitionsAreRoutedAround(TestInfo test) {
    for (long seed : SimSeeds.seeds(10, CI_BASE + 18)) {
      SimSeeds.replayable(
          test,
          seed,
          () -> assertThat(OneWayPartitionSimulation.run(seed, BrokenVariant.NONE)).isEmpty());
    }
  }

  /**
   * A broken handoff variant caught within the CI seeds, by the handoff phase's invariants (write
   * availability, convergence, no lost write) or any other.
   */
  static Result handoffVariantCaught(BrokenVariant variant) {
    return firstViolation(Settings.ci().broken(variant));
  }

  /**
   * Hint stores at a small cap: the refusals are counted and reported (the status check runs on
   * every seed), availability and convergence are not required, every other invariant holds.
   */
  @Test
  void hintStoresAtTheirCapAreCountedAndReported(TestInfo test) {
    long refused =
        sumOverLimitSeeds(
            test,
            CI_BASE + 181,
            Settings.ci().handoff(Settings.ci().handoff().withHintCap(300)),
            r -> r.hints().refused());
    System.out.printf("hint cap: %d seeds, %d hints refused%n", LIMIT_SEEDS, refused);
    assertThat(refused).isPositive();
  }

  /** Hints that outlive a short maximum age: discarded, counted and reported, never delivered. */
  @Test
  void expiredHintsAreCountedAndReported(TestInfo test) {
    long expired =
        sumOverLimitSeeds(
            test,
            CI_BASE + 313,
            Settings.ci().handoff(Settings.ci().handoff().withHintMaxAge(Duration.ofSeconds(3))),
            r -> r.hints().expired());
    System.out.printf("hint max age: %d seeds, %d hints expired%n", LIMIT_SEEDS, expired);
    assertThat(expired).isPositive();
  }

  /** Runs {@link #LIMIT_SEEDS} seeds that must keep every invariant, summing {@code count}. */
  private static long sumOverLimitSeeds(
      TestInfo test,
      long base,
      Settings settings,
      java.util.function.ToLongFunction<Result> count) {
    long sum = 0;
    for (long seed : SimSeeds.seeds(LIMIT_SEEDS, base)) {
      long[] counts = new long[1];
      SimSeeds.replayable(
          test,
          seed,
          () -> {
            Result result = CoordinationSimulation.run(seed, settings);
            assertThat(result.violations()).as(result.describe()).isEmpty();
            counts[0] = count.applyAsLong(result);
          });
      sum += counts[0];
    }
    return sum;
  }

  /** Runs CI seeds of a broken variant until the invariants catch it; fails if none does. */
  private static Result firstViolation(Settings settings) {
    return firstViolation(settings, BROKEN_SEEDS);
  }

  private static Result firstViolation(Settings settings, int maxSeeds) {
    return firstViolation(settings, SimSeeds.seeds(maxSeeds, CI_BASE));
  }

  /**
   * Runs {@code seeds} in order until one breaks an invariant, which it prints and returns; fails
   * if none does (a broken variant that the seeds do not catch).
   */
  static Result firstViolation(Settings settings, List<Long> seeds) {
    Optional<Result> caught = Optional.empty();
    int tried = 0;
    for (long seed : seeds) {
      tried++;
      Result result = CoordinationSimulation.run(seed, settings);
      if (!result.passed()) {
        caught = Optional.of(result);
        break;
      }
    }
    assertThat(caught).as("%s caught within %d seeds", settings.broken(), seeds.size()).isPresent();
    System.out.printf(
        "%s caught at seed %d (seed #%d of the CI seeds):%n%s%n",
        settings.broken(), caught.get().seed(), tried, caught.get().describe());
    return caught.get();
  }

  /** Coverage summed over seeds. */
  private static final class Coverage {
    long seeds;
    long requests;
    long forwarded;
    long quorumFailures;
    long okWrites;
    long failedWrites;
    long unknownWrites;
    long timedOutUnknown;
    long siblingReads;
    long crashes;
    long detectorSkips;
    long workloadMillis;
    long finalReadRetries;
    long events;
    long lostCommits;
    long exemptWrites;
    long freshIncarnations;
    long hintsStored;
    long hintsDelivered;
    long hintsExpired;
    long hintsRefused;
    long standIns;
    long readRepairs;
    long phases;
    long availabilityWrites;
    long convergedKeys;
    long skippedConvergence;

    void add(Result r) {
      CoordinationSimulation.Hints h = r.hints();
      hintsStored += h.stored();
      hintsDelivered += h.delivered();
      hintsExpired += h.expired();
      hintsRefused += h.refused();
      standIns += h.standIns();
      readRepairs += h.readRepairs();
      phases += h.phases();
      availabilityWrites += h.availabilityWrites();
      convergedKeys += h.convergedKeys();
      skippedConvergence += h.skippedConvergence();
      seeds++;
      requests += r.requests();
      forwarded += r.forwarded();
      quorumFailures += r.quorumFailures();
      okWrites += r.okWrites();
      failedWrites += r.failedWrites();
      unknownWrites += r.unknownWrites();
      timedOutUnknown += r.timedOutUnknown();
      siblingReads += r.siblingReads();
      crashes += r.crashes();
      detectorSkips += r.detectorSkips();
      workloadMillis += r.workloadMillis();
      finalReadRetries += r.finalReadRetries();
      events += r.events();
      lostCommits += r.lostCommits();
      exemptWrites += r.exemptWrites();
      freshIncarnations += r.freshIncarnations();
    }

    @Override
    public String toString() {
      return String.format(
          "coverage: requests=%d forwarded=%d quorumFailures=%d writes ok=%d failed=%d unknown=%d"
              + " (timed out=%d) readsWithSiblings=%d crashes=%d"
              + " requestsMeetingFailureDetectorSuspicion=%d meanWorkload=%d ms finalReadRetries=%d events=%d"
              + " lostCommits=%d acknowledgedWritesWhoseLastCopyWasLost=%d freshIncarnations=%d%n"
              + "handoff: hints stored=%d delivered=%d expired=%d refused=%d standInAcks=%d"
              + " readRepairs=%d"
              + " handoffPhases=%d availabilityWrites=%d keysConverged=%d keysNotJudged=%d"
              + " (a crash lost data or cut a coordination short)",
          requests,
          forwarded,
          quorumFailures,
          okWrites,
          failedWrites,
          unknownWrites,
          timedOutUnknown,
          siblingReads,
          crashes,
          detectorSkips,
          seeds == 0 ? 0 : workloadMillis / seeds,
          finalReadRetries,
          events,
          lostCommits,
          exemptWrites,
          freshIncarnations,
          hintsStored,
          hintsDelivered,
          hintsExpired,
          hintsRefused,
          standIns,
          readRepairs,
          phases,
          availabilityWrites,
          convergedKeys,
          skippedConvergence);
    }
  }
}
