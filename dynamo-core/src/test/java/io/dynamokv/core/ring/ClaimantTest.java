/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ClaimantTest {
  @Test
  void lowestNormalNodeIsTheClaimant() {
    TreeSet<NodeId> normal =
        new TreeSet<>(List.of(NodeId.of("node-c"), NodeId.of("node-a"), NodeId.of("node-b")));
    assertThat(Claimant.claimant(normal)).isEqualTo(NodeId.of("node-a"));
    assertThat(Claimant.isClaimant(NodeId.of("node-a"), normal)).isTrue();
    assertThat(Claimant.isClaimant(NodeId.of("node-b"), normal)).isFalse();
    normal.remove(NodeId.of("node-a"));
    assertThat(Claimant.claimant(normal)).isEqualTo(NodeId.of("node-b"));
  }

  @Test
  void noNormalNodeNoClaimant() {
    assertThatThrownBy(() -> Claimant.claimant(new TreeSet<>()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("normal");
    assertThat(Claimant.isClaimant(NodeId.of("a"), new TreeSet<>())).isFalse();
  }
}
