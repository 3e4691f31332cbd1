/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The merge of cluster views is a join-semilattice: gossip in any order converges. */
class ClusterViewMergeProperties {

  @Property
  void mergeIsCommutative(@ForAll("views") ClusterView a, @ForAll("views") ClusterView b) {
    assertThat(a.merge(b)).isEqualTo(b.merge(a));
  }

  @Property
  void mergeIsAssociative(
      @ForAll("views") ClusterView a,
      @ForAll("views") ClusterView b,
      @ForAll("views") ClusterView c) {
    assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
  }

  @Property
  void mergeIsIdempotent(@ForAll("views") ClusterView a, @ForAll("views") ClusterView b) {
    assertThat(a.merge(a)).isEqualTo(a);
    assertThat(a.merge(b).merge(b)).isEqualTo(a.merge(b));
  }

  @Property
  void mergeNeverLosesANewerState(@ForAll("views") ClusterView a, @ForAll("views") ClusterView b) {
    ClusterView m = a.merge(b);
    a.nodes()
        .values()
        .forEach(
            s -> assertThat(NodeState.ORDER.compare(m.nodes().get(s.id()), s)).isNotNegative());
    if (b.ring() != null) {
      assertThat(m.ring().version()).isGreaterThanOrEqualTo(b.ring().version());
    }
  }

  @Property
  void removalCoversOnlyOlderGenerations(
      @ForAll("states") NodeState s, @ForAll("removals") Removal r) {
    Removal forS = new Removal(s.id(), r.generation(), r.by());
    ClusterView v =
        new ClusterView(new TreeMap<>(), new TreeMap<>(), null)
            .with(s)
            .merge(
                new ClusterView(
                    new TreeMap<>(), new TreeMap<>(java.util.Map.of(s.id(), forS)), null));
    NodeStatus expected = s.generation() <= r.generation() ? NodeStatus.REMOVED : s.status();
    assertThat(v.effectiveStatus(s.id())).isEqualTo(expected);
  }

  // Small domains so that collisions (same node, same stamp, different content) happen often.

  private static Arbitrary<NodeId> ids() {
    return Arbitraries.of("a", "b", "c", "d").map(NodeId::of);
  }

  @Provide
  Arbitrary<NodeState> states() {
    return Combinators.combine(
            ids(),
            Arbitraries.longs().between(0, 2),
            Arbitraries.longs().between(0, 3),
            Arbitraries.of(NodeStatus.class),
            Arbitraries.of("h:1", "h:2"),
            Arbitraries.of("", "z1"),
            Arbitraries.longs().between(0, 2))
        .as(NodeState::new);
  }

  @Provide
  Arbitrary<Removal> removals() {
    return Combinators.combine(ids(), Arbitraries.longs().between(0, 2), ids()).as(Removal::new);
  }

  private static Arbitrary<RingState> rings() {
    return Combinators.combine(
            Arbitraries.bytes().array(byte[].class).ofMaxSize(2),
            Arbitraries.longs().between(1, 3),
            ids())
        .as(RingState::new);
  }

  @Provide
  Arbitrary<ClusterView> views() {
    Arbitrary<List<NodeState>> states = states().list().ofMaxSize(6);
    Arbitrary<List<Removal>> removals = removals().list().ofMaxSize(2);
    return Combinators.combine(states, removals, rings().injectNull(0.3))
        .as(
            (ss, rs, ring) -> {
              ClusterView v = new ClusterView(new TreeMap<>(), new TreeMap<>(), ring);
              for (NodeState s : ss) {
                v = v.with(s);
              }
              for (Removal r : rs) {
                v =
                    v.merge(
                        new ClusterView(
                            new TreeMap<>(), new TreeMap<>(java.util.Map.of(r.node(), r)), null));
              }
              return v;
            });
  }
}
