/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import java.time.Duration;

/**
 * Runs a node's tasks: now, after a delay, or periodically. It is the only source of concurrency
 * the domain sees.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>A scheduler MUST run its tasks <b>one at a time</b> (never two concurrently), with a
 *       happens-before edge from each task to the next. Domain code that runs only on its node's
 *       scheduler therefore needs no locks.
 *   <li>Tasks due at the same time MUST run in the order they were submitted.
 *   <li>Delays are measured on the scheduler's {@link Clock}; a simulated scheduler runs a task
 *       exactly when the simulated time reaches its due time.
 *   <li>A task that throws MUST NOT stop the scheduler or cancel other tasks; a periodic task that
 *       throws keeps its schedule. Implementations report the exception (log it, count it, or fail
 *       a simulation).
 *   <li>After {@link #close()} no further task starts; submitting one is silently ignored.
 * </ul>
 *
 * <p>The methods themselves MAY be called from any thread.
 */
public interface Scheduler extends AutoCloseable {
  /** Runs {@code task} as soon as possible, after the tasks already due. */
  void execute(Runnable task);

  /**
   * Like {@link #execute}, but MAY run {@code task} on the calling thread before returning, when no
   * task is running or waiting to run and the caller is not itself running one of this scheduler's
   * tasks. Every guarantee of {@link #execute} still holds: one task at a time with happens-before
   * edges, after the tasks already submitted, exceptions reported, nothing after {@link #close()}.
   *
   * <p>For entry points called by I/O threads (a request just decoded by a server's selector): the
   * thread does the work itself and the request saves two thread hand-offs. Call it only from a
   * thread that may run domain code, storage I/O included. The default simply calls {@link
   * #execute}.
   */
  default void executeInline(Runnable task) {
    execute(task);
  }

  /** Runs {@code task} once, {@code delay} from now. */
  Cancellable schedule(Duration delay, Runnable task);

  /**
   * Runs {@code task} first after {@code initialDelay}, then repeatedly with {@code period} between
   * the end of one run and the start of the next (fixed delay, so a slow run never causes a burst
   * of catch-up runs).
   */
  Cancellable scheduleWithFixedDelay(Duration initialDelay, Duration period, Runnable task);

  /** Stops running tasks. Idempotent. */
  @Override
  void close();

  /** A handle on a scheduled task. */
  interface Cancellable {
    /** Prevents any further run of the task. Idempotent; does not interrupt a run in progress. */
    void cancel();
  }
}
