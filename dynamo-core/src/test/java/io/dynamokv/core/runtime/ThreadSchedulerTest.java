/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ThreadSchedulerTest {
  private static final long UNBOUNDED = Long.MAX_VALUE;
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private final ThreadScheduler scheduler = new ThreadScheduler("test-scheduler", errors::add);

  @AfterEach
  void close() {
    scheduler.close();
  }

  @Test
  void runsTasksOneAtATimeInSubmissionOrder() {
    List<Integer> order = new CopyOnWriteArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    for (int i = 0; i < 1000; i++) {
      int n = i;
      scheduler.execute(
          () -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            order.add(n);
            running.decrementAndGet();
          });
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 1000);
    assertThat(order).isSorted();
    assertThat(maxRunning.get()).isEqualTo(1);
  }

  @Test
  void tasksQueuedWhileTheThreadIsBusyRunAsOneRunBracketedOnce() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    try (ThreadScheduler s = runs(events, System::nanoTime)) {
      CountDownLatch release = busy(s, events);
      for (int i = 1; i <= 3; i++) {
        String name = "t" + i;
        s.execute(() -> events.add(name));
      }
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("end"));

      s.execute(() -> events.add("alone"));
      await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 9);
    }
    assertThat(events)
        .containsExactly("begin", "blocker", "t1", "t2", "t3", "end", "begin", "alone", "end");
    assertThat(errors).isEmpty();
  }

  @Test
  void aRunEndsAtItsBoundAndTheNextBegins() {
    List<String> events = new CopyOnWriteArrayList<>();
    try (ThreadScheduler s = runs(events, System::nanoTime)) {
      CountDownLatch release = new CountDownLatch(1);
      s.execute(() -> block(release));
      int queued = ThreadScheduler.MAX_RUN + 4;
      for (int i = 0; i < queued; i++) {
        s.execute(() -> events.add("task"));
      }
      release.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> events.stream().filter("end"::equals).count() == 2);
    }
    // The blocker and MAX_RUN - 1 queued tasks, then the 5 left.
    assertThat(String.join(",", events))
        .isEqualTo(
            "begin,"
                + "task,".repeat(ThreadScheduler.MAX_RUN - 1)
                + "end,begin,"
                + "task,".repeat(5)
                + "end");
  }

  @Test
  void aRunEndsOnceItHasLastedItsTimeAndTheNextBegins() {
    List<String> events = new CopyOnWriteArrayList<>();
    AtomicLong now = new AtomicLong();
    long budget = TimeUnit.MILLISECONDS.toNanos(1);
    try (ThreadScheduler s =
        new ThreadScheduler("runs", errors::add, recording(events), budget, now::get)) {
      CountDownLatch release = new CountDownLatch(1);
      s.execute(
          () -> {
            events.add("blocker");
            block(release);
            now.addAndGet(budget); // the blocker took the run's whole time
          });
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("blocker"));
      s.execute(() -> events.add("t1"));
      s.execute(() -> events.add("t2"));
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 7);
    }
    assertThat(events).containsExactly("begin", "blocker", "end", "begin", "t1", "t2", "end");
  }

  @Test
  void aRunEndsWhenNoTaskIsDueThoughTimersWait() {
    List<String> events = new CopyOnWriteArrayList<>();
    try (ThreadScheduler s = runs(events, System::nanoTime)) {
      s.schedule(Duration.ofHours(1), () -> events.add("later"));
      s.execute(() -> events.add("t"));
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("end"));
      s.schedule(Duration.ZERO, () -> events.add("timer"));
      await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 6);
    }
    assertThat(events).containsExactly("begin", "t", "end", "begin", "timer", "end");
  }

  @Test
  void aRunEndsWhenTheSchedulerShutsDownAndWhatIsQueuedStillRuns() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    try (ThreadScheduler s = runs(events, System::nanoTime)) {
      CountDownLatch release = busy(s, events);
      s.execute(() -> events.add("t1"));
      assertThat(s.shutdown(Duration.ZERO)).isFalse(); // shut down; the blocker still runs
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 6);
    }
    assertThat(events).containsExactly("begin", "blocker", "end", "begin", "t1", "end");
  }

  @Test
  void aPeriodicTaskTakenIntoARunKeepsItsSchedule() {
    List<String> events = new CopyOnWriteArrayList<>();
    try (ThreadScheduler s = runs(events, System::nanoTime)) {
      CountDownLatch release = busy(s, events);
      s.scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(1), () -> events.add("tick"));
      release.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> events.stream().filter("tick"::equals).count() >= 3);
    }
    assertThat(events.subList(0, 3)).containsExactly("begin", "blocker", "tick");
  }

  @Test
  void aThrowingTaskAndADueTimerStayInTheirRunAndTheRunStillEnds() {
    List<String> events = new CopyOnWriteArrayList<>();
    try (ThreadScheduler s = runs(events, System::nanoTime)) {
      CountDownLatch release = busy(s, events);
      s.execute(
          () -> {
            events.add("thrower");
            throw new IllegalStateException("boom");
          });
      s.execute(() -> events.add("second"));
      s.schedule(Duration.ZERO, () -> events.add("timer"));
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("end"));
    }
    assertThat(events).containsExactly("begin", "blocker", "thrower", "second", "timer", "end");
    assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessage("boom"));
  }

  @Test
  void aBracketThatThrowsIsReportedAndTheSchedulerGoesOn() {
    AtomicInteger ends = new AtomicInteger();
    ThreadScheduler.Runs failing =
        new ThreadScheduler.Runs() {
          @Override
          public void begin() {}

          @Override
          public void end() {
            ends.incrementAndGet();
            throw new IllegalStateException("end failed");
          }
        };
    try (ThreadScheduler s =
        new ThreadScheduler("runs", errors::add, failing, UNBOUNDED, System::nanoTime)) {
      s.execute(() -> {});
      await().atMost(Duration.ofSeconds(10)).until(() -> ends.get() == 1);
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                s.executeInline(() -> ranOn.set(Thread.currentThread()));
                return ranOn.get() == Thread.currentThread(); // the lock was released
              });
    }
    // (An attempt that found the lock still taken ran on the scheduler's thread: another end.)
    assertThat(errors).isNotEmpty().allSatisfy(e -> assertThat(e).hasMessage("end failed"));
  }

  private ThreadScheduler runs(List<String> events, LongSupplier clock) {
    return new ThreadScheduler("runs", errors::add, recording(events), UNBOUNDED, clock);
  }

  /** Keeps {@code s}'s thread busy in a task called "blocker" until the latch is counted down. */
  private static CountDownLatch busy(ThreadScheduler s, List<String> events) {
    CountDownLatch release = new CountDownLatch(1);
    s.execute(
        () -> {
          events.add("blocker");
          block(release);
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("blocker"));
    return release;
  }

  private static ThreadScheduler.Runs recording(List<String> events) {
    return new ThreadScheduler.Runs() {
      @Override
      public void begin() {
        events.add("begin");
      }

      @Override
      public void end() {
        events.add("end");
      }
    };
  }

  private static void block(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aThrowingTaskIsReportedAndKeepsItsSchedule() {
    AtomicInteger runs = new AtomicInteger();
    scheduler.scheduleWithFixedDelay(
        Duration.ZERO,
        Duration.ofMillis(1),
        () -> {
          runs.incrementAndGet();
          throw new IllegalStateException("boom");
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 3);
    assertThat(errors).isNotEmpty().allMatch(e -> e.getMessage().equals("boom"));
  }

  @Test
  void cancelledAndPostCloseTasksNeverRun() {
    AtomicInteger runs = new AtomicInteger();
    scheduler.schedule(Duration.ofMillis(50), runs::incrementAndGet).cancel();
    scheduler.close();
    scheduler.execute(runs::incrementAndGet);
    scheduler.schedule(Duration.ZERO, runs::incrementAndGet).cancel();
    assertThat(runs.get()).isZero();
  }

  @Test
  void executeInlineRunsOnTheCallersThreadWhenIdle() {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    scheduler.executeInline(() -> ranOn.set(Thread.currentThread()));
    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void executeInlineQueuesBehindARunningTask() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> order = new CopyOnWriteArrayList<>();
    scheduler.execute(
        () -> {
          started.countDown();
          awaitQuietly(release);
          order.add("first");
        });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    scheduler.executeInline(
        () -> {
          ranOn.set(Thread.currentThread());
          order.add("second");
        });
    assertThat(order).isEmpty();
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 2);
    assertThat(order).containsExactly("first", "second");
    assertThat(ranOn.get()).isNotSameAs(Thread.currentThread());
  }

  @Test
  void executeInlineFromInsideATaskRunsAfterIt() {
    List<String> order = new CopyOnWriteArrayList<>();
    scheduler.executeInline(
        () -> {
          scheduler.executeInline(() -> order.add("nested"));
          order.add("outer");
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 2);
    assertThat(order).containsExactly("outer", "nested");
  }

  @Test
  void executeInlineNeverOvertakesTheCallersEarlierTasks() {
    List<Integer> order = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 2000; i++) {
      int n = i;
      if (i % 3 == 0) {
        scheduler.execute(() -> order.add(n));
      } else {
        scheduler.executeInline(() -> order.add(n));
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> order.size() == 2000);
    assertThat(order).isSorted();
  }

  @Test
  void tasksFromManyThreadsAndTimersNeverOverlap() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    int[] unguarded = {0};
    Runnable task =
        () -> {
          maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          unguarded[0]++;
          running.decrementAndGet();
        };
    AtomicInteger ticks = new AtomicInteger();
    Scheduler.Cancellable timer =
        scheduler.scheduleWithFixedDelay(
            Duration.ZERO,
            Duration.ofNanos(1),
            () -> {
              task.run();
              ticks.incrementAndGet();
            });
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      for (int t = 0; t < 4; t++) {
        int thread = t;
        callers.execute(
            () -> {
              for (int i = 0; i < 5000; i++) {
                Runnable counted =
                    () -> {
                      task.run();
                      calls.incrementAndGet();
                    };
                if ((i + thread) % 4 == 0) {
                  scheduler.execute(counted);
                } else {
                  scheduler.executeInline(counted);
                }
              }
            });
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> calls.get() == 20_000);
    } finally {
      callers.shutdownNow();
      timer.cancel();
    }
    // A plain int incremented by tasks on many threads: exact only with happens-before edges.
    AtomicReference<int[]> seen = new AtomicReference<>();
    scheduler.execute(() -> seen.set(new int[] {unguarded[0], calls.get() + ticks.get()}));
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.get() != null);
    assertThat(seen.get()[0]).isEqualTo(seen.get()[1]);
    assertThat(ticks.get()).isPositive();
    assertThat(maxRunning.get()).isEqualTo(1);
  }

  @Test
  void afterCloseExecuteInlineRunsNothing() {
    AtomicInteger runs = new AtomicInteger();
    scheduler.close();
    scheduler.executeInline(runs::incrementAndGet);
    assertThat(runs.get()).isZero();
  }

  @Test
  void shutdownWaitsForATaskRunningOnACallersThread() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger finished = new AtomicInteger();
    Thread caller =
        new Thread(
            () ->
                scheduler.executeInline(
                    () -> {
                      started.countDown();
                      awaitQuietly(release);
                      finished.incrementAndGet();
                    }));
    caller.start();
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(scheduler.shutdown(Duration.ofMillis(50))).isFalse();
    release.countDown();
    assertThat(scheduler.shutdown(Duration.ofSeconds(10))).isTrue();
    assertThat(finished.get()).isEqualTo(1);
    caller.join();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
