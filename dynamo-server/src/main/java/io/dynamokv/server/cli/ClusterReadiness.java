/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Whether a cluster can serve every key, as one node sees it: it has a ring, and every partition of
 * every store has at least max(R, W) owners among its N that are serving (a member in state NORMAL
 * or LEAVING that the node finds reachable). Until anti-entropy exists every owner's copy counts as
 * complete. {@code bin/dynamo status --wait} adds a probe write through the node on top.
 */
final class ClusterReadiness {
  private ClusterReadiness() {}

  /** The states in which a member holds and serves its ranges. */
  static boolean servingState(String state) {
    return state.equals("NORMAL") || state.equals("LEAVING");
  }

  /**
   * What keeps the cluster from serving every key, in one line; empty when nothing does.
   *
   * @param serving whether an owner is serving (reachable and in a {@link #servingState})
   */
  static Optional<String> unmet(
      Optional<Ring> ring, List<StoreDefinition> stores, Predicate<NodeId> serving) {
    if (ring.isEmpty()) {
      return Optional.of("the node has no ring yet");
    }
    Ring r = ring.get();
    for (StoreDefinition store : stores) {
      int needed = Math.max(store.readQuorum(), store.writeQuorum());
      int lacking = 0;
      String first = null;
      for (int p = 0; p < r.partitionCount(); p++) {
        List<NodeId> owners = r.preferenceList(p, store.replicationFactor());
        List<NodeId> down = owners.stream().filter(serving.negate()).toList();
        int up = owners.size() - down.size();
        if (up < needed) {
          lacking++;
          if (first == null) {
            first =
                "partition "
                    + p
                    + " has "
                    + up
                    + " serving owner(s) of the "
                    + needed
                    + " needed"
                    + (down.isEmpty() ? " (too few nodes)" : " (not serving: " + names(down) + ")");
          }
        }
      }
      if (lacking > 0) {
        return Optional.of(
            "store "
                + store.name()
                + " (N="
                + store.replicationFactor()
                + ", R="
                + store.readQuorum()
                + ", W="
                + store.writeQuorum()
                + "): "
                + lacking
                + " of "
                + r.partitionCount()
                + " partitions lack max(R, W) serving owners; "
                + first);
      }
    }
    return Optional.empty();
  }

  private static String names(List<NodeId> nodes) {
    return String.join(", ", nodes.stream().map(NodeId::toString).toList());
  }
}
