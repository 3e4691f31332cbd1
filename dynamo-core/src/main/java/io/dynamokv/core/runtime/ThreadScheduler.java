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
import java.util.function.Consumer;

/**
 * The production {@link Scheduler}: one daemon thread, so tasks run one at a time in due-time order
 * (same-time tasks in submission order, as {@link ScheduledThreadPoolExecutor} guarantees). A
 * task's exception goes to the error handler and stops neither the thread nor a periodic schedule.
 */
public final class ThreadScheduler implements Scheduler {
  private final ScheduledThreadPoolExecutor executor;
  private final Consumer<Throwable> onError;

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
    schedule(Duration.ZERO, task);
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    try {
      ScheduledFuture<?> f =
          executor.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
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
              guarded(task), initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException closed) {
      return () -> {};
    }
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
   * Stops accepting tasks, lets the running one finish and waits up to {@code timeout} for it.
   *
   * @return true if the thread finished in time
   */
  public boolean shutdown(Duration timeout) throws InterruptedException {
    executor.shutdown();
    return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
