/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.runtime;

import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.util.Objects;
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
 *
 * <p>The tasks its thread takes from its queue back to back form a {@linkplain Runs run}, which the
 * I/O layer may use to hold what the tasks send until the run ends (one write for many messages).
 */
public final class ThreadScheduler implements Scheduler {
  /** The most tasks in one {@linkplain Runs run}: what a run holds waits no longer. */
  static final int MAX_RUN = 16;

  private final ScheduledThreadPoolExecutor executor;
  private final Consumer<Throwable> onError;
  private final ReentrantLock running = new ReentrantLock();
  private final Runs runs;

  /** Tasks submitted by {@link #execute} that have not started yet. */
  private final AtomicInteger waiting = new AtomicInteger();

  /** Tasks in the run open on the scheduler's thread; 0 when none is open. Its thread only. */
  private int inRun;

  /**
   * Brackets a run: the tasks submitted by {@link #execute} that the scheduler's thread runs one
   * after another, without waiting, up to {@value #MAX_RUN} of them (timers due meanwhile run
   * inside it). Both methods run on the scheduler's thread, holding the scheduler's lock, and MUST
   * NOT throw. Tasks run on a caller's thread by {@link #executeInline} are not part of a run.
   */
  public interface Runs {
    /** No brackets. */
    Runs NONE =
        new Runs() {
          @Override
          public void begin() {}

          @Override
          public void end() {}
        };

    /** Before the first task of a run. */
    void begin();

    /** After the last task of a run: no submitted task waits, or the run is at its bound. */
    void end();
  }

  /**
   * @param name the thread's name, e.g. {@code "dynamo-node-n1"}
   * @param onError receives every exception a task throws (log it)
   */
  public ThreadScheduler(String name, Consumer<Throwable> onError) {
    this(name, onError, Runs.NONE);
  }

  /**
   * @param name the thread's name, e.g. {@code "dynamo-node-n1"}
   * @param onError receives every exception a task throws (log it)
   * @param runs brackets each run of tasks the scheduler's thread takes from its queue
   */
  public ThreadScheduler(String name, Consumer<Throwable> onError, Runs runs) {
    this.onError = onError;
    this.runs = Objects.requireNonNull(runs, "runs");
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
              if (inRun++ == 0) {
                runs.begin();
              }
              waiting.decrementAndGet();
              run.run();
            } finally {
              if (waiting.get() == 0 || inRun >= MAX_RUN) {
                inRun = 0;
                runs.end();
              }
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
