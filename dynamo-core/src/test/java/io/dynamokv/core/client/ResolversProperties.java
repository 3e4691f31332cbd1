/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The ready resolvers' laws: what each keeps, and that order and repetition do not matter. */
class ResolversProperties {

  @Provide
  Arbitrary<List<Sibling<byte[]>>> siblings() {
    Arbitrary<Sibling<byte[]>> sibling =
        Combinators.combine(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(3),
                Arbitraries.of("n1", "n2", "n3"),
                Arbitraries.longs().between(0, 5))
            .as((v, n, t) -> new Sibling<>(v, NodeId.of(n), Instant.ofEpochMilli(t)));
    return sibling.list().ofMinSize(2).ofMaxSize(6);
  }

  @Provide
  Arbitrary<List<Set<Integer>>> sets() {
    return Arbitraries.integers()
        .between(0, 20)
        .set()
        .ofMaxSize(6)
        .list()
        .ofMinSize(2)
        .ofMaxSize(5);
  }

  @Property
  void lastWriterWinsKeepsOneSiblingWrittenLastWhateverTheOrderOrRepetition(
      @ForAll("siblings") List<Sibling<byte[]>> siblings, @ForAll long shuffle) {
    VersionResolver<byte[]> lww = Resolvers.lastWriterWins();
    byte[] kept = lww.resolveSiblings(siblings);

    Instant latest = siblings.stream().map(Sibling::writtenAt).max(Instant::compareTo).get();
    assertThat(siblings)
        .as("the kept value is one written at the latest time")
        .anyMatch(s -> s.value() == kept && s.writtenAt().equals(latest));

    List<Sibling<byte[]>> reordered = new ArrayList<>(siblings);
    reordered.addAll(siblings.subList(0, 1)); // a sibling seen twice
    Collections.shuffle(reordered, new Random(shuffle));
    assertThat(lww.resolveSiblings(reordered)).isEqualTo(kept);
  }

  /**
   * Equal times go to the greater coordinator (an unknown one loses), then to the greater value.
   */
  @Property
  void lastWriterWinsBreaksTiesByCoordinatorThenValue(
      @ForAll("siblings") List<Sibling<byte[]>> siblings, @ForAll long shuffle) {
    Instant same = Instant.ofEpochMilli(7);
    List<Sibling<byte[]>> tied = new ArrayList<>();
    for (Sibling<byte[]> s : siblings) {
      tied.add(new Sibling<>(s.value(), s.coordinator(), same));
    }
    tied.add(new Sibling<>(new byte[] {127, 127, 127, 127}, null, same));
    Collections.shuffle(tied, new Random(shuffle));
    NodeId greatest =
        siblings.stream().map(Sibling::coordinator).max(NodeId::compareTo).orElseThrow();
    byte[] greatestValue =
        siblings.stream()
            .filter(s -> s.coordinator().equals(greatest))
            .map(Sibling::value)
            .max(java.util.Arrays::compareUnsigned)
            .orElseThrow();
    assertThat(Resolvers.lastWriterWins().resolveSiblings(tied)).isEqualTo(greatestValue);
  }

  @Property
  void unionKeepsEveryElementOfEverySiblingAndNothingElse(
      @ForAll("sets") List<Set<Integer>> siblings, @ForAll long shuffle) {
    ConflictResolver<Set<Integer>> union = Resolvers.union();
    Set<Integer> merged = union.resolve(siblings);

    Set<Integer> expected = new HashSet<>();
    siblings.forEach(expected::addAll);
    assertThat(merged).isEqualTo(expected);

    List<Set<Integer>> reordered = new ArrayList<>(siblings);
    reordered.add(siblings.get(0));
    Collections.shuffle(reordered, new Random(shuffle));
    assertThat(union.resolve(reordered)).as("commutative, idempotent").isEqualTo(merged);

    // associative: merging a merge with the rest gives the same
    Set<Integer> firstTwo = union.resolve(siblings.subList(0, 2));
    List<Set<Integer>> rest = new ArrayList<>(siblings.subList(2, siblings.size()));
    rest.add(firstTwo);
    assertThat(rest.size() >= 2 ? union.resolve(rest) : firstTwo).isEqualTo(merged);
  }

  @Property
  void aConflictResolverSeesTheValuesOfTheSiblingsInOrder(
      @ForAll("siblings") List<Sibling<byte[]>> siblings) {
    List<byte[]> seen = new ArrayList<>();
    ConflictResolver<byte[]> first =
        values -> {
          seen.addAll(values);
          return values.get(0);
        };
    assertThat(first.resolveSiblings(siblings)).isSameAs(siblings.get(0).value());
    assertThat(seen).containsExactlyElementsOf(siblings.stream().map(Sibling::value).toList());
  }
}
