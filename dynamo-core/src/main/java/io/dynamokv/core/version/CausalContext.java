/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a client has seen of a key, and so what its next write supersedes: a version vector plus up
 * to {@value #MAX_DOTS} explicit dots beyond it. A read's context is what the read set has seen
 * (its vector, and any dots it saw beyond it); a write's context is the context it carried plus the
 * write's own dot, so a follow-up write supersedes exactly that version. A vector alone cannot say
 * "saw {@code a:5}" without also saying "saw {@code a:4}", which may be a concurrent write its
 * client never saw (the gap a write leaves when another client wrote through the same coordinator
 * in between).
 *
 * <p>The form is canonical: no dot is covered by the vector or directly follows it (such a dot is
 * folded into the vector), and dots are ascending. So equal contexts have equal encodings.
 *
 * <p>Immutable and thread-safe.
 */
public final class CausalContext {
  /**
   * The most explicit dots a context carries. A chain of writes that would need more (over 16
   * writes chained without a read while a sibling they did not see stays unreconciled) keeps only
   * the newest write's dot: its next write may then become a sibling of an earlier link of the
   * chain where that link is still live, never the other way round.
   */
  public static final int MAX_DOTS = 16;

  private static final Dot[] NO_DOTS = new Dot[0];
  private static final CausalContext EMPTY = new CausalContext(VectorClock.empty(), NO_DOTS);

  private final VectorClock clock;
  private final Dot[] dots; // ascending; none covered by clock nor directly following it

  private CausalContext(VectorClock clock, Dot[] dots) {
    this.clock = clock;
    this.dots = dots;
  }

  /** The context that has seen nothing: a write with it is a sibling of whatever exists. */
  public static CausalContext empty() {
    return EMPTY;
  }

  /** The context that has seen exactly what {@code clock} covers. */
  public static CausalContext of(VectorClock clock) {
    return clock.isEmpty() ? EMPTY : new CausalContext(clock, NO_DOTS);
  }

  /**
   * The context that has seen what {@code clock} covers and each of {@code dots}, in canonical
   * form.
   *
   * @throws IllegalArgumentException if more than {@link #MAX_DOTS} dots remain beyond the vector
   */
  public static CausalContext of(VectorClock clock, Collection<Dot> dots) {
    Objects.requireNonNull(clock, "clock");
    if (dots.isEmpty()) {
      return of(clock);
    }
    TreeMap<Actor, Long> counters = new TreeMap<>(clock.toMap());
    List<Dot> beyond = new ArrayList<>();
    boolean folded = false;
    for (Dot d :
        new TreeSet<>(dots)) { // by actor, then counter: a dot can fold after the one before
      long seen = counters.getOrDefault(d.actor(), 0L);
      if (d.counter() == seen + 1) {
        counters.put(d.actor(), d.counter());
        folded = true;
      } else if (d.counter() > seen) {
        beyond.add(d);
      }
    }
    if (beyond.size() > MAX_DOTS) {
      throw new IllegalArgumentException(
          beyond.size() + " dots beyond the vector, at most " + MAX_DOTS + " allowed");
    }
    return new CausalContext(folded ? VectorClock.of(counters) : clock, beyond.toArray(NO_DOTS));
  }

  /** The vector part. */
  public VectorClock clock() {
    return clock;
  }

  /** The dots seen beyond the vector, ascending. */
  public List<Dot> dots() {
    return List.of(dots);
  }

  /** The dots beyond the vector, ascending: the internal array, which callers MUST NOT change. */
  Dot[] dotArray() {
    return dots;
  }

  /** True if this context has seen {@code dot}: a write carrying it supersedes that version. */
  public boolean covers(Dot dot) {
    return clock.covers(dot) || Arrays.binarySearch(dots, dot) >= 0;
  }

  /**
   * The vector with every dot's counter folded in: an upper bound of what was seen, for choosing
   * counters and epochs above anything the context names (never for deciding what it covers).
   */
  public VectorClock ceiling() {
    if (dots.length == 0) {
      return clock;
    }
    TreeMap<Actor, Long> counters = new TreeMap<>(clock.toMap());
    for (Dot d : dots) {
      counters.merge(d.actor(), d.counter(), Math::max);
    }
    return VectorClock.of(counters);
  }

  /**
   * This context plus {@code dot}; when that would exceed {@link #MAX_DOTS}, the vector plus {@code
   * dot} alone (it covers less, so it never supersedes anything unseen).
   */
  public CausalContext with(Dot dot) {
    if (dots.length == 0 && dot.counter() == clock.counter(dot.actor()) + 1) {
      return new CausalContext(clock.incremented(dot.actor()), NO_DOTS); // the usual case
    }
    List<Dot> all = new ArrayList<>(dots.length + 1);
    all.addAll(Arrays.asList(dots));
    all.add(dot);
    try {
      return of(clock, all);
    } catch (IllegalArgumentException tooMany) {
      return of(clock, List.of(dot));
    }
  }

  /** True if this context has seen nothing. */
  public boolean isEmpty() {
    return clock.isEmpty() && dots.length == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CausalContext other
        && clock.equals(other.clock)
        && Arrays.equals(dots, other.dots);
  }

  @Override
  public int hashCode() {
    return 31 * clock.hashCode() + Arrays.hashCode(dots);
  }

  @Override
  public String toString() {
    return dots.length == 0 ? clock.toString() : clock + "+" + Arrays.toString(dots);
  }
}
