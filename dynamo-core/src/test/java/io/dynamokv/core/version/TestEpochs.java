/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

/**
 * A node's epoch lease as the node would keep it: a durable counter that survives the loss of the
 * data directory (in production: cluster metadata or a generation number), and the incarnation
 * leased when the current data directory was created.
 */
final class TestEpochs implements EpochSource {
  private long next;
  private long incarnation;

  TestEpochs() {
    restart();
  }

  /** The node may have lost state (a new data directory, a rollback): a new incarnation starts. */
  void restart() {
    incarnation = leaseAbove(-1);
  }

  @Override
  public long incarnation() {
    return incarnation;
  }

  @Override
  public long leaseAbove(long floor) {
    next = Math.max(next, floor >= MAX_EPOCH ? 0 : floor + 1);
    return next++;
  }

  @Override
  public long leasedBelow() {
    return next;
  }

  /** Every life shares the counter (like a lease kept outside the data directory). */
  @Override
  public long ceiling() {
    return next;
  }
}
