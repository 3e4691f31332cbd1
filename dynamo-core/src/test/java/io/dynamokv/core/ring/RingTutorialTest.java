/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.RingPlanner.RingChange;
import io.dynamokv.core.ring.StorageKeys.KeyRange;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** How the membership, coordination and handoff layers use the ring package, end to end. */
class RingTutorialTest {
  @Test
  void fromStagedChangesToPreferenceListsAndScans() {
    // Cluster configuration: strategy 3, Q = 1024, planned for the largest N of any store.
    RingPlanner planner = RingPlanner.fixedPartitions(1024, RingPlanner.DEFAULT_REPLICAS);
    NodeId a = NodeId.of("a");
    NodeId b = NodeId.of("b");
    NodeId c = NodeId.of("c");
    NodeId d = NodeId.of("d");
    Ring ring = planner.initial(new TreeSet<>(List.of(a, b, c, d)), Map.of());

    // Admin stages a join; the claimant (lowest normal node) plans and gossips the bytes.
    TreeSet<NodeId> normal = new TreeSet<>(ring.nodes());
    assertThat(Claimant.claimant(normal)).isEqualTo(a);
    Ring next = planner.apply(ring, List.of(RingChange.join(NodeId.of("e"), "zone-2")));
    byte[] gossip = RingCodec.encode(next);

    // Any node decodes what it hears and keeps the latest ring.
    Ring adopted = Ring.latest(ring, RingCodec.decode(gossip));
    assertThat(adopted).isEqualTo(next);
    assertThat(adopted.version()).isEqualTo(ring.version() + 1);

    // A coordinator finds the replicas of a key; sloppy quorum continues down the extended list.
    byte[] key = "cart:alice".getBytes(StandardCharsets.UTF_8);
    Token token = Token.of(key);
    List<NodeId> replicas = adopted.preferenceList(token, 3);
    assertThat(replicas).hasSize(3).doesNotHaveDuplicates();
    assertThat(adopted.extendedPreferenceList(token).subList(0, 3)).isEqualTo(replicas);

    // Storage keys put the token first, so handing off a partition is one range scan.
    byte[] storageKey = StorageKeys.storageKey(key);
    int partition = adopted.partitionOf(token);
    List<KeyRange> scans = StorageKeys.scanRanges(adopted.range(partition));
    assertThat(scans).anyMatch(range -> range.contains(storageKey));

    // What moved: the partitions whose owner changed are the ones to stream to the new node.
    int moved = 0;
    for (int p = 0; p < 1024; p++) {
      if (!ring.owner(p).equals(adopted.owner(p))) {
        assertThat(adopted.owner(p)).isEqualTo(NodeId.of("e"));
        moved++;
      }
    }
    assertThat(moved).isEqualTo(1024 / 5);
    assertThat(adopted.ownershipShare(NodeId.of("e"))).isEqualTo(204.0 / 1024);
  }
}
