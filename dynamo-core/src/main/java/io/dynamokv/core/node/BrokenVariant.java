/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.membership.Membership;
import java.time.Duration;

/**
 * Deliberately broken behaviours that prove the simulation's invariants bite: each must be caught
 * by the simulation's checks. Only tests switch them on, through the package-private {@code
 * DynamoNode.start}; production code always runs {@link #NONE}.
 */
enum BrokenVariant {
  NONE,
  /** The coordinator ignores the client's context: every write supersedes every local sibling. */
  UPDATE_IGNORES_CONTEXT,
  /**
   * The coordinator counts its own acknowledgement before its local write, which happens {@link
   * #LOCAL_WRITE_DELAY} later.
   */
  ACK_BEFORE_LOCAL_WRITE,
  /**
   * The node keeps its incarnation after a stop that may have lost commits and skips Riak's check
   * of the client's context, so a node whose disk rolled back reissues dots (the behaviour before
   * issue 14).
   */
  KEEPS_INCARNATION_AFTER_ROLLBACK,
  /** Membership applies gossip before validating it ({@link Membership.BrokenVariant}). */
  GOSSIP_APPLIED_BEFORE_VALIDATION,
  /** A stand-in acknowledges a hint without storing it: the write counts towards W anyway. */
  STAND_IN_ACKS_WITHOUT_STORING,
  /** Handoff deletes a hint as soon as it sends it, before the owner acknowledged it. */
  HINT_DELETED_BEFORE_ACK,
  /**
   * Reachability ignores the node's call outcomes: only the failure detector, fed by relayed gossip
   * too, decides ({@link Membership.BrokenVariant#GOSSIP_REACHABILITY_ONLY}).
   */
  GOSSIP_REACHABILITY_ONLY,
  /** Anti-entropy syncs one way only: the initiator never merges the responder's sets. */
  ANTI_ENTROPY_INITIATOR_SKIPS_MERGE,
  /** Anti-entropy syncs one way only: the responder never merges the initiator's sets. */
  ANTI_ENTROPY_RESPONDER_SKIPS_MERGE,
  /** A node that lost its data answers reads at once, as if it held every partition completely. */
  LOST_DATA_ANSWERS_AT_ONCE,
  /**
   * A tombstone is purged as soon as every owner holds it, without waiting out the grace period.
   */
  PURGE_IGNORES_GRACE,
  /** A tombstone is purged without asking whether every owner holds it. */
  PURGE_WITHOUT_VOTES,
  /**
   * A ring change switches owners at once, with no pending owners and nothing streamed: the
   * behaviour before issue 20, which loses acknowledged writes to a join.
   */
  SWITCH_AT_ONCE,
  /**
   * A write to a moving partition goes to, and counts, its current owners only, as before pending
   * owners existed (Cassandra before CASSANDRA-833): the pending ones get it from the stream, or
   * not at all.
   */
  W_COUNTS_CURRENT_OWNERS_ONLY,
  /** A donor drops a moving range as soon as its stream ends, before the new owner confirms. */
  TRANSFER_DROPS_AT_STREAM_END,
  /** A pending owner reports itself ready (and reads switch to it) before its copy is complete. */
  SWITCH_BEFORE_COMPLETE;

  /** How much later {@link #ACK_BEFORE_LOCAL_WRITE} writes locally. */
  static final Duration LOCAL_WRITE_DELAY = Duration.ofMillis(50);
}
