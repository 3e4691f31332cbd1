/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where keys live, as this node sees it: the stores it serves and the ring it routes by, which
 * membership replaces whenever a newer one is agreed. Reads of the ring are safe from any thread;
 * the rest runs on the node's scheduler.
 */
final class Placement {
  private final NodeId self;
  private final NodeConfig config;
  private volatile Ring ring;

  Placement(NodeId self, NodeConfig config) {
    this.self = self;
    this.config = config;
  }

  /** The ring this node routes by, once it has one. */
  Optional<Ring> ring() {
    return Optional.ofNullable(ring);
  }

  void useRing(Ring ring) {
    this.ring = ring;
  }

  /**
   * The store named {@code name}.
   *
   * @throws StoreNotFoundException when this node does not serve it
   */
  StoreDefinition store(String name) {
    StoreDefinition def = config.stores().get(name);
    if (def == null) {
      throw StoreNotFoundException.forStore(name);
    }
    return def;
  }

  /**
   * The N owners of {@code key} in {@code store}, its preference list.
   *
   * @throws InsufficientReplicasException while this node has no ring yet
   */
  List<NodeId> owners(StoreDefinition def, byte[] key) {
    Ring current = ring;
    if (current == null) {
      throw new InsufficientReplicasException(
          "request", 0, 1, self + " has not received a ring yet: it is still joining the cluster");
    }
    return new ArrayList<>(current.preferenceList(Token.of(key), def.replicationFactor()));
  }

  /**
   * The owners {@code key} gains in the ring's pending layout while its partition moves (they take
   * its writes but hold no complete copy yet); empty when it does not move.
   */
  List<NodeId> pendingOwners(StoreDefinition def, byte[] key) {
    Ring current = ring;
    return current == null || !current.moving()
        ? List.of()
        : current.pendingOwners(Token.of(key), def.replicationFactor());
  }

  /** The nodes a write of {@code key} goes to: its owners, then its pending owners. */
  List<NodeId> writeTargets(StoreDefinition def, byte[] key) {
    List<NodeId> targets = owners(def, key);
    targets.addAll(pendingOwners(def, key));
    return targets;
  }

  /**
   * The second group a write of {@code key} needs W of while its partition moves: its owners in the
   * pending layout (the new owners before the switch, the retiring ones after it); the current
   * owners when it does not move.
   */
  List<NodeId> ownersAfterMove(StoreDefinition def, byte[] key) {
    Ring current = ring;
    if (current == null || !current.moving()) {
      return owners(def, key);
    }
    return current.pending().orElseThrow().preferenceList(Token.of(key), def.replicationFactor());
  }

  /**
   * Every node of the ring in the order {@code key}'s replicas are chosen: its owners first, then
   * its stand-ins (paper §4.6).
   *
   * @throws InsufficientReplicasException while this node has no ring yet
   */
  List<NodeId> extended(StoreDefinition def, byte[] key) {
    Ring current = ring;
    if (current == null) {
      throw new InsufficientReplicasException(
          "request", 0, 1, self + " has not received a ring yet: it is still joining the cluster");
    }
    return current.extendedPreferenceList(Token.of(key));
  }

  /** The partition of {@code key} in the current ring, or -1 without a ring. */
  int partitionOf(byte[] key) {
    Ring current = ring;
    return current == null ? -1 : current.partitionOf(Token.of(key));
  }
}
