/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable version vector: for each {@link Actor}, the number of its events seen (paper §4.4).
 * It is the causal context a read hands to a client and a write brings back; it covers the dot
 * {@code (a, n)} iff {@code counter(a) >= n}.
 *
 * <p>Entries are kept sorted by actor, so iteration, equality, hashing and encoding are
 * deterministic. Absent actors have counter 0; stored counters are always {@code >= 1}. There are
 * no mutators: {@link #incremented} and {@link #merge} return new clocks.
 */
public final class VectorClock {
  private static final VectorClock EMPTY = new VectorClock(new Actor[0], new long[0]);

  private final Actor[] actors;
  private final long[] counters;

  private VectorClock(Actor[] actors, long[] counters) {
    this.actors = actors;
    this.counters = counters;
  }

  /** The clock that has seen nothing. */
  public static VectorClock empty() {
    return EMPTY;
  }

  /**
   * A clock with the given counters (copied).
   *
   * @throws IllegalArgumentException if a counter is {@code < 1}
   */
  public static VectorClock of(Map<Actor, Long> entries) {
    TreeMap<Actor, Long> sorted = new TreeMap<>(entries);
    Actor[] a = new Actor[sorted.size()];
    long[] c = new long[sorted.size()];
    int i = 0;
    for (Map.Entry<Actor, Long> e : sorted.entrySet()) {
      a[i] = e.getKey();
      c[i] = checkCounter(e.getValue());
      i++;
    }
    return a.length == 0 ? EMPTY : new VectorClock(a, c);
  }

  /**
   * Builds from parallel arrays the caller hands over; actors MUST be strictly ascending and
   * counters {@code >= 1}.
   */
  static VectorClock ofSorted(Actor[] actors, long[] counters) {
    return actors.length == 0 ? EMPTY : new VectorClock(actors, counters);
  }

  private static long checkCounter(Long counter) {
    if (counter == null || counter < 1) {
      throw new IllegalArgumentException("counters must be >= 1, found: " + counter);
    }
    return counter;
  }

  /** The number of events of {@code actor} this clock has seen; 0 if none. */
  public long counter(Actor actor) {
    int i = Arrays.binarySearch(actors, actor);
    return i >= 0 ? counters[i] : 0;
  }

  /** True if this clock has seen the event {@code dot}. */
  public boolean covers(Dot dot) {
    return counter(dot.actor()) >= dot.counter();
  }

  /** A copy of this clock with one more event of {@code actor}. */
  public VectorClock incremented(Actor actor) {
    Objects.requireNonNull(actor, "actor");
    int i = Arrays.binarySearch(actors, actor);
    if (i >= 0) {
      long[] c = counters.clone();
      c[i] = Math.addExact(c[i], 1);
      return new VectorClock(actors, c);
    }
    int at = -i - 1;
    Actor[] a = new Actor[actors.length + 1];
    long[] c = new long[actors.length + 1];
    System.arraycopy(actors, 0, a, 0, at);
    System.arraycopy(counters, 0, c, 0, at);
    a[at] = actor;
    c[at] = 1;
    System.arraycopy(actors, at, a, at + 1, actors.length - at);
    System.arraycopy(counters, at, c, at + 1, actors.length - at);
    return new VectorClock(a, c);
  }

  /** The least clock that has seen everything either clock has: the entry-wise maximum. */
  public VectorClock merge(VectorClock other) {
    if (other.actors.length == 0) {
      return this;
    }
    if (actors.length == 0) {
      return other;
    }
    Actor[] a = new Actor[actors.length + other.actors.length];
    long[] c = new long[a.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < actors.length || j < other.actors.length) {
      int cmp =
          i == actors.length
              ? 1
              : j == other.actors.length ? -1 : actors[i].compareTo(other.actors[j]);
      if (cmp < 0) {
        a[n] = actors[i];
        c[n++] = counters[i++];
      } else if (cmp > 0) {
        a[n] = other.actors[j];
        c[n++] = other.counters[j++];
      } else {
        a[n] = actors[i];
        c[n++] = Math.max(counters[i++], other.counters[j++]);
      }
    }
    return new VectorClock(Arrays.copyOf(a, n), Arrays.copyOf(c, n));
  }

  /**
   * How this clock relates to {@code other}: {@link Occurred#BEFORE} if {@code other} strictly
   * descends from it, {@link Occurred#AFTER} if it strictly descends from {@code other}, {@link
   * Occurred#EQUAL} or {@link Occurred#CONCURRENT}.
   */
  public Occurred compare(VectorClock other) {
    boolean thisAhead = false;
    boolean otherAhead = false;
    int i = 0;
    int j = 0;
    while (i < actors.length || j < other.actors.length) {
      int cmp =
          i == actors.length
              ? 1
              : j == other.actors.length ? -1 : actors[i].compareTo(other.actors[j]);
      if (cmp < 0) {
        thisAhead = true;
        i++;
      } else if (cmp > 0) {
        otherAhead = true;
        j++;
      } else {
        thisAhead |= counters[i] > other.counters[j];
        otherAhead |= counters[i] < other.counters[j];
        i++;
        j++;
      }
      if (thisAhead && otherAhead) {
        return Occurred.CONCURRENT;
      }
    }
    return thisAhead ? Occurred.AFTER : otherAhead ? Occurred.BEFORE : Occurred.EQUAL;
  }

  /** True if this clock has seen every event {@code other} has seen (AFTER or EQUAL). */
  public boolean descends(VectorClock other) {
    Occurred o = compare(other);
    return o == Occurred.AFTER || o == Occurred.EQUAL;
  }

  /** The number of actors with a counter. */
  public int size() {
    return actors.length;
  }

  public boolean isEmpty() {
    return actors.length == 0;
  }

  /** The entries as an unmodifiable map in actor order. */
  public SortedMap<Actor, Long> toMap() {
    TreeMap<Actor, Long> m = new TreeMap<>();
    for (int i = 0; i < actors.length; i++) {
      m.put(actors[i], counters[i]);
    }
    return Collections.unmodifiableSortedMap(m);
  }

  Actor actorAt(int index) {
    return actors[index];
  }

  long counterAt(int index) {
    return counters[index];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VectorClock other
        && Arrays.equals(actors, other.actors)
        && Arrays.equals(counters, other.counters);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(actors) + Arrays.hashCode(counters);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < actors.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(actors[i]).append('=').append(counters[i]);
    }
    return sb.append('}').toString();
  }
}
