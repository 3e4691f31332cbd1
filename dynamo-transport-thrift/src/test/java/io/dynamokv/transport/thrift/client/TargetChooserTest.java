/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A suspected node reported reachable again is tried at once, but only once until it answers. */
class TargetChooserTest {
  private static final String A = "127.0.0.1:7001";

  /** Frozen: suspicions last while the test runs, however slow the machine. */
  private final TargetChooser chooser = new TargetChooser(List.of(A), true, () -> 1_000L);

  private final ClientTopology topology =
      new ClientTopology(
          "n1",
          null,
          new TreeMap<>(Map.of("s", 3)),
          new TreeMap<>(
              Map.of(
                  NodeId.of("a"), A,
                  NodeId.of("b"), "127.0.0.1:7002",
                  NodeId.of("c"), "127.0.0.1:7003")),
          Set.of());

  /** Whether {@code A} comes last in every order over a full rotation of the members. */
  private boolean triedLast() {
    for (int i = 0; i < 3; i++) {
      List<ClientTarget> order = chooser.anyNode(topology);
      if (!order.get(order.size() - 1).address().equals(A)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aSuspectedNodeReportedReachableGetsOneEarlyTryPerAnswer() {
    assertThat(triedLast()).isFalse();
    chooser.suspect(A);
    assertThat(triedLast()).as("suspected").isTrue();

    chooser.reportedReachable(A);
    assertThat(triedLast()).as("reported reachable: tried in its turn").isFalse();

    chooser.suspect(A); // the early try failed
    chooser.reportedReachable(A);
    assertThat(triedLast()).as("no second early try before it answers").isTrue();

    chooser.answered(A);
    assertThat(triedLast()).isFalse();
    chooser.suspect(A);
    chooser.reportedReachable(A);
    assertThat(triedLast()).as("after an answer, a new suspicion gets its early try").isFalse();
  }

  @Test
  void aReportAboutANodeNotSuspectedChangesNothing() {
    chooser.reportedReachable(A);
    chooser.suspect(A);
    assertThat(triedLast()).isTrue();
  }
}
