/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node runs anti-entropy (SPEC §6): its Merkle trees and the background exchanges that
 * compare them with the other replicas of each partition.
 *
 * @param enabled whether the node keeps trees and exchanges them at all; off, replicas that missed
 *     a write are repaired only by hints and read repair
 * @param interval the pause between two exchanges this node starts; a full pass covers every
 *     partition it holds once with each other replica
 * @param bytesPerSecond the rate this node's exchanges may send at, all exchanges together
 * @param scanBatch how many keys one task of a tree build or a key scan reads before it yields to
 *     requests
 * @param treeDepth the levels of each tree kept in memory (2^depth leaves per partition); deeper
 *     levels are computed from a scan of their keys when an exchange descends there
 * @param tombstoneGrace how long a delete's tombstone is kept at least: a key holding deletes only
 *     is purged once its newest delete is this old and every owner holds exactly that set (see
 *     docs/ARCHITECTURE.md). Must be longer than the hints' maximum age, or a hint delivered after
 *     the purge could bring the deleted value back
 */
public record AntiEntropyConfig(
    boolean enabled,
    Duration interval,
    long bytesPerSecond,
    int scanBatch,
    int treeDepth,
    Duration tombstoneGrace) {
  public static final AntiEntropyConfig DEFAULTS =
      new AntiEntropyConfig(true, Duration.ofSeconds(1), 4L << 20, 512, 10, Duration.ofDays(1));

  public AntiEntropyConfig {
    Objects.requireNonNull(interval, "anti-entropy interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "the anti-entropy interval must be positive, found " + interval);
    }
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException(
          "the anti-entropy rate must be positive, found " + bytesPerSecond + " bytes/s");
    }
    if (scanBatch < 1) {
      throw new IllegalArgumentException(
          "the anti-entropy scan batch must be positive, found " + scanBatch);
    }
    Objects.requireNonNull(tombstoneGrace, "tombstone grace");
    if (tombstoneGrace.isNegative() || tombstoneGrace.isZero()) {
      throw new IllegalArgumentException(
          "the tombstone grace period must be positive, found " + tombstoneGrace);
    }
    if (treeDepth < 0 || treeDepth > 16) {
      throw new IllegalArgumentException(
          "the anti-entropy tree depth must be between 0 and 16, found " + treeDepth);
    }
  }

  public AntiEntropyConfig withEnabled(boolean on) {
    return new AntiEntropyConfig(
        on, interval, bytesPerSecond, scanBatch, treeDepth, tombstoneGrace);
  }

  public AntiEntropyConfig withInterval(Duration every) {
    return new AntiEntropyConfig(
        enabled, every, bytesPerSecond, scanBatch, treeDepth, tombstoneGrace);
  }

  public AntiEntropyConfig withBytesPerSecond(long rate) {
    return new AntiEntropyConfig(enabled, interval, rate, scanBatch, treeDepth, tombstoneGrace);
  }

  public AntiEntropyConfig withScanBatch(int keys) {
    return new AntiEntropyConfig(
        enabled, interval, bytesPerSecond, keys, treeDepth, tombstoneGrace);
  }

  public AntiEntropyConfig withTombstoneGrace(Duration grace) {
    return new AntiEntropyConfig(enabled, interval, bytesPerSecond, scanBatch, treeDepth, grace);
  }

  public AntiEntropyConfig withTreeDepth(int depth) {
    return new AntiEntropyConfig(
        enabled, interval, bytesPerSecond, scanBatch, depth, tombstoneGrace);
  }
}
