/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

/** How the ring is cut into ranges and given to nodes (paper §6.2). */
public enum PartitionStrategy {
  /**
   * Strategy 1: each node draws T random tokens; the ranges between consecutive tokens are the
   * partitions, so partitioning and placement change together on every join and leave.
   */
  RANDOM_TOKENS(1),
  /**
   * Strategy 3, the default: Q equal partitions (Q a power of two, a partition is the set of tokens
   * sharing their top log2(Q) bits), each node owning ⌊Q/S⌋ or ⌈Q/S⌉ of them. Only placement
   * changes on a join or leave; the paper found it the best balanced and the cheapest to describe.
   */
  FIXED_PARTITIONS(3);

  private final int paperNumber;

  PartitionStrategy(int paperNumber) {
    this.paperNumber = paperNumber;
  }

  /** The strategy's number in paper §6.2 (1 or 3). */
  public int paperNumber() {
    return paperNumber;
  }
}
