/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TrampolineTest {

  @Test
  void tasksSubmittedByATaskOnAnInlineDelegateRunAfterItNotInsideIt() {
    Trampoline trampoline = new Trampoline(Runnable::run);
    List<String> order = new ArrayList<>();
    AtomicInteger depth = new AtomicInteger();
    int[] maxDepth = {0};
    int[] left = {100_000};
    Runnable[] step = new Runnable[1];
    step[0] =
        () -> {
          maxDepth[0] = Math.max(maxDepth[0], depth.incrementAndGet());
          if (--left[0] > 0) {
            trampoline.execute(step[0]);
          }
          depth.decrementAndGet();
        };
    trampoline.execute(step[0]);
    assertThat(left[0]).isZero();
    assertThat(maxDepth[0]).isEqualTo(1);

    trampoline.execute(
        () -> {
          trampoline.execute(() -> order.add("second"));
          order.add("first");
        });
    assertThat(order).containsExactly("first", "second");
  }

  @Test
  void aQueuedDelegateRunsEachTaskAsItsOwnTask() {
    ArrayDeque<Runnable> delegate = new ArrayDeque<>();
    Trampoline trampoline = new Trampoline(delegate::add);
    List<Integer> ran = new ArrayList<>();
    trampoline.execute(
        () -> {
          ran.add(1);
          trampoline.execute(() -> ran.add(2));
          trampoline.execute(() -> ran.add(3));
        });
    int tasks = 0;
    while (!delegate.isEmpty()) {
      delegate.poll().run();
      tasks++;
      assertThat(ran).hasSize(tasks);
    }
    assertThat(ran).containsExactly(1, 2, 3);
  }

  @Test
  void aTaskThatThrowsDoesNotStrandTheTasksBehindIt() {
    ArrayDeque<Runnable> delegate = new ArrayDeque<>();
    Trampoline trampoline = new Trampoline(delegate::add);
    List<String> ran = new ArrayList<>();
    trampoline.execute(
        () -> {
          trampoline.execute(() -> ran.add("after"));
          throw new IllegalStateException("boom");
        });
    assertThatThrownBy(() -> delegate.poll().run()).hasMessage("boom");
    while (!delegate.isEmpty()) {
      delegate.poll().run();
    }
    assertThat(ran).containsExactly("after");

    Trampoline inline = new Trampoline(Runnable::run);
    assertThatThrownBy(
            () ->
                inline.execute(
                    () -> {
                      inline.execute(() -> ran.add("inline after"));
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");
    inline.execute(() -> ran.add("later"));
    assertThat(ran).containsExactly("after", "inline after", "later");
  }

  @Test
  void tasksFromManyThreadsRunOnceEachAndNeverTwoAtATime() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Trampoline trampoline = new Trampoline(pool);
      int threads = 4;
      int perThread = 20_000;
      AtomicInteger running = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      AtomicInteger ran = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(threads * perThread);
      List<Thread> submitters = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread thread =
            new Thread(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    trampoline.execute(
                        () -> {
                          if (running.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                          }
                          ran.incrementAndGet();
                          running.decrementAndGet();
                          done.countDown();
                        });
                  }
                });
        submitters.add(thread);
        thread.start();
      }
      for (Thread thread : submitters) {
        thread.join();
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(ran).hasValue(threads * perThread);
      assertThat(overlaps).hasValue(0);
    } finally {
      pool.shutdownNow();
    }
  }
}
