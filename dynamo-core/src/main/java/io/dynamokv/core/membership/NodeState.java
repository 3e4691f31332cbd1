/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.util.Collections;
import java.util.Comparator;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a node says about itself, gossiped to every other node. Only the node itself creates new
 * versions of its state; everybody else only stores and forwards them.
 *
 * <p>States of one node are totally ordered by {@link #ORDER}: the newer {@link VersionStamp} wins,
 * and (which the protocol never produces, but the merge laws need) equal stamps are ordered by
 * content so that any two replicas pick the same winner.
 *
 * @param id the node
 * @param generation bumped on every restart, persisted
 * @param version bumped on every change and every gossip round (the heartbeat) within a generation
 * @param status the node's own view of its status (see {@link ClusterView#effectiveStatus} for the
 *     cluster's)
 * @param address opaque {@code host:port} for the transport, at most 255 bytes of UTF-8
 * @param zone availability zone or rack, may be empty, at most 255 bytes of UTF-8
 * @param ringVersion the version of the ring this node has applied
 * @param formats per format family, the newest version this node reads (see {@link
 *     io.dynamokv.core.wire.WireFormats}); empty for {@link
 *     io.dynamokv.core.wire.WireFormats#BASELINE}, which is what nodes that read nothing newer
 *     gossip, and older nodes
 */
public record NodeState(
    NodeId id,
    long generation,
    long version,
    NodeStatus status,
    String address,
    String zone,
    long ringVersion,
    SortedMap<String, Integer> formats) {

  /** Newer stamp wins; ties broken by content. */
  public static final Comparator<NodeState> ORDER =
      Comparator.comparing(NodeState::stamp)
          .thenComparing(NodeState::status)
          .thenComparing(NodeState::address)
          .thenComparing(NodeState::zone)
          .thenComparingLong(NodeState::ringVersion)
          .thenComparing(s -> s.formats().toString());

  public NodeState {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(zone, "zone");
    formats = Collections.unmodifiableSortedMap(new TreeMap<>(formats));
  }

  /** A state that reads the baseline formats. */
  public NodeState(
      NodeId id,
      long generation,
      long version,
      NodeStatus status,
      String address,
      String zone,
      long ringVersion) {
    this(id, generation, version, status, address, zone, ringVersion, new TreeMap<>());
  }

  /** This state's version stamp. */
  public VersionStamp stamp() {
    return new VersionStamp(generation, version);
  }

  /** The later of two states of the same node. */
  public static NodeState newer(NodeState a, NodeState b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return ORDER.compare(a, b) >= 0 ? a : b;
  }

  /** A copy with the version bumped (a heartbeat). */
  public NodeState beat() {
    return new NodeState(id, generation, version + 1, status, address, zone, ringVersion, formats);
  }

  /** A copy with {@code status}, version bumped. */
  public NodeState withStatus(NodeStatus newStatus) {
    return new NodeState(
        id, generation, version + 1, newStatus, address, zone, ringVersion, formats);
  }

  /** A copy with {@code ringVersion} applied, version bumped. */
  public NodeState withRingVersion(long newRingVersion) {
    return new NodeState(
        id, generation, version + 1, status, address, zone, newRingVersion, formats);
  }

  /** A copy in a new generation, version reset. */
  public NodeState withGeneration(long newGeneration) {
    return new NodeState(id, newGeneration, 0, status, address, zone, ringVersion, formats);
  }
}
