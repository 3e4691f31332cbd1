/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulationTest {
  private static final long MS = 1_000_000L;

  @Test
  void runsEventsByTimeThenBySubmissionOrder() {
    Simulation sim = new Simulation(1);
    List<String> ran = new ArrayList<>();
    sim.schedule(1, 5 * MS, "e", () -> ran.add("5ms"));
    sim.schedule(1, 1 * MS, "a", () -> ran.add("1ms-first"));
    sim.schedule(2, 1 * MS, "b", () -> ran.add("1ms-second"));
    sim.schedule(1, 3 * MS, "c", () -> sim.schedule(1, 0, "d", () -> ran.add("3ms-nested")));
    sim.schedule(1, 3 * MS, "c2", () -> ran.add("3ms"));

    sim.runUntilIdle();

    assertThat(ran).containsExactly("1ms-first", "1ms-second", "3ms", "3ms-nested", "5ms");
    assertThat(sim.now()).isEqualTo(5 * MS);
    assertThat(sim.eventCount()).isEqualTo(6);
  }

  @Test
  void stepRunsOneEventAndReportsAnEmptyQueue() {
    Simulation sim = new Simulation(1);
    assertThat(sim.step()).isFalse();
    sim.schedule(0, 7, "x", () -> {});
    assertThat(sim.step()).isTrue();
    assertThat(sim.now()).isEqualTo(7);
    assertThat(sim.step()).isFalse();
  }

  @Test
  void runForAdvancesTimeToTheEndAndLeavesLaterEventsQueued() {
    Simulation sim = new Simulation(1);
    List<Long> times = new ArrayList<>();
    sim.schedule(0, 10 * MS, "a", () -> times.add(sim.now()));
    sim.schedule(0, 30 * MS, "b", () -> times.add(sim.now()));

    sim.runFor(Duration.ofMillis(20));

    assertThat(times).containsExactly(10 * MS);
    assertThat(sim.now()).isEqualTo(20 * MS);
    assertThat(sim.pendingEvents()).isEqualTo(1);
  }

  @Test
  void runUntilChecksAfterEveryEventAndGivesUpAtTheBound() {
    Simulation sim = new Simulation(1);
    int[] counter = {0};
    for (int i = 1; i <= 10; i++) {
      sim.schedule(0, i * MS, "tick", () -> counter[0]++);
    }

    assertThat(sim.runUntil(() -> counter[0] == 3, Duration.ofSeconds(1))).isTrue();
    assertThat(sim.now()).isEqualTo(3 * MS);
    assertThat(sim.runUntil(() -> counter[0] == 100, Duration.ofMillis(50))).isFalse();
    assertThat(sim.now()).isEqualTo(53 * MS);
    assertThat(counter[0]).isEqualTo(10);
  }

  @Test
  void runUntilOrFailNamesWhatDidNotHappen() {
    Simulation sim = new Simulation(77);
    sim.schedule(2, MS, "tick", () -> {});

    assertThatThrownBy(() -> sim.runUntilOrFail("never", () -> false, Duration.ofMillis(5)))
        .isInstanceOf(Simulation.SimulationFailure.class)
        .hasMessageContaining("seed=77")
        .hasMessageContaining("not within PT0.005S: never")
        .hasMessageContaining("tick");
    sim.runUntilOrFail("now", () -> true, Duration.ZERO); // the simulation is still usable
  }

  @Test
  void theLoopIsNotReentrantAndBelongsToItsThread() throws Exception {
    Simulation sim = new Simulation(1).failOnTaskException(false);
    sim.schedule(1, 0, "nested", () -> sim.runFor(Duration.ofMillis(1)));
    sim.step();
    assertThat(sim.firstTaskException()).hasMessageContaining("already running");

    Throwable[] fromOtherThread = new Throwable[1];
    Thread thread =
        new Thread(
            () -> {
              try {
                sim.schedule(1, 0, "x", () -> {});
              } catch (Throwable t) {
                fromOtherThread[0] = t;
              }
            });
    thread.start();
    thread.join();
    assertThat(fromOtherThread[0]).hasMessageContaining("must not start threads");
  }

  @Test
  void cancelledEventsDoNotRun() {
    Simulation sim = new Simulation(1);
    List<String> ran = new ArrayList<>();
    Simulation.Event event = sim.schedule(0, MS, "a", () -> ran.add("a"));
    event.cancel();
    sim.runUntilIdle();
    assertThat(ran).isEmpty();
    assertThat(sim.eventCount()).isZero();
  }

  @Test
  void maxEventsBoundTripsOnALivelock() {
    Simulation sim = new Simulation(1).maxEvents(100);
    Runnable[] loop = new Runnable[1];
    loop[0] = () -> sim.schedule(1, 0, "spin", loop[0]);
    sim.schedule(1, 0, "spin", loop[0]);

    assertThatThrownBy(() -> sim.runFor(Duration.ofSeconds(1)))
        .isInstanceOf(Simulation.SimulationFailure.class)
        .hasMessageContaining("exceeded maxEvents=100")
        .hasMessageContaining("seed=1")
        .hasMessageContaining("spin");
    assertThat(sim.eventCount()).isEqualTo(100);
  }

  @Test
  void anEventThatThrowsFailsTheRunLoudlyAndKeepsFailing() {
    Simulation sim = new Simulation(9);
    sim.schedule(
        3,
        MS,
        "bad",
        () -> {
          throw new IllegalStateException("oops");
        });
    sim.schedule(3, 2 * MS, "later", () -> {});

    assertThatThrownBy(sim::runUntilIdle)
        .isInstanceOf(Simulation.SimulationFailure.class)
        .hasMessageContaining("oops")
        .hasMessageMatching("(?s).*n3 +bad.*")
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(sim::step).isInstanceOf(Simulation.SimulationFailure.class);
  }

  @Test
  void exceptionsAreOnlyCountedWhenConfigured() {
    Simulation sim = new Simulation(9).failOnTaskException(false);
    SimScheduler scheduler = new SimScheduler(sim, 1);
    int[] runs = {0};
    scheduler.scheduleWithFixedDelay(
        Duration.ofMillis(1),
        Duration.ofMillis(1),
        () -> {
          runs[0]++;
          throw new IllegalStateException("periodic failure");
        });

    sim.runFor(Duration.ofMillis(5));

    assertThat(runs[0]).isEqualTo(5);
    assertThat(sim.taskExceptions()).isEqualTo(5);
    assertThat(sim.firstTaskException()).hasMessage("periodic failure");
  }

  @Test
  void invariantsRunAfterEveryEventAndNameTheBreakingEvent() {
    Simulation sim = new Simulation(5);
    int[] value = {0};
    int[] checks = {0};
    sim.afterEachEvent(
        () -> {
          checks[0]++;
          if (value[0] > 2) {
            throw new AssertionError("value exceeded 2");
          }
        });
    for (int i = 1; i <= 5; i++) {
      sim.schedule(1, i, "inc" + i, () -> value[0]++);
    }

    assertThatThrownBy(sim::runUntilIdle)
        .isInstanceOf(Simulation.SimulationFailure.class)
        .hasMessageContaining("invariant violated: value exceeded 2")
        .hasMessageEndingWith("inc3\n");
    assertThat(checks[0]).isEqualTo(3);
  }

  @Test
  void traceHashIsAFunctionOfTheExecutedEvents() {
    assertThat(hashOf("a", 1)).isEqualTo(hashOf("a", 1));
    assertThat(hashOf("a", 1)).isNotEqualTo(hashOf("b", 1));
    assertThat(hashOf("a", 1)).isNotEqualTo(hashOf("a", 2));
  }

  private static long hashOf(String label, long delay) {
    Simulation sim = new Simulation(0);
    sim.schedule(1, delay, label, () -> {});
    sim.schedule(2, 5, "x", () -> {});
    sim.runUntilIdle();
    return sim.traceHash();
  }

  @Test
  void schedulerRunsDelayedAndFixedDelayTasksAtTheirSimulatedTimes() {
    Simulation sim = new Simulation(1);
    SimScheduler scheduler = new SimScheduler(sim, 1);
    List<Long> ticks = new ArrayList<>();
    List<Long> once = new ArrayList<>();
    Scheduler.Cancellable periodic =
        scheduler.scheduleWithFixedDelay(
            Duration.ofMillis(5), Duration.ofMillis(10), () -> ticks.add(sim.now() / MS));
    scheduler.schedule(Duration.ofMillis(7), () -> once.add(sim.now() / MS));
    scheduler.schedule(Duration.ofMillis(8), () -> once.add(-1L)).cancel();

    sim.runFor(Duration.ofMillis(30));
    periodic.cancel();
    sim.runFor(Duration.ofMillis(30));

    assertThat(ticks).containsExactly(5L, 15L, 25L);
    assertThat(once).containsExactly(7L);
  }

  @Test
  void aPeriodicTaskMayCancelItselfWhileRunning() {
    Simulation sim = new Simulation(1);
    SimScheduler scheduler = new SimScheduler(sim, 1);
    int[] runs = {0};
    Scheduler.Cancellable[] handle = new Scheduler.Cancellable[1];
    handle[0] =
        scheduler.scheduleWithFixedDelay(
            Duration.ZERO,
            Duration.ofMillis(1),
            () -> {
              if (++runs[0] == 3) {
                handle[0].cancel();
              }
            });
    sim.runFor(Duration.ofMillis(10));
    assertThat(runs[0]).isEqualTo(3);
  }

  @Test
  void aClosedSchedulerDropsQueuedAndNewTasks() {
    Simulation sim = new Simulation(1);
    SimScheduler scheduler = new SimScheduler(sim, 1);
    List<String> ran = new ArrayList<>();
    scheduler.execute(() -> ran.add("now"));
    scheduler.schedule(Duration.ofMillis(1), () -> ran.add("later"));
    scheduler.scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(1), () -> ran.add("tick"));
    sim.step();
    sim.step();

    scheduler.close();
    scheduler.execute(() -> ran.add("after close"));
    sim.runFor(Duration.ofSeconds(1));

    assertThat(ran).containsExactly("now", "tick");
  }

  @Test
  void clockSkewMovesWallTimeOnly() {
    Simulation sim = new Simulation(1);
    SimClock clock = new SimClock(sim);
    sim.runFor(Duration.ofMillis(1500));
    assertThat(clock.nanoTime()).isEqualTo(1500 * MS);
    assertThat(clock.wallMillis()).isEqualTo(SimClock.EPOCH_MILLIS + 1500);

    clock.skew(Duration.ofSeconds(-2));

    assertThat(clock.nanoTime()).isEqualTo(1500 * MS);
    assertThat(clock.wallMillis()).isEqualTo(SimClock.EPOCH_MILLIS - 500);
  }
}
