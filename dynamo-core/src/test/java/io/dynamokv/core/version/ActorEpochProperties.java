/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Riak's kv679: a node that forgets a key's state and reissues a dot silently loses writes. Nodes
 * here lose their data directory, roll back to what they last flushed (an unclean restart under a
 * durability that does not fsync every commit), restart with a fresh incarnation, get stale state
 * back from other replicas, and prune their clocks, in random orders; every dot must still be
 * issued once, no write that survives anywhere may be lost, and every replica's stored clock stays
 * within the pruning bound plus its siblings' actors.
 */
class ActorEpochProperties {

  @Provide
  Arbitrary<List<History.Op>> lossyHistories() {
    return histories(2);
  }

  /** No data loss, so only the pruned-epoch floor stands between a pruned actor and reuse. */
  @Provide
  Arbitrary<List<History.Op>> pruningHistories() {
    return histories(0);
  }

  /** Unclean restarts and data loss, with every replica pruning what it stores to a bound. */
  @Provide
  Arbitrary<History> rollingBackHistories() {
    return Combinators.combine(
            Arbitraries.integers().between(1, 3),
            Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(0, 3),
            History.rollbackOps(80, 1))
        .as(
            (nodes, clients, bound, ops) ->
                History.run(new History(nodes, clients, bound, false), ops, () -> {}));
  }

  private static Arbitrary<List<History.Op>> histories(int lossWeight) {
    Arbitrary<History.Kind> kinds =
        Arbitraries.frequency(
            Tuple.of(3, History.Kind.READ),
            Tuple.of(4, History.Kind.WRITE),
            Tuple.of(4, History.Kind.SYNC),
            Tuple.of(lossWeight, History.Kind.LOSE),
            Tuple.of(lossWeight, History.Kind.FLUSH),
            Tuple.of(lossWeight, History.Kind.ROLLBACK),
            Tuple.of(4, History.Kind.PRUNE));
    return History.steps(kinds).list().ofMinSize(20).ofMaxSize(80);
  }

  @Property
  void noActorEverIssuesTheSameCounterTwice(
      @ForAll @IntRange(min = 1, max = 3) int nodes,
      @ForAll @IntRange(min = 1, max = 4) int clients,
      @ForAll("lossyHistories") List<History.Op> ops) {
    History history = History.run(nodes, clients, ops, () -> {});

    assertThat(history.reused).as("dots issued twice").isEmpty();
    assertThat(history.dots).doesNotHaveDuplicates();
  }

  @Property
  void prunedActorsNeverContinueFromAStaleCounter(
      @ForAll @IntRange(min = 2, max = 3) int nodes,
      @ForAll @IntRange(min = 1, max = 2) int clients,
      @ForAll("pruningHistories") List<History.Op> ops) {
    History history = History.run(nodes, clients, ops, () -> {});

    assertThat(history.reused).as("dots issued twice").isEmpty();
  }

  @Property
  void writesThatSurviveSomewhereAreNeverShadowedByAReissuedDot(
      @ForAll @IntRange(min = 1, max = 3) int nodes,
      @ForAll @IntRange(min = 1, max = 4) int clients,
      @ForAll("lossyHistories") List<History.Op> ops) {
    History history = History.run(nodes, clients, ops, () -> {});

    assertThat(history.fullSync().values().stream().map(History::id).toList())
        .containsAll(history.maximal(history.knownAnywhere()));
  }

  @Property
  void unCleanRestartsNeverReissueADotNorLoseAWriteThatSurvivesSomewhere(
      @ForAll("rollingBackHistories") History history) {
    assertThat(history.reused).as("dots issued twice").isEmpty();
    assertThat(history.fullSync().values().stream().map(History::id).toList())
        .containsAll(history.maximal(history.knownAnywhere()));
  }

  @Property
  void everyStoredClockStaysWithinTheBoundPlusItsSiblingsActors(
      @ForAll @IntRange(min = 1, max = 4) int nodes,
      @ForAll @IntRange(min = 1, max = 3) int bound,
      @ForAll("lossyHistories") List<History.Op> ops) {
    History history = new History(nodes, 3, bound, false);
    for (History.Op op : ops) {
      if (op.kind() == History.Kind.PRUNE) {
        continue; // replicas prune on store here, to the one bound
      }
      history.apply(op);
      for (Siblings replica : history.replicas) {
        long actors = replica.siblings().stream().map(s -> s.dot().actor()).distinct().count();
        assertThat(replica.clockSize())
            .as("clock of %s", replica)
            .isLessThanOrEqualTo(bound + (int) actors);
      }
    }
    assertThat(history.reused).as("dots issued twice").isEmpty();
    assertThat(history.fullSync().values().stream().map(History::id).toList())
        .containsAll(history.maximal(history.knownAnywhere()));
  }
}
