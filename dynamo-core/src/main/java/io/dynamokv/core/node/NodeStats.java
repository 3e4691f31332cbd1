/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StatusSection.Stat;
import io.dynamokv.core.spi.Scheduler;
import java.util.List;

/**
 * What a node coordinated since it started. Safe to read from any thread (metrics, status
 * requests). Only the node's scheduler writes the counters, one task at a time and in
 * happens-before order (see {@link Scheduler}), so a volatile field that one writer increments
 * loses no update and shows readers its latest value, without the cost of an atomic
 * read-modify-write on the request path.
 */
public final class NodeStats {
  volatile long reads;
  volatile long writes;
  volatile long forwarded;
  volatile long quorumFailures;
  volatile long duplicateForwards;
  volatile long reissuedDots;
  volatile long standIns;
  volatile long hintsStored;
  volatile long hintsRefused;
  volatile long readRepairs;
  volatile long readRepairsSkipped;
  volatile long groupCommits;
  volatile long groupCommitChanges;
  volatile long readRepairFailures;

  /** Counters at zero; the node that owns them counts. */
  public NodeStats() {}

  /** Reads this node coordinated. */
  public long reads() {
    return reads;
  }

  /** Writes (puts and deletes) this node coordinated. */
  public long writes() {
    return writes;
  }

  /** Writes this node forwarded to an owner of their key. */
  public long forwarded() {
    return forwarded;
  }

  /** Requests this node coordinated that heard from fewer than R or W replicas. */
  public long quorumFailures() {
    return quorumFailures;
  }

  /** Duplicated forwarded writes answered from the first one's outcome. */
  public long duplicateForwards() {
    return duplicateForwards;
  }

  /**
   * Keys found with two values under one dot (a dot issued twice somewhere), each counted once (see
   * {@link DynamoNode.EventListener#onReissuedDot}). Must stay 0.
   */
  public long reissuedDots() {
    return reissuedDots;
  }

  /** Replica writes of coordinated writes that a stand-in acknowledged for an owner. */
  public long standIns() {
    return standIns;
  }

  /** Hints this node stored or merged into: as a stand-in, or for owners that missed a write. */
  public long hintsStored() {
    return hintsStored;
  }

  /** Hints this node refused, or did not keep, because its hints were at their cap. */
  public long hintsRefused() {
    return hintsRefused;
  }

  /**
   * Read-repair writes this node sent to replicas that answered one of its reads with a stale set,
   * its own local repairs included.
   */
  public long readRepairs() {
    return readRepairs;
  }

  /** Read repairs skipped because as many as allowed were in flight already. */
  public long readRepairsSkipped() {
    return readRepairsSkipped;
  }

  /** Read-repair writes that failed or timed out. */
  public long readRepairFailures() {
    return readRepairFailures;
  }

  /** These counters as the node's {@code coordinator} status section. */
  public StatusSection section() {
    return new StatusSection(
        "coordinator",
        List.of(
            Stat.counter("reads", reads, "Reads coordinated"),
            Stat.counter("writes", writes, "Writes coordinated"),
            Stat.counter("forwarded", forwarded, "Writes forwarded to an owner"),
            Stat.counter(
                "stand.ins", standIns, "Replica writes a stand-in acknowledged for an owner"),
            Stat.counter("quorum.failures", quorumFailures, "Coordinations short of R or W"),
            Stat.counter(
                "duplicate.forwards",
                duplicateForwards,
                "Duplicated forwarded writes answered from the first outcome"),
            Stat.counter(
                "reissued.dots",
                reissuedDots,
                "Keys found holding two values under one dot: a dot issued twice (must stay 0)"),
            Stat.counter(
                "read.repairs",
                readRepairs,
                "Read-repair writes sent to replicas that answered a read with stale versions"),
            Stat.counter(
                "read.repairs.skipped",
                readRepairsSkipped,
                "Read repairs skipped because the most allowed were in flight"),
            Stat.counter(
                "group.commits",
                groupCommits,
                "Synced writes of queued data changes (group commit, sync durability only)"),
            Stat.counter(
                "group.commit.changes",
                groupCommitChanges,
                "Data changes written by group commits: divided by group.commits, the mean"
                    + " group size"),
            Stat.counter(
                "read.repair.failures",
                readRepairFailures,
                "Read-repair writes that failed or timed out")));
  }
}
