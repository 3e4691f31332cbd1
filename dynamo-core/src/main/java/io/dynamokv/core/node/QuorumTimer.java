/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How the coordinators end a request that does not reach its quorum: at its timeout, or at once
 * when too few replicas remain; each such end counts as a quorum failure.
 */
final class QuorumTimer {
  private final Scheduler scheduler;
  private final NodeStats stats;

  QuorumTimer(Scheduler scheduler, NodeStats stats) {
    this.scheduler = scheduler;
    this.stats = stats;
  }

  /**
   * Fails {@code result} after {@code timeout} unless it completed by then. Nothing is scheduled if
   * it already completed (a quorum that settled synchronously), and the timeout is cancelled as
   * soon as it completes, so finished requests do not pile up in the scheduler's queue.
   */
  void failAfter(Duration timeout, CompletableFuture<?> result, String op, Quorum<?> quorum) {
    unlessDone(timeout, result, () -> fail(result, op, quorum));
  }

  /**
   * Runs {@code action} after {@code delay} unless {@code result} completed by then. Nothing is
   * scheduled if it already completed, and the timer is cancelled as soon as it completes.
   */
  void unlessDone(Duration delay, CompletableFuture<?> result, Runnable action) {
    if (result.isDone()) {
      return;
    }
    Scheduler.Cancellable pending =
        scheduler.schedule(
            delay,
            () -> {
              if (!result.isDone()) {
                action.run();
              }
            });
    result.whenComplete((ignored, error) -> pending.cancel());
  }

  /** Fails {@code result} now: {@code quorum} cannot be reached. */
  void fail(CompletableFuture<?> result, String op, Quorum<?> quorum) {
    stats.quorumFailures++;
    result.completeExceptionally(quorum.failure(op));
  }

  /** The error for a key with fewer owners than the quorum needs, counted. */
  InsufficientReplicasException tooFewOwners(
      String op, List<NodeId> owners, int needed, int otherNeeded) {
    stats.quorumFailures++;
    return Quorum.tooFewOwners(op, owners, needed, otherNeeded);
  }
}
