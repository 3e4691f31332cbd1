/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Predicate;

/**
 * Read repair (paper §5): after a read, the replicas that answered with a stale set get the merge
 * of every answer, off the client's path.
 *
 * <p>A read is {@linkplain #watch watched} until every replica asked has answered or failed, or
 * until its timeout, whichever comes first; answers that arrive after the client got its own still
 * count. Then the answers are merged ({@link Siblings#sync}) and each replica that answered, is an
 * owner of the key (a stand-in's answer comes from a hint, which is not its data) and would store
 * something else after syncing the merge ({@link #isStale}) is sent the merge as a {@link
 * ReplicaWrite}, or, for this node, merges it locally. A tombstone is a version like any other and
 * is repaired the same way. Replicas that did not answer get nothing: hinted handoff and
 * anti-entropy cover them.
 *
 * <p>At most {@link NodeConfig#readRepairMaxInFlight()} repair writes are in flight per node; a
 * repair beyond it is skipped and counted, since anti-entropy repairs what read repair drops. The
 * local repair is a storage write made at once, never in flight, so it is not bounded. Runs on the
 * node's scheduler.
 */
final class ReadRepair {
  private final NodeId self;
  private final Scheduler scheduler;
  private final Replica replica;
  private final PeerCalls peers;
  private final NodeStats stats;
  private final boolean enabled;
  private final int maxInFlight;
  private final int maxClockEntries;
  private int inFlight;

  ReadRepair(
      NodeConfig config, Scheduler scheduler, Replica replica, PeerCalls peers, NodeStats stats) {
    this.self = config.self();
    this.scheduler = scheduler;
    this.replica = replica;
    this.peers = peers;
    this.stats = stats;
    this.enabled = config.readRepair();
    this.maxInFlight = config.readRepairMaxInFlight();
    this.maxClockEntries = config.maxClockEntries();
  }

  /**
   * Starts watching the read of {@code key} that {@code quorum} tracks, and returns what the read
   * coordinator must run after each answer or failure it records. The repair happens once, when the
   * quorum is {@linkplain Quorum#isComplete complete} or {@code timeout} after this call. With read
   * repair off, nothing is watched and the hook does nothing.
   *
   * @param isOwner whether a replica is an owner of {@code key}: only owners are repaired
   * @param timeout the read's timeout, also that of each repair write
   */
  Runnable watch(
      StoreDefinition def,
      byte[] key,
      Quorum<Siblings> quorum,
      Predicate<NodeId> isOwner,
      Duration timeout) {
    if (!enabled) {
      return () -> {};
    }
    boolean[] done = {false};
    Scheduler.Cancellable[] deadline = {null};
    Runnable repairOnce =
        () -> {
          if (done[0]) {
            return;
          }
          done[0] = true;
          if (deadline[0] != null) {
            deadline[0].cancel();
          }
          repair(def, key, quorum.responses(), isOwner, timeout);
        };
    deadline[0] = scheduler.schedule(timeout, repairOnce);
    return () -> {
      if (quorum.isComplete()) {
        repairOnce.run();
      }
    };
  }

  /** Sends the merge of {@code answers} to each owner among them that holds a stale set. */
  private void repair(
      StoreDefinition def,
      byte[] key,
      SortedMap<NodeId, Siblings> answers,
      Predicate<NodeId> isOwner,
      Duration timeout) {
    if (answers.size() < 2) {
      return;
    }
    Siblings merged = Siblings.syncAll(answers.values());
    byte[] encoded = null;
    for (Map.Entry<NodeId, Siblings> answer : answers.entrySet()) {
      NodeId node = answer.getKey();
      if (!isOwner.test(node) || !isStale(answer.getValue(), merged)) {
        continue;
      }
      if (node.equals(self)) {
        stats.readRepairs++;
        replica.mergeLater(def, key, merged); // nobody waits for its acknowledgement
        continue;
      }
      if (inFlight >= maxInFlight) {
        stats.readRepairsSkipped++;
        continue;
      }
      if (encoded == null) {
        encoded = VersionCodec.encode(merged);
      }
      inFlight++;
      stats.readRepairs++;
      peers.call(
          node,
          new ReplicaWrite(def.name(), key, encoded),
          ReplicaWriteReply.class,
          timeout,
          (reply, error) -> {
            inFlight--;
            if (error != null) {
              stats.readRepairFailures++;
            }
          });
    }
  }

  /**
   * Whether a replica holding {@code held} would store something else after syncing {@code merged}:
   * what it stores is the synced set pruned ({@link Replica#merge}), so a set that differs from the
   * merge only by entries pruning would drop again is not stale, and is not repaired over and over.
   */
  boolean isStale(Siblings held, Siblings merged) {
    return !Siblings.sync(held, merged).pruned(maxClockEntries).equals(held);
  }

  /** Repair writes sent and not yet answered (for tests). */
  int inFlight() {
    return inFlight;
  }
}
