/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.quorum.Quorum.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuorumTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");

  @Test
  void succeedsAtTheRequiredNumberOfAnswers() {
    Quorum<String> q = new Quorum<>(List.of(A, B, C), 2);
    assertThat(q.onResponse(A, "x")).isEqualTo(Status.PENDING);
    assertThat(q.onFailure(B, new RuntimeException("down"))).isEqualTo(Status.PENDING);
    assertThat(q.onResponse(C, "y")).isEqualTo(Status.SUCCEEDED);
    assertThat(q.responses()).containsOnlyKeys(A, C);
    assertThat(q.isComplete()).isTrue();
  }

  @Test
  void aTargetIsHeardFromOnceItsFirstWordIsIn() {
    Quorum<String> q = new Quorum<>(List.of(A, B, C), 2);
    assertThat(q.heardFrom(A)).isFalse();
    q.onResponse(A, "x");
    q.onFailure(B, new RuntimeException("down"));
    assertThat(q.heardFrom(A)).isTrue();
    assertThat(q.heardFrom(B)).isTrue();
    assertThat(q.heardFrom(C)).isFalse();
  }

  @Test
  void failsAsSoonAsTooFewReplicasRemain() {
    Quorum<String> q = new Quorum<>(List.of(A, B, C), 2);
    q.onFailure(A, new RuntimeException("a is unreachable"));
    assertThat(q.onFailure(C, new RuntimeException("c timed out"))).isEqualTo(Status.FAILED);
    assertThat(q.isComplete()).isFalse();
    assertThat(q.describe())
        .isEqualTo(
            "0 of 3 replicas answered; a: a is unreachable; c: c timed out; b did not answer in time");
  }

  @Test
  void theDecisionNeverChangesButLateAnswersAreKept() {
    Quorum<String> q = new Quorum<>(List.of(A, B, C), 1);
    assertThat(q.onResponse(A, "x")).isEqualTo(Status.SUCCEEDED);
    q.onFailure(B, new RuntimeException());
    q.onFailure(C, new RuntimeException());
    assertThat(q.status()).isEqualTo(Status.SUCCEEDED);
    Quorum<String> failed = new Quorum<>(List.of(A, B), 2);
    failed.onFailure(A, new RuntimeException());
    assertThat(failed.onResponse(B, "late")).isEqualTo(Status.FAILED);
    assertThat(failed.responses()).containsOnlyKeys(B);
  }

  @Test
  void duplicatesCountOnceAndTheFirstWordWins() {
    Quorum<String> q = new Quorum<>(List.of(A, B, C), 2);
    q.onResponse(A, "first");
    assertThat(q.onResponse(A, "duplicate")).isEqualTo(Status.PENDING);
    q.onFailure(A, new RuntimeException("late timeout"));
    assertThat(q.responses()).containsEntry(A, "first");
    assertThat(q.failures()).isEmpty();
  }

  @Test
  void refusesImpossibleQuorumsAndStrangers() {
    assertThatThrownBy(() -> new Quorum<>(List.of(A, B), 3))
        .hasMessageContaining("required must be 1 to 2");
    assertThatThrownBy(() -> new Quorum<>(List.of(A, A), 1)).hasMessageContaining("distinct");
    Quorum<String> q = new Quorum<>(List.of(A), 1);
    assertThatThrownBy(() -> q.onResponse(B, "x")).hasMessageContaining("was not contacted");
  }
}
