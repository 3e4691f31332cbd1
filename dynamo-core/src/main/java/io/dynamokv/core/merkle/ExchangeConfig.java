/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

/**
 * How an initiator runs an exchange ({@link TreeExchange}): where the descent stops and how much
 * one step may carry.
 *
 * @param listThreshold T: a differing node with at most this many keys on either side is settled by
 *     B's key list instead of descending further ({@code >= 0})
 * @param maxListKeys a node is settled by key lists only if both sides hold at most this many keys
 *     in it (else A descends further, except at the deepest depth) ({@code >= 1})
 * @param maxProbes the most nodes one descend request probes ({@code >= 1})
 * @param maxSyncKeys the most keys one sync request carries ({@code >= 1})
 * @param maxSyncBytes the most bytes of sets one sync request carries, unless a single set is
 *     larger ({@code >= 1})
 * @param pullOnly whether the initiator only pulls: it sends its keys without their sets, so the
 *     responder learns nothing from it while it still merges the responder's sets (a node that lost
 *     data and does not vouch for what it holds yet)
 * @param pushOnly whether the initiator only pushes (a node handing a copy it gives up to an
 *     owner): it does not descend where its own tree has no key, does not list the keys only the
 *     responder holds, leaves out the differing keys whose sets read as absent, and ignores the
 *     responder's answers
 * @param broken a deliberately broken behaviour, {@link BrokenVariant#NONE} outside tests
 */
public record ExchangeConfig(
    int listThreshold,
    int maxListKeys,
    int maxProbes,
    int maxSyncKeys,
    int maxSyncBytes,
    boolean pullOnly,
    boolean pushOnly,
    BrokenVariant broken) {
  public ExchangeConfig {
    if (listThreshold < 0 || maxListKeys < 1 || maxProbes < 1 || maxSyncKeys < 1) {
      throw new IllegalArgumentException(
          "need listThreshold >= 0 and maxListKeys, maxProbes, maxSyncKeys >= 1");
    }
    if (maxSyncBytes < 1) {
      throw new IllegalArgumentException("maxSyncBytes must be >= 1, found " + maxSyncBytes);
    }
    if (pullOnly && pushOnly) {
      throw new IllegalArgumentException("an exchange cannot be both pull-only and push-only");
    }
    if (broken == null) {
      throw new IllegalArgumentException("broken variant must not be null");
    }
  }

  /** T = 2, lists of at most 256 keys, 512 probes, 128 keys and 256 KiB per sync, both ways. */
  public static ExchangeConfig defaults() {
    return new ExchangeConfig(2, 256, 512, 128, 256 * 1024, false, false, BrokenVariant.NONE);
  }

  public ExchangeConfig withListThreshold(int t) {
    return new ExchangeConfig(
        t, maxListKeys, maxProbes, maxSyncKeys, maxSyncBytes, pullOnly, pushOnly, broken);
  }

  public ExchangeConfig withMaxProbes(int n) {
    return new ExchangeConfig(
        listThreshold, maxListKeys, n, maxSyncKeys, maxSyncBytes, pullOnly, pushOnly, broken);
  }

  public ExchangeConfig withSyncBatch(int keys, int bytes) {
    return new ExchangeConfig(
        listThreshold, maxListKeys, maxProbes, keys, bytes, pullOnly, pushOnly, broken);
  }

  public ExchangeConfig withBroken(BrokenVariant b) {
    return new ExchangeConfig(
        listThreshold, maxListKeys, maxProbes, maxSyncKeys, maxSyncBytes, pullOnly, pushOnly, b);
  }

  public ExchangeConfig withPullOnly(boolean pull) {
    return new ExchangeConfig(
        listThreshold, maxListKeys, maxProbes, maxSyncKeys, maxSyncBytes, pull, pushOnly, broken);
  }

  public ExchangeConfig withPushOnly(boolean push) {
    return new ExchangeConfig(
        listThreshold, maxListKeys, maxProbes, maxSyncKeys, maxSyncBytes, pullOnly, push, broken);
  }
}
