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
import java.util.function.LongSupplier;

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
  /** The most tasks in one {@linkplain Runs run}. */
  static final int MAX_RUN = 16;

  /**
   * A run ends once it has lasted this long (checked after each task): what its first task sent
   * waits about this long at most, plus the last task's own time.
   */
  static final long MAX_RUN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

  private final ScheduledThreadPoolExecutor executor;
  private final Consumer<Throwable> onError;
  private final ReentrantLock running = new ReentrantLock();
  private final Runs runs;
  private final long maxRunNanos;
  private final LongSupplier clock;

  /** Tasks submitted by {@link #execute} that have not started yet. */
  private final AtomicInteger waiting = new AtomicInteger();

  /** Tasks in the run open on the scheduler's thread; 0 when none is open. Its thread only. */
  private int inRun;

  /** When the open run began, on {@link #clock}. Its thread only. */
  private long runStarted;

  /**
   * Brackets a run: the tasks (submitted or timed) the scheduler's thread runs one after another
   * while the next is due at once, up to {@value #MAX_RUN} tasks or until about 0.5 ms have passed
   * (checked after each task, so the last task's own time comes on top); a run also ends when the
   * scheduler shuts down, and never lasts while the thread waits for work. Both methods run on the
   * scheduler's thread, holding the scheduler's lock; what they throw is reported like a task's.
   * Tasks run on a caller's thread by {@link #executeInline} are not part of a run. A task in a run
   * may still block (a group commit's fsync): what the run holds waits for it.
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

    /**
     * After the last task of a run: no task is due at once, the run reached its bounds, or the
     * scheduler shut down.
     */
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
    this(name, onError, runs, Duration.ofNanos(MAX_RUN_NANOS));
  }

  /**
   * As {@link #ThreadScheduler(String, Consumer, Runs)}, with runs that end once they have lasted
   * {@code maxRun} instead of about 0.5 ms (for tests and measurements).
   */
  public ThreadScheduler(String name, Consumer<Throwable> onError, Runs runs, Duration maxRun) {
    this(name, onError, runs, checkedNanos(maxRun), System::nanoTime);
  }

  private static long checkedNanos(Duration maxRun) {
    if (maxRun.isNegative() || maxRun.isZero()) {
      throw new IllegalArgumentException("maxRun must be positive, not " + maxRun);
    }
    return maxRun.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE : maxRun.toNanos();
  }

  /** With the clock that times runs (tests). */
  ThreadScheduler(
      String name, Consumer<Throwable> onError, Runs runs, long maxRunNanos, LongSupplier clock) {
    this.onError = onError;
    this.runs = Objects.requireNonNull(runs, "runs");
    this.maxRunNanos = maxRunNanos;
    this.clock = clock;
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
    boolean queued = false;
    try {
      Runnable run = guarded(task);
      executor.execute(
          () -> {
            running.lock();
            try {
              waiting.decrementAndGet();
              inRun(run);
            } finally {
              running.unlock();
            }
          });
      queued = true;
    } catch (RejectedExecutionException closed) {
      // closed: ignored, as the contract says
    } finally {
      if (!queued) {
        waiting.decrementAndGet();
      }
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

  /** A timer's task: run on the scheduler's thread, as part of a run. */
  private Runnable locked(Runnable task) {
    return () -> {
      running.lock();
      try {
        inRun(task);
      } finally {
        running.unlock();
      }
    };
  }

  /**
   * Runs {@code task} (guarded) on the scheduler's thread, holding the lock, as part of a run. The
   * first task of a run opens it and then takes the tasks that are due from the executor's queue
   * itself, one by one, until none is due, the run reaches its bounds or the scheduler shuts down;
   * then it ends the run. So a run never lasts while the thread waits for work (a due timer that is
   * cancelled meanwhile, a shutdown), which taking the next task through the executor could not
   * promise. This relies on the queue of {@link ScheduledThreadPoolExecutor} (its {@code poll}
   * returns the head only when it is due, as in every JDK since 9) and bypasses the executor's task
   * counts, which nothing here reads.
   */
  private void inRun(Runnable task) {
    if (inRun > 0) {
      task.run(); // taken by the loop below
      return;
    }
    runStarted = clock.getAsLong();
    inRun = 1;
    bracket(true);
    try {
      task.run();
      Runnable next;
      while (inRun < MAX_RUN
          && clock.getAsLong() - runStarted < maxRunNanos
          && !executor.isShutdown()
          && (next = executor.getQueue().poll()) != null) { // the head, if it is due
        inRun++;
        if (Thread.interrupted() && executor.isShutdown()) {
          // As the executor does between tasks: a stale interrupt is cleared, a stop's is kept.
          Thread.currentThread().interrupt();
          break;
        }
        next.run(); // a cancelled one does nothing; a periodic one schedules its next run
      }
    } finally {
      inRun = 0;
      bracket(false);
    }
  }

  /**
   * Begins or ends a run. An end writes what the run held, so it runs without the last task's
   * interrupt (which would close the sockets it writes to); a failure is reported, not thrown.
   */
  private void bracket(boolean begin) {
    boolean interrupted = Thread.interrupted();
    try {
      if (begin) {
        runs.begin();
      } else {
        runs.end();
      }
    } catch (Throwable t) {
      onError.accept(t);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
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
