/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.spi.RandomSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * The single event loop of a simulation: every node's tasks, every message delivery and every
 * client action is an {@link Event} in one priority queue ordered by (due time, unique sequence
 * number), run one at a time on the calling thread. Simulated time is in nanoseconds, starts at 0
 * and only moves when an event runs (or when {@link #runFor} reaches its end).
 *
 * <p>Everything that can vary between runs comes from the seed: {@link #random()} is the root of
 * all randomness and is split in a fixed order by the components that need their own stream. Each
 * executed event folds (time, seq, node, label) into {@link #traceHash()}, so two runs with the
 * same seed and the same scenario MUST end with the same hash; a differing hash means something
 * escaped determinism (a {@code HashMap} iteration, an identity hash code, a real clock, a thread).
 *
 * <p>Failures are loud: an exception thrown by an event (unless {@link #failOnTaskException} is
 * off) or by an {@link #afterEachEvent invariant}, or exceeding {@link #maxEvents}, stops the run
 * with a {@link SimulationFailure} that names the seed, the time and the most recent events.
 *
 * <p>Not thread-safe: a simulation belongs to the thread that created it, and scheduling or running
 * from any other thread fails (code under simulation must not start threads). Event actions must
 * not run the loop themselves.
 */
public final class Simulation {
  /** Node number used for events that belong to no node (client actions, test code). */
  public static final int NO_NODE = 0;

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  private static final int RECENT = 64;

  private final long seed;
  private final RandomSource random;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private final List<Runnable> invariants = new ArrayList<>();
  private final TraceEntry[] recent = new TraceEntry[RECENT];
  private long now;
  private long nextSeq;
  private long executed;
  private long maxEvents = 10_000_000L;
  private long traceHash = FNV_OFFSET;
  private boolean failOnTaskException = true;
  private long taskExceptions;
  private Throwable firstTaskException;
  private SimulationFailure failure;
  private int currentNode = NO_NODE;
  private boolean running;
  private long recorded;
  private final Thread owner = Thread.currentThread();

  /** A simulation whose randomness all derives from {@code seed}. */
  public Simulation(long seed) {
    this.seed = seed;
    this.random = RandomSource.seeded(seed);
  }

  /** The seed this simulation was created with. */
  public long seed() {
    return seed;
  }

  /**
   * The root random source. Split it (in a fixed order) rather than sharing it between components,
   * so adding a draw in one component does not shift every other component's stream.
   */
  public RandomSource random() {
    return random;
  }

  /** Simulated nanoseconds since the start. */
  public long now() {
    return now;
  }

  /** {@link #now()} as a duration. */
  public Duration elapsed() {
    return Duration.ofNanos(now);
  }

  /**
   * The node whose event is running, or {@link #NO_NODE} between events and during test/client
   * events. Lets tests assert on which node's turn a callback runs in.
   */
  public int currentNode() {
    return currentNode;
  }

  /** Events executed so far (skipped events of crashed nodes are not counted). */
  public long eventCount() {
    return executed;
  }

  /** Events still queued, including ones that will be skipped because their owner died. */
  public int pendingEvents() {
    return queue.size();
  }

  /**
   * The running 64-bit hash over every executed event's (time, seq, node, label) and every {@link
   * #trace trace mark}: the fingerprint of a run.
   */
  public long traceHash() {
    return traceHash;
  }

  /** Upper bound on executed events; exceeding it fails the run. Default 10 million. */
  public Simulation maxEvents(long max) {
    if (max <= 0) {
      throw new IllegalArgumentException("maxEvents must be positive, found " + max);
    }
    this.maxEvents = max;
    return this;
  }

  /**
   * Whether an exception thrown by an event fails the run (default {@code true}). When {@code
   * false}, such exceptions are only counted ({@link #taskExceptions()}), as a production scheduler
   * would log them.
   */
  public Simulation failOnTaskException(boolean fail) {
    this.failOnTaskException = fail;
    return this;
  }

  /** Exceptions thrown by events so far (counted in both modes). */
  public long taskExceptions() {
    return taskExceptions;
  }

  /** The first exception thrown by an event, or {@code null}. */
  public Throwable firstTaskException() {
    return firstTaskException;
  }

  /**
   * Adds a check run after every executed event. A check that throws fails the run, with the event
   * that broke the invariant at the end of the recent-events list.
   */
  public Simulation afterEachEvent(Runnable invariant) {
    invariants.add(Objects.requireNonNull(invariant));
    return this;
  }

  /**
   * Queues {@code action} to run {@code delayNanos} from now, on behalf of {@code node}, with a
   * short {@code label} for the trace. Equal due times run in the order they were queued.
   */
  public Event schedule(int node, long delayNanos, String label, Runnable action) {
    return schedule(node, delayNanos, label, null, action);
  }

  /**
   * Like {@link #schedule(int, long, String, Runnable)}, but the event is skipped (silently, not
   * traced) if {@code owner} is dead when it comes due: that is how a crash drops a node's tasks.
   */
  public Event schedule(int node, long delayNanos, String label, Owner owner, Runnable action) {
    checkThread();
    if (delayNanos < 0) {
      throw new IllegalArgumentException("delay must not be negative, found " + delayNanos);
    }
    long due = now + delayNanos;
    if (due < now) {
      due = Long.MAX_VALUE; // overflow: effectively never
    }
    Event event = new Event(due, nextSeq++, node, label, owner, action);
    queue.add(event);
    return event;
  }

  /** Folds a mark that is not an event (e.g. "crash n2") into the trace hash and recent list. */
  public void trace(int node, String label) {
    record(now, -1, node, label);
  }

  /**
   * Runs the next live event, if any.
   *
   * @return {@code false} if no event was left to run
   * @throws SimulationFailure if the event or an invariant failed, or the event bound was exceeded
   */
  public boolean step() {
    return step(Long.MAX_VALUE);
  }

  /** Runs every event due within {@code duration}, then sets the time to the end of it. */
  public void runFor(Duration duration) {
    long end = saturatedAdd(now, duration.toNanos());
    while (step(end)) {
      // keep going
    }
    now = Math.max(now, end);
  }

  /**
   * Runs events until {@code condition} holds (checked before the first event and after each one)
   * or {@code max} of simulated time has passed.
   *
   * @return whether the condition held; on {@code false} the time is at the end of {@code max}
   */
  public boolean runUntil(BooleanSupplier condition, Duration max) {
    long end = saturatedAdd(now, max.toNanos());
    if (condition.getAsBoolean()) {
      return true;
    }
    while (step(end)) {
      if (condition.getAsBoolean()) {
        return true;
      }
    }
    now = Math.max(now, end);
    return false;
  }

  /** Runs until no event is left (beware: any periodic task keeps the queue non-empty forever). */
  public void runUntilIdle() {
    while (step()) {
      // keep going
    }
  }

  /** The most recent trace entries, oldest first, one per line: for failure messages. */
  public String recentEvents() {
    StringBuilder out = new StringBuilder();
    long count = Math.min(recorded, RECENT);
    for (long i = recorded - count; i < recorded; i++) {
      out.append("  ").append(recent[(int) (i % RECENT)]).append('\n');
    }
    return out.toString();
  }

  /**
   * Runs events until {@code condition} holds, like {@link #runUntil}, but fails with a {@link
   * SimulationFailure} naming {@code what}, the seed and the recent events if it does not hold
   * within {@code max}. For "eventually" assertions: {@code runUntilOrFail("all nodes see n3",
   * ...)}.
   */
  public void runUntilOrFail(String what, BooleanSupplier condition, Duration max) {
    if (!runUntil(condition, max)) {
      SimulationFailure timedOut = fail("not within " + max + ": " + what, null);
      failure = null; // the run itself is healthy: allow inspecting it further
      throw timedOut;
    }
  }

  private boolean step(long end) {
    checkThread();
    if (running) {
      throw new IllegalStateException(
          "the simulation is already running: an event must schedule work, not run the loop");
    }
    if (failure != null) {
      throw failure;
    }
    while (true) {
      Event event = queue.peek();
      if (event == null || event.time > end) {
        return false;
      }
      queue.poll();
      if (event.cancelled || (event.owner != null && !event.owner.alive())) {
        continue;
      }
      running = true;
      try {
        run(event);
      } finally {
        running = false;
      }
      return true;
    }
  }

  private void run(Event event) {
    if (executed >= maxEvents) {
      throw fail(
          "exceeded maxEvents=" + maxEvents + " (livelock? raise maxEvents if intended)", null);
    }
    now = event.time;
    executed++;
    record(event.time, event.seq, event.node, event.label);
    currentNode = event.node;
    try {
      event.action.run();
    } catch (Throwable t) {
      taskExceptions++;
      if (firstTaskException == null) {
        firstTaskException = t;
      }
      if (failOnTaskException) {
        throw fail("event threw " + t, t);
      }
    } finally {
      currentNode = NO_NODE;
    }
    for (Runnable invariant : invariants) {
      try {
        invariant.run();
      } catch (Throwable t) {
        throw fail("invariant violated: " + t.getMessage(), t);
      }
    }
  }

  private SimulationFailure fail(String what, Throwable cause) {
    failure =
        new SimulationFailure(
            "simulation seed="
                + seed
                + " failed at t="
                + Duration.ofNanos(now)
                + " after "
                + executed
                + " events: "
                + what
                + "\nrecent events (time seq node label):\n"
                + recentEvents(),
            cause);
    return failure;
  }

  private void record(long time, long seq, int node, String label) {
    long h = traceHash;
    h = mix(h, time);
    h = mix(h, seq);
    h = mix(h, node);
    h = mix(h, label.hashCode()); // String.hashCode is specified, so stable across JVMs
    traceHash = h;
    recent[(int) (recorded % RECENT)] = new TraceEntry(time, seq, node, label);
    recorded++;
  }

  private void checkThread() {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException(
          "simulation used from thread "
              + Thread.currentThread().getName()
              + " but it belongs to "
              + owner.getName()
              + ": code under simulation must not start threads or use real executors");
    }
  }

  private static long mix(long hash, long value) {
    for (int i = 0; i < 8; i++) {
      hash ^= (value >>> (i * 8)) & 0xff;
      hash *= FNV_PRIME;
    }
    return hash;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  /** Whether the owner of an event (a node incarnation) is still alive. */
  @FunctionalInterface
  public interface Owner {
    boolean alive();
  }

  /** A queued action. Cancelling it prevents it from running; it stays queued until due. */
  public static final class Event implements Comparable<Event> {
    private final long time;
    private final long seq;
    private final int node;
    private final String label;
    private final Owner owner;
    private final Runnable action;
    private boolean cancelled;

    private Event(long time, long seq, int node, String label, Owner owner, Runnable action) {
      this.time = time;
      this.seq = seq;
      this.node = node;
      this.label = Objects.requireNonNull(label);
      this.owner = owner;
      this.action = Objects.requireNonNull(action);
    }

    /** Due time in simulated nanoseconds. */
    public long time() {
      return time;
    }

    /** The unique, increasing sequence number that breaks ties between equal due times. */
    public long seq() {
      return seq;
    }

    /** Prevents the event from running. Idempotent. */
    public void cancel() {
      cancelled = true;
    }

    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public int compareTo(Event other) {
      int byTime = Long.compare(time, other.time);
      return byTime != 0 ? byTime : Long.compare(seq, other.seq);
    }

    @Override
    public String toString() {
      return new TraceEntry(time, seq, node, label).toString();
    }
  }

  private record TraceEntry(long time, long seq, int node, String label) {
    @Override
    public String toString() {
      return String.format(
          "%,15d ns  #%-8s %-4s %s",
          time, seq < 0 ? "-" : Long.toString(seq), node == NO_NODE ? "-" : "n" + node, label);
    }
  }

  /** Why a simulation stopped: an event or invariant failed, or the event bound was exceeded. */
  public static final class SimulationFailure extends AssertionError {
    private static final long serialVersionUID = 1L;

    SimulationFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
