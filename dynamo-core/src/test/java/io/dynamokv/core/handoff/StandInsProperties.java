/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The stand-in choice: distinct replicas, owners kept when usable, next usable ones otherwise. */
class StandInsProperties {
  private static List<NodeId> nodes(int count) {
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(NodeId.of("n" + i));
    }
    return out;
  }

  @Property
  void everySlotGetsItsOwnerOrADistinctUsableStandIn(
      @ForAll @IntRange(min = 1, max = 12) int nodes,
      @ForAll @IntRange(min = 1, max = 5) int n,
      @ForAll @Size(max = 12) Set<@IntRange(min = 0, max = 11) Integer> down) {
    List<NodeId> extended = nodes(nodes);
    Set<NodeId> unusable = new HashSet<>();
    down.forEach(i -> unusable.add(NodeId.of("n" + i)));
    List<StandIns.Slot> slots = StandIns.replicas(extended, n, id -> !unusable.contains(id));

    int owners = Math.min(n, nodes);
    assertThat(slots).hasSize(owners);
    List<NodeId> replicas = new ArrayList<>();
    long usableOutsiders =
        extended.subList(owners, nodes).stream().filter(id -> !unusable.contains(id)).count();
    int missing = 0;
    for (int i = 0; i < owners; i++) {
      StandIns.Slot slot = slots.get(i);
      assertThat(slot.owner()).isEqualTo(extended.get(i));
      if (!unusable.contains(slot.owner())) {
        assertThat(slot.replica()).contains(slot.owner());
        assertThat(slot.standIn()).isFalse();
      } else {
        missing++;
        if (missing <= usableOutsiders) {
          NodeId standIn = slot.replica().orElseThrow();
          assertThat(unusable).doesNotContain(standIn);
          assertThat(extended.indexOf(standIn)).isGreaterThanOrEqualTo(owners);
        } else {
          assertThat(slot.replica()).isEmpty();
        }
      }
      slot.replica().ifPresent(replicas::add);
    }
    assertThat(replicas).doesNotHaveDuplicates();
  }

  @Property
  void theNextStandInSkipsTakenAndUnusableNodesInListOrder(
      @ForAll @IntRange(min = 4, max = 10) int nodes,
      @ForAll @IntRange(min = 0, max = 9) int taken) {
    List<NodeId> extended = nodes(nodes);
    Optional<NodeId> next =
        StandIns.next(
            extended, 3, List.of(NodeId.of("n" + taken)), id -> !id.equals(NodeId.of("n3")));
    List<NodeId> expected =
        extended.subList(3, nodes).stream()
            .filter(id -> !id.equals(NodeId.of("n" + taken)) && !id.equals(NodeId.of("n3")))
            .toList();
    assertThat(next).isEqualTo(expected.stream().findFirst());
  }
}
