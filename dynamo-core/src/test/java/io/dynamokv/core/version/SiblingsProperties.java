/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The DVVSet laws and the main correctness property: against a naive causality oracle, replicas
 * keep exactly the writes no later write has seen.
 */
class SiblingsProperties {

  @Provide
  Arbitrary<List<History.Op>> histories() {
    return History.ops(false, 60);
  }

  @Provide
  Arbitrary<List<History.Op>> chaoticHistories() {
    return History.ops(true, 60);
  }

  /** Histories in which nodes roll back without a new incarnation, so dots get reissued. */
  @Provide
  Arbitrary<History> reissuingHistories() {
    return Combinators.combine(Arbitraries.integers().between(0, 3), History.rollbackOps(80, 2))
        .as((bound, ops) -> History.run(new History(3, 3, bound, true), ops, () -> {}));
  }

  @Property
  void replicasKeepExactlyTheWritesNoLaterWriteHasSeen(
      @ForAll @IntRange(min = 1, max = 4) int nodes,
      @ForAll @IntRange(min = 1, max = 5) int clients,
      @ForAll("histories") List<History.Op> ops) {
    History history = History.run(nodes, clients, ops, () -> {});

    Siblings all = history.fullSync();
    List<Integer> values = all.values().stream().map(History::id).toList();
    Set<Integer> expected = history.maximal(history.allWrites());

    assertThat(values).doesNotHaveDuplicates();
    assertThat(new HashSet<>(values)).isEqualTo(expected);
    assertThat(history.reused).isEmpty();
  }

  @Property
  void everyReplicaHoldsExactlyTheMaximalWritesItKnowsAndContextsCoverExactlyWhatWasSeen(
      @ForAll @IntRange(min = 1, max = 4) int nodes,
      @ForAll @IntRange(min = 1, max = 5) int clients,
      @ForAll("histories") List<History.Op> ops) {
    History history = new History(nodes, clients);
    for (History.Op op : ops) {
      history.apply(op);
      for (int r = 0; r < nodes; r++) {
        Siblings replica = history.replicas[r];
        List<Integer> values = replica.values().stream().map(History::id).toList();
        assertThat(values).doesNotHaveDuplicates();
        assertThat(new HashSet<>(values)).isEqualTo(history.maximal(history.known.get(r)));
        Set<Integer> closure = history.closure(replica.values());
        CausalContext context = replica.causalContext();
        for (int w = 0; w < history.writeCount(); w++) {
          assertThat(context.covers(history.dots.get(w)))
              .as("context %s covers write %d", context, w)
              .isEqualTo(closure.contains(w));
        }
      }
    }
  }

  /**
   * A client that chains writes on the contexts its writes return, through any coordinator, while
   * other clients write concurrently (issue 23): each of its writes supersedes its previous one and
   * nothing it has not seen, on every replica and after they all sync.
   */
  @Property
  void chainedWritesSupersedeTheirPredecessorAndNothingTheirWriterHasNotSeen(
      @ForAll @IntRange(min = 1, max = 4) int nodes, @ForAll("histories") List<History.Op> ops) {
    History history = new History(nodes, 3);
    for (History.Op op : ops) {
      boolean chainer = op.kind() == History.Kind.WRITE && op.a() % 3 == 0;
      history.apply(
          chainer ? new History.Op(op.kind(), op.a(), op.b(), true, op.flag2(), true) : op);
      for (int r = 0; r < nodes; r++) {
        Set<Integer> held = History.ids(history.replicas[r].values());
        Set<Integer> expected = history.maximal(history.known.get(r));
        assertThat(held).as("replica %d lost a write no write saw", r).containsAll(expected);
        assertThat(expected).as("replica %d kept a superseded write", r).containsAll(held);
      }
    }
    Set<Integer> all = History.ids(history.fullSync().values());
    assertThat(all).isEqualTo(history.maximal(history.allWrites()));
  }

  @Property
  void siblingsNeverOutnumberTrulyConcurrentWrites(
      @ForAll @IntRange(min = 1, max = 4) int nodes,
      @ForAll @IntRange(min = 1, max = 5) int clients,
      @ForAll("chaoticHistories") List<History.Op> ops) {
    History history = new History(nodes, clients);
    for (History.Op op : ops) {
      history.apply(op);
      if (history.pruned) {
        continue; // pruning may add false siblings; see pruningNeverLosesAWrite
      }
      for (Siblings replica : history.replicas) {
        List<Integer> values = replica.values().stream().map(History::id).toList();
        for (int u : values) {
          assertThat(history.seen.get(u))
              .as("a sibling saw another")
              .doesNotContainAnyElementsOf(values);
        }
      }
      for (int r = 0; r < nodes; r++) {
        assertThat(history.replicas[r].siblingCount())
            .as("siblings of replica %d vs. concurrent writes it knows", r)
            .isLessThanOrEqualTo(history.maximal(history.known.get(r)).size());
      }
    }
    if (!history.pruned && !history.lostState) {
      assertThat(history.fullSync().siblingCount())
          .isEqualTo(history.maximal(history.allWrites()).size());
    }
  }

  @Property
  void pruningNeverLosesAWrite(
      @ForAll @IntRange(min = 1, max = 4) int nodes,
      @ForAll @IntRange(min = 1, max = 5) int clients,
      @ForAll("chaoticHistories") List<History.Op> ops) {
    History history = History.run(nodes, clients, ops, () -> {});
    assertThat(history.reused).as("reissued dots").isEmpty();
    for (int r = 0; r < nodes; r++) {
      Set<Integer> known = history.known.get(r);
      List<Integer> values = history.replicas[r].values().stream().map(History::id).toList();
      assertThat(values).doesNotHaveDuplicates();
      assertThat(known).containsAll(values); // nothing invented
      assertThat(values)
          .containsAll(history.maximal(known)); // nothing lost; extras are false siblings
    }
    Siblings all = history.fullSync();
    assertThat(all.values().stream().map(History::id).toList())
        .containsAll(history.maximal(history.knownAnywhere()));
  }

  @Property
  void syncIsCommutativeAssociativeAndIdempotent(@ForAll("chaoticHistories") List<History.Op> ops) {
    checkLaws(History.run(3, 3, ops, () -> {}));
  }

  /** The laws hold whatever the dots: also when one dot carries two values. */
  @Property
  void syncIsCommutativeAssociativeAndIdempotentWhenDotsAreReissued(
      @ForAll("reissuingHistories") History history) {
    checkLaws(history);
  }

  /** A dot issued twice is visible, never a silent loss: sync keeps both values. */
  @Property
  void syncKeepsBothValuesOfAReissuedDot(@ForAll("reissuingHistories") History history) {
    Siblings a = history.replicas[0];
    Siblings b = history.replicas[1];
    Siblings merged = Siblings.sync(a, b);
    for (Sibling s : a.siblings()) {
      boolean sameDotInB = b.siblings().stream().anyMatch(t -> t.dot().equals(s.dot()));
      if (sameDotInB || !b.hasSeen(s.dot())) {
        assertThat(merged.siblings()).contains(s);
      }
    }
    // A dot the other side has superseded (covered, with no sibling under it) is gone with all its
    // values: that side saw a write with the dot and overwrote it. Every other reissued dot stays.
    assertThat(merged.reissuedDots())
        .isGreaterThanOrEqualTo(Math.max(reissuedAndKept(a, b), reissuedAndKept(b, a)));
  }

  /** Reissued dots of {@code x} that {@code y} has not superseded. */
  private static int reissuedAndKept(Siblings x, Siblings y) {
    Map<Dot, Long> valuesPerDot =
        x.siblings().stream().collect(Collectors.groupingBy(Sibling::dot, Collectors.counting()));
    return (int)
        valuesPerDot.entrySet().stream()
            .filter(e -> e.getValue() > 1)
            .map(Map.Entry::getKey)
            .filter(d -> !y.hasSeen(d) || y.siblings().stream().anyMatch(t -> t.dot().equals(d)))
            .count();
  }

  private static void checkLaws(History history) {
    Siblings a = history.replicas[0];
    Siblings b = history.replicas[1];
    Siblings c = history.replicas[2];

    assertThat(Siblings.sync(a, b)).isEqualTo(Siblings.sync(b, a));
    assertThat(Siblings.sync(Siblings.sync(a, b), c))
        .isEqualTo(Siblings.sync(a, Siblings.sync(b, c)));
    assertThat(Siblings.sync(a, a)).isEqualTo(a);
    assertThat(Siblings.sync(a, Siblings.empty())).isEqualTo(a);
    Siblings ab = Siblings.sync(a, b);
    assertThat(Siblings.sync(ab, b)).isEqualTo(ab);
  }

  @Property
  void syncKeepsExactlyTheSiblingsTheOtherSideHasNotSuperseded(
      @ForAll("chaoticHistories") List<History.Op> ops) {
    History history = History.run(2, 3, ops, () -> {});
    checkSyncKeepsWhatTheOtherSideHasNotSuperseded(history.replicas[0], history.replicas[1]);
  }

  @Property
  void syncKeepsExactlyTheSiblingsTheOtherSideHasNotSupersededWhenDotsAreReissued(
      @ForAll("reissuingHistories") History history) {
    checkSyncKeepsWhatTheOtherSideHasNotSuperseded(history.replicas[0], history.replicas[2]);
  }

  private static void checkSyncKeepsWhatTheOtherSideHasNotSuperseded(Siblings a, Siblings b) {
    Set<Sibling> expected = new HashSet<>();
    for (Sibling s : a.siblings()) {
      if (!supersedes(b, s.dot())) {
        expected.add(s);
      }
    }
    for (Sibling s : b.siblings()) {
      if (!supersedes(a, s.dot())) {
        expected.add(s);
      }
    }
    Siblings merged = Siblings.sync(a, b);
    assertThat(merged.siblings()).doesNotHaveDuplicates();
    assertThat(new HashSet<>(merged.siblings())).isEqualTo(expected);
    // It has seen exactly what either has seen (dots seen beyond a vector may fold into it).
    VectorClock upTo =
        CausalContext.of(a.context())
            .ceiling()
            .merge(b.context())
            .merge(merged.context())
            .merge(ceilingOf(a.cloud()))
            .merge(ceilingOf(b.cloud()));
    upTo.toMap()
        .forEach(
            (actor, top) -> {
              for (long n = 1; n <= top; n++) {
                Dot d = new Dot(actor, n);
                assertThat(merged.hasSeen(d))
                    .as("seen %s", d)
                    .isEqualTo(a.hasSeen(d) || b.hasSeen(d));
              }
            });
    Set<io.dynamokv.core.NodeId> nodes = new HashSet<>(a.prunedEpochs().keySet());
    nodes.addAll(b.prunedEpochs().keySet());
    for (io.dynamokv.core.NodeId n : nodes) {
      assertThat(merged.prunedEpoch(n)).isEqualTo(Math.max(a.prunedEpoch(n), b.prunedEpoch(n)));
    }
  }

  private static VectorClock ceilingOf(List<Dot> dots) {
    Map<Actor, Long> top = new java.util.TreeMap<>();
    dots.forEach(d -> top.merge(d.actor(), d.counter(), Math::max));
    return VectorClock.of(top);
  }

  /** The reference definition: a set supersedes a dot its context covers and it does not hold. */
  private static boolean supersedes(Siblings set, Dot dot) {
    return set.hasSeen(dot) && set.siblings().stream().noneMatch(t -> t.dot().equals(dot));
  }
}
