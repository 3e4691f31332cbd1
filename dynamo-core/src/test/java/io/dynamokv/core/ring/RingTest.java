/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RingTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");
  private static final NodeId D = NodeId.of("d");

  @Test
  void preferenceListSkipsFurtherPartitionsOfNodesAlreadyTaken() {
    Ring ring = Ring.ofPartitions(7, List.of(A, A, B, A, B, C, D, C), Map.of());
    assertThat(ring.version()).isEqualTo(7);
    assertThat(ring.preferenceList(0, 3)).containsExactly(A, B, C);
    assertThat(ring.preferenceList(5, 3)).containsExactly(C, D, A);
    assertThat(ring.preferenceList(7, 2)).containsExactly(C, A);
    assertThat(ring.extendedPreferenceList(3)).containsExactly(A, B, C, D);
    assertThat(ring.preferenceList(3, 10)).containsExactly(A, B, C, D);
    assertThat(ring.nodes()).containsExactly(A, B, C, D);
    assertThat(ring.partitionsOf(A)).containsExactly(0, 1, 3);
    assertThat(ring.ownershipShare(A)).isEqualTo(3.0 / 8);
    assertThat(ring.ownershipShare(NodeId.of("absent"))).isZero();
  }

  @Test
  void strategyThreePartitionIsTheTopBitsOfTheToken() {
    Ring ring = Ring.ofPartitions(1, List.of(A, B, C, D), Map.of());
    assertThat(ring.partitionOf(Token.MIN)).isZero();
    assertThat(ring.partitionOf(new Token(0x4000_0000_0000_0000L, 0))).isEqualTo(1);
    assertThat(ring.partitionOf(new Token(0x7fff_ffff_ffff_ffffL, -1L))).isEqualTo(1);
    assertThat(ring.partitionOf(Token.MAX)).isEqualTo(3);
    assertThat(ring.range(1).start()).isEqualTo(new Token(0x4000_0000_0000_0000L, 0));
    assertThat(ring.range(3).end()).isEqualTo(Token.MIN);
    Ring single = Ring.ofPartitions(1, List.of(A), Map.of());
    assertThat(single.partitionOf(Token.MAX)).isZero();
    assertThat(single.range(0).fraction()).isEqualTo(1.0);
  }

  @Test
  void strategyOneKeyBelongsToTheFirstTokenAboveIt() {
    TreeMap<Token, NodeId> tokens = new TreeMap<>();
    tokens.put(new Token(10, 0), A);
    tokens.put(new Token(20, 0), B);
    tokens.put(new Token(30, 0), C);
    Ring ring = Ring.ofTokens(1, tokens, Map.of());
    assertThat(ring.partitionOf(new Token(5, 0))).isZero();
    assertThat(ring.partitionOf(new Token(10, 0))).isEqualTo(1);
    assertThat(ring.partitionOf(new Token(25, 0))).isEqualTo(2);
    assertThat(ring.partitionOf(new Token(30, 0))).isZero();
    assertThat(ring.partitionOf(Token.MAX)).isZero();
    assertThat(ring.owner(0)).isEqualTo(A);
    assertThat(ring.preferenceList(new Token(25, 0), 2)).containsExactly(C, A);
    assertThat(ring.range(0).wraps()).isTrue();
    assertThat(ring.ownershipShare(A) + ring.ownershipShare(B) + ring.ownershipShare(C))
        .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void zonesArePreferredRoundByRound() {
    Map<NodeId, String> zones = Map.of(A, "z1", B, "z1", C, "z2", D, "z2");
    Ring ring = Ring.ofPartitions(1, List.of(A, B, C, D), zones);
    assertThat(ring.preferenceList(0, 2)).containsExactly(A, C);
    assertThat(ring.preferenceList(0, 3)).containsExactly(A, C, B);
    assertThat(ring.extendedPreferenceList(0)).containsExactly(A, C, B, D);
    assertThat(ring.preferenceList(1, 4)).containsExactly(B, C, D, A);
    assertThat(ring.zoneOf(A)).contains("z1");
    assertThat(ring.zones()).hasSize(4);
  }

  @Test
  void nodesWithoutZoneShareOneZone() {
    Ring ring = Ring.ofPartitions(1, List.of(A, B, C, D), Map.of(C, "z2"));
    assertThat(ring.preferenceList(0, 3)).containsExactly(A, C, B);
    assertThat(ring.zoneOf(A)).isEmpty();
  }

  @Test
  void rejectsInvalidRings() {
    assertThatThrownBy(() -> Ring.ofPartitions(1, List.of(A, B, C), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("power of two");
    assertThatThrownBy(() -> Ring.ofPartitions(1, List.of(A, B), Map.of(C, "z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("owns nothing");
    assertThatThrownBy(() -> Ring.ofPartitions(-1, List.of(A), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    Ring ring = Ring.ofPartitions(1, List.of(A, B), Map.of());
    assertThatThrownBy(() -> ring.owner(2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> ring.preferenceList(0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void equalContentEqualRings() {
    Ring a = Ring.ofPartitions(3, List.of(A, B, A, B), Map.of(A, "z"));
    Ring b = Ring.ofPartitions(3, List.of(A, B, A, B), Map.of(A, "z"));
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(Ring.ofPartitions(4, List.of(A, B, A, B), Map.of(A, "z")));
    assertThat(a.toString()).contains("version=3");
  }

  /** The table-driven and walked lists agree with a naive reference for any owners and zones. */
  @Property
  void preferenceListsMatchTheReference(
      @ForAll @Size(min = 16, max = 16) List<@IntRange(min = 0, max = 5) Integer> ownerIndices,
      @ForAll @Size(min = 6, max = 6) List<@IntRange(min = 0, max = 2) Integer> zoneIndices,
      @ForAll boolean zoned,
      @ForAll @IntRange(min = 1, max = 9) int n) {
    List<NodeId> owners = new ArrayList<>();
    for (int i : ownerIndices) {
      owners.add(NodeId.of("n" + i));
    }
    Map<NodeId, String> zones = new TreeMap<>();
    if (zoned) {
      for (NodeId node : new HashSet<>(owners)) {
        int z = zoneIndices.get(Integer.parseInt(node.value().substring(1)));
        if (z > 0) {
          zones.put(node, "z" + z);
        }
      }
    }
    Ring ring = Ring.ofPartitions(1, owners, zones);
    for (int p = 0; p < owners.size(); p++) {
      List<NodeId> expected = reference(owners, zones, p);
      assertThat(ring.extendedPreferenceList(p)).isEqualTo(expected);
      assertThat(ring.preferenceList(p, n))
          .isEqualTo(expected.subList(0, Math.min(n, expected.size())));
    }
  }

  private static List<NodeId> reference(List<NodeId> owners, Map<NodeId, String> zones, int p) {
    LinkedHashSet<NodeId> walk = new LinkedHashSet<>();
    for (int i = 0; i < owners.size(); i++) {
      walk.add(owners.get((p + i) % owners.size()));
    }
    if (zones.isEmpty()) {
      return new ArrayList<>(walk);
    }
    List<NodeId> result = new ArrayList<>();
    List<NodeId> left = new ArrayList<>(walk);
    Set<String> used = new HashSet<>();
    while (!left.isEmpty()) {
      NodeId pick = null;
      for (NodeId node : left) {
        if (!used.contains(zones.getOrDefault(node, ""))) {
          pick = node;
          break;
        }
      }
      if (pick == null) {
        used.clear();
        continue;
      }
      used.add(zones.getOrDefault(pick, ""));
      left.remove(pick);
      result.add(pick);
    }
    return result;
  }
}
