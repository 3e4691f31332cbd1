/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class VectorClockProperties {

  /** Few actors and small counters, so that equal, ordered and concurrent pairs are all common. */
  @Provide
  Arbitrary<VectorClock> clocks() {
    Arbitrary<Actor> actors =
        Combinators.combine(Arbitraries.of("a", "b", "c"), Arbitraries.longs().between(0, 1))
            .as(Actor::of);
    return Arbitraries.maps(actors, Arbitraries.longs().between(1, 3))
        .ofMaxSize(4)
        .map(VectorClock::of);
  }

  @Provide
  Arbitrary<Actor> actors() {
    return Combinators.combine(Arbitraries.of("a", "b", "c"), Arbitraries.longs().between(0, 1))
        .as(Actor::of);
  }

  @Property
  void compareIsAntisymmetric(@ForAll("clocks") VectorClock a, @ForAll("clocks") VectorClock b) {
    assertThat(b.compare(a)).isEqualTo(a.compare(b).reversed());
    assertThat(a.compare(a)).isEqualTo(Occurred.EQUAL);
    assertThat(a.compare(b) == Occurred.EQUAL).isEqualTo(a.equals(b));
  }

  @Property
  void compareIsConsistentWithMerge(
      @ForAll("clocks") VectorClock a, @ForAll("clocks") VectorClock b) {
    VectorClock m = a.merge(b);
    assertThat(a.descends(b)).isEqualTo(m.equals(a));
    assertThat(b.descends(a)).isEqualTo(m.equals(b));
    assertThat(a.compare(b) == Occurred.CONCURRENT).isEqualTo(!m.equals(a) && !m.equals(b));
    assertThat(m.descends(a)).isTrue();
    assertThat(m.descends(b)).isTrue();
  }

  @Property
  void compareAgreesWithANaiveEntryWiseComparison(
      @ForAll("clocks") VectorClock a, @ForAll("clocks") VectorClock b) {
    Map<Actor, Long> union = new HashMap<>(a.toMap());
    union.putAll(b.toMap());
    boolean aAhead = false;
    boolean bAhead = false;
    for (Actor actor : union.keySet()) {
      aAhead |= a.counter(actor) > b.counter(actor);
      bAhead |= a.counter(actor) < b.counter(actor);
    }
    Occurred expected =
        aAhead && bAhead
            ? Occurred.CONCURRENT
            : aAhead ? Occurred.AFTER : bAhead ? Occurred.BEFORE : Occurred.EQUAL;
    assertThat(a.compare(b)).isEqualTo(expected);
  }

  @Property
  void mergeIsCommutativeAssociativeAndIdempotent(
      @ForAll("clocks") VectorClock a,
      @ForAll("clocks") VectorClock b,
      @ForAll("clocks") VectorClock c) {
    assertThat(a.merge(b)).isEqualTo(b.merge(a));
    assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
    assertThat(a.merge(a)).isEqualTo(a);
    assertThat(a.merge(VectorClock.empty())).isEqualTo(a);
  }

  @Property
  void incrementedHappensAfter(@ForAll("clocks") VectorClock a, @ForAll("actors") Actor actor) {
    VectorClock next = a.incremented(actor);
    assertThat(next.compare(a)).isEqualTo(Occurred.AFTER);
    assertThat(next.counter(actor)).isEqualTo(a.counter(actor) + 1);
    assertThat(next.covers(new Dot(actor, next.counter(actor)))).isTrue();
    assertThat(a.covers(new Dot(actor, next.counter(actor)))).isFalse();
  }
}
