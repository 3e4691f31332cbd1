/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.transfer;

import io.dynamokv.core.NodeId;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a {@link ClusterChange} would move if committed now: the plan an operator reads before the
 * commit (Riak's {@code cluster plan}). Counts are over every store: a (store, partition, replica)
 * assignment a node gains is one transfer.
 *
 * @param change the change planned
 * @param ringVersion the version of the ring the plan starts from
 * @param ownersBefore the nodes owning partitions now
 * @param ownersAfter the nodes owning partitions once the change is done
 * @param partitionsMoving partitions (over all stores) whose replica set changes
 * @param transfers (store, partition, new replica) assignments: copies to stream
 * @param estimatedBytes the bytes those copies hold, estimated from this node's own partitions
 *     (their average size); -1 when this node holds no data to estimate from
 * @param incoming per node, the copies it would receive
 * @param outgoing per node, the copies it would give up
 */
public record TransferPlan(
    ClusterChange change,
    long ringVersion,
    SortedSet<NodeId> ownersBefore,
    SortedSet<NodeId> ownersAfter,
    int partitionsMoving,
    long transfers,
    long estimatedBytes,
    SortedMap<NodeId, Long> incoming,
    SortedMap<NodeId, Long> outgoing) {
  public TransferPlan {
    Objects.requireNonNull(change, "change");
    ownersBefore = Collections.unmodifiableSortedSet(new TreeSet<>(ownersBefore));
    ownersAfter = Collections.unmodifiableSortedSet(new TreeSet<>(ownersAfter));
    incoming = Collections.unmodifiableSortedMap(new TreeMap<>(incoming));
    outgoing = Collections.unmodifiableSortedMap(new TreeMap<>(outgoing));
  }

  /** The plan for an operator, one fact per line. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("plan: ")
        .append(change.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
        .append(' ')
        .append(change.node())
        .append(" from ring version ")
        .append(ringVersion)
        .append('\n');
    sb.append("owners now:   ").append(ownersBefore).append('\n');
    sb.append("owners after: ").append(ownersAfter).append('\n');
    sb.append("partitions moving: ").append(partitionsMoving).append('\n');
    sb.append("copies to stream:  ").append(transfers).append('\n');
    sb.append("bytes to stream:   ")
        .append(
            estimatedBytes < 0 ? "unknown (no data here to estimate from)" : "~" + estimatedBytes)
        .append('\n');
    incoming.forEach(
        (n, c) -> sb.append("  ").append(n).append(" receives ").append(c).append('\n'));
    outgoing.forEach(
        (n, c) -> sb.append("  ").append(n).append(" gives up ").append(c).append('\n'));
    return sb.toString();
  }
}
