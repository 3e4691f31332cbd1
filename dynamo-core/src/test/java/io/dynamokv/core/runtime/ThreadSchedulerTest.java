/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ThreadSchedulerTest {
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
}
