/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Quorum#ofGroups}: a write to a moving partition needs W on each side. */
class QuorumGroupsTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");
  private static final NodeId D = NodeId.of("d");

  @Test
  void bothSidesMustReachW() {
    Quorum<Boolean> q = Quorum.ofGroups(List.of(List.of(A, B, C), List.of(A, B, D)), 2);
    assertThat(q.targets()).containsExactly(A, B, C, D);
    assertThat(q.onResponse(A, true)).isEqualTo(Quorum.Status.PENDING);
    assertThat(q.onResponse(C, true)).isEqualTo(Quorum.Status.PENDING); // 2 current, 1 after
    assertThat(q.onResponse(D, true)).isEqualTo(Quorum.Status.SUCCEEDED);
  }

  @Test
  void aNodeOnBothSidesCountsOnBoth() {
    Quorum<Boolean> q = Quorum.ofGroups(List.of(List.of(A, B, C), List.of(A, B, D)), 2);
    q.onResponse(A, true);
    assertThat(q.onResponse(B, true)).isEqualTo(Quorum.Status.SUCCEEDED);
  }

  @Test
  void failsAsSoonAsOneSideCannotReachW() {
    Quorum<Boolean> q = Quorum.ofGroups(List.of(List.of(A, B, C), List.of(A, B, D)), 2);
    q.onResponse(C, true);
    q.onFailure(A, new RuntimeException("down"));
    assertThat(q.onFailure(D, new RuntimeException("down"))).isEqualTo(Quorum.Status.FAILED);
    assertThat(q.describe()).contains("moving partition");
  }

  @Test
  void aSmallerSecondSideNeedsAllItsNodes() {
    // A cluster of one growing to three: the old layout names one node.
    Quorum<Boolean> q = Quorum.ofGroups(List.of(List.of(A, B, C), List.of(A)), 2);
    q.onResponse(B, true);
    assertThat(q.onResponse(C, true)).isEqualTo(Quorum.Status.PENDING);
    assertThat(q.onResponse(A, true)).isEqualTo(Quorum.Status.SUCCEEDED);
  }

  @Test
  void theFirstSideMustHoldW() {
    assertThatThrownBy(() -> Quorum.ofGroups(List.of(List.of(A), List.of(A, B, C)), 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Quorum.ofGroups(List.of(List.of(A, A, B)), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("distinct");
  }
}
