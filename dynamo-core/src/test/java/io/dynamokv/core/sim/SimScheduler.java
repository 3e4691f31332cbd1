/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@link Scheduler} of one node incarnation, running its tasks as events of the shared {@link
 * Simulation}. Tasks run one at a time (the whole simulation does), in due-time then submission
 * order, exactly when the simulated time reaches their due time.
 *
 * <p>{@link #close()} (clean stop) and {@link #kill()} (crash) both end the incarnation: tasks
 * already queued are skipped when they come due, new submissions are ignored, and periodic tasks
 * stop. A task that throws fails the simulation unless {@link Simulation#failOnTaskException} is
 * off, in which case it is counted and a periodic task keeps its schedule.
 */
public final class SimScheduler implements Scheduler, Simulation.Owner {
  private final Simulation simulation;
  private final int node;
  private boolean running = true;

  /**
   * A scheduler for node number {@code node} (1-based; {@link Simulation#NO_NODE} for test code).
   */
  public SimScheduler(Simulation simulation, int node) {
    this.simulation = Objects.requireNonNull(simulation);
    this.node = node;
  }

  /** The node number this scheduler's events are traced under. */
  public int node() {
    return node;
  }

  /** Whether tasks still run: not closed and not killed. */
  @Override
  public boolean alive() {
    return running;
  }

  @Override
  public void execute(Runnable task) {
    schedule(0, "task", task);
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Simulation.Event event = schedule(delay.toNanos(), "task", task);
    return event == null ? () -> {} : event::cancel;
  }

  @Override
  public Cancellable scheduleWithFixedDelay(Duration initialDelay, Duration period, Runnable task) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive, found " + period);
    }
    Periodic periodic = new Periodic(period.toNanos(), task);
    periodic.next = schedule(initialDelay.toNanos(), "periodic", periodic);
    return periodic;
  }

  /**
   * Queues {@code task} with a trace label other than "task" (e.g. the message a network delivery
   * carries). Returns {@code null} if this scheduler no longer runs tasks.
   */
  Simulation.Event schedule(long delayNanos, String label, Runnable task) {
    Objects.requireNonNull(task);
    if (!running) {
      return null;
    }
    return simulation.schedule(node, Math.max(0, delayNanos), label, this, task);
  }

  /** Clean stop: no further task starts. Idempotent. */
  @Override
  public void close() {
    running = false;
  }

  /** Crash: same effect as {@link #close()}, named for readability at the call site. */
  void kill() {
    running = false;
  }

  private final class Periodic implements Runnable, Cancellable {
    private final long periodNanos;
    private final Runnable task;
    private Simulation.Event next;
    private boolean cancelled;

    Periodic(long periodNanos, Runnable task) {
      this.periodNanos = periodNanos;
      this.task = task;
    }

    @Override
    public void run() {
      try {
        task.run();
      } finally {
        if (!cancelled) {
          next = schedule(periodNanos, "periodic", this);
        }
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      if (next != null) {
        next.cancel();
      }
    }
  }
}
