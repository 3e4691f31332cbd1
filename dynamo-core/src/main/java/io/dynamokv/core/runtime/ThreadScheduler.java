/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.runtime;

import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The production {@link Scheduler}: one daemon thread, so tasks run one at a time in due-time order
 * (same-time tasks in submission order, as {@link ScheduledThreadPoolExecutor} guarantees). A
 * task's exception goes to the error handler and stops neither the thread nor a periodic schedule.
 *
 * <p>{@link #executeInline} runs a task on the caller's thread when the scheduler is idle. Every
 * task, wherever it runs, holds one lock while it runs, which keeps tasks one at a time and orders
 * them by happens-before.
 */
public final class ThreadScheduler implements Scheduler {
  private final ScheduledThreadPoolExecutor executor;
  private final Consumer<Throwable> onError;
  private final ReentrantLock running = new ReentrantLock();

  /** Tasks submitted by {@link #execute} that have not started yet. */
  private final AtomicInteger waiting = new AtomicInteger();

  /**
   * @param name the thread's name, e.g. {@code "dynamo-node-n1"}
   * @param onError receives every exception a task throws (log it)
   */
  public ThreadScheduler(String name, Consumer<Throwable> onError) {
    this.onError = onError;
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
  }

  @Override
  public void execute(Runnable task) {
    waiting.incrementAndGet();
    Runnable run = guarded(task);
    try {
      executor.execute(
          () -> {
            running.lock();
            try {
              waiting.decrementAndGet();
              run.run();
            } finally {
              running.unlock();
            }
          });
    } catch (RejectedExecutionException closed) {
      waiting.decrementAndGet();
    }
  }

  @Override
  public void executeInline(Runnable task) {
    // waiting == 0 is read before the lock is taken, and a queued task decrements it only once it
    // holds the lock: so a task submitted earlier by this thread has either finished or still holds
    // the lock, and this one cannot overtake it. hasQueuedThreads keeps timers from starving.
    if (waiting.get() == 0
        && !running.isHeldByCurrentThread()
        && !running.hasQueuedThreads()
        && running.tryLock()) {
      try {
        if (!executor.isShutdown()) {
          guarded(task).run();
        }
      } finally {
        running.unlock();
      }
    } else {
      execute(task);
    }
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    try {
      ScheduledFuture<?> f =
          executor.schedule(locked(guarded(task)), delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException closed) {
      return () -> {};
    }
  }

  @Override
  public Cancellable scheduleWithFixedDelay(Duration initialDelay, Duration period, Runnable task) {
    try {
      ScheduledFuture<?> f =
          executor.scheduleWithFixedDelay(
              locked(guarded(task)),
              initialDelay.toNanos(),
              period.toNanos(),
              TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException closed) {
      return () -> {};
    }
  }

  private Runnable locked(Runnable task) {
    return () -> {
      running.lock();
      try {
        task.run();
      } finally {
        running.unlock();
      }
    };
  }

  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        onError.accept(t);
      }
    };
  }

  /**
   * Stops accepting tasks, lets the running one finish (on the scheduler's thread or a caller's)
   * and waits up to {@code timeout} for it.
   *
   * @return true if it finished in time
   */
  public boolean shutdown(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    executor.shutdown();
    if (!executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    if (!running.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      return false;
    }
    running.unlock();
    return true;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
