/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.IncompleteReplicaException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.storage.MemoryStorageEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompletenessTest {
  private static final String STORE = "sets";
  private static final NodeId N1 = NodeId.of("n1");

  private static NodeConfig config() {
    return NodeConfig.builder(MembershipConfig.builder(N1).build())
        .stores(List.of(StoreDefinition.of(STORE)))
        .clusterSecret(io.dynamokv.core.security.TestSecrets.CLUSTER)
        .build();
  }

  private static Ring ring() {
    List<NodeId> owners = new ArrayList<>();
    for (int p = 0; p < 16; p++) {
      owners.add(NodeId.of("n" + (1 + p % 4)));
    }
    return Ring.ofPartitions(1, owners, Map.of());
  }

  /**
   * A node that lost data, learnt its ring, and started again (a crash during the repair) is
   * incomplete for a partition it holds; until it learns its ring again, the partition of a key is
   * unknown (-1), and that must not read as complete. Before, it did: the simulation's seed
   * 7713197207183435707 of AntiEntropySimulationTest#ciSeedsConvergeByAntiEntropyAlone had such a
   * node answer a read at R=1 as absent, hiding writes acknowledged at W=3.
   */
  @Test
  void aNodeThatDoesNotKnowItsRingYetVouchesForNothingWhileIncomplete() {
    NodeConfig config = config();
    MemoryStorageEngine.Directory directory = new MemoryStorageEngine.Directory();
    Completeness before = new Completeness(config, MemoryStorageEngine.open(directory));
    before.lostData();
    before.useRing(ring(), (def, partition) -> false);
    int held = ring().partitionsOf(N1).get(0);
    assertThat(before.isIncomplete(STORE, held)).isTrue();

    Completeness restarted = new Completeness(config, MemoryStorageEngine.open(directory));
    assertThat(restarted.isIncomplete(STORE, held)).isTrue();
    assertThat(restarted.isIncomplete(STORE, -1)).as("a key of an unknown partition").isTrue();
    assertThatThrownBy(() -> restarted.checkComplete(STORE, -1))
        .isInstanceOf(IncompleteReplicaException.class);
  }

  @Test
  void aCompleteNodeVouchesForEveryKeyRingOrNot() {
    Completeness complete =
        new Completeness(config(), MemoryStorageEngine.open(new MemoryStorageEngine.Directory()));
    assertThat(complete.isIncomplete(STORE, -1)).isFalse();
    assertThat(complete.isIncomplete(STORE, 3)).isFalse();
  }
}
