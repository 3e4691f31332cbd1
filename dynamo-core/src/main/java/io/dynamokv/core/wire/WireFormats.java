/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How a format change rolls through a cluster node by node: every node gossips, per family, the
 * newest version it reads, and no node writes or sends a version that some member does not read
 * yet.
 *
 * <p>A node whose gossip carries no formats reads exactly {@link #BASELINE}: the formats of the
 * release that introduced this rule. So a node whose formats equal the baseline need not gossip
 * them (it does not, which keeps the gossip of such clusters as it was), and only a later release
 * that reads newer formats sends its table.
 *
 * <p>{@link #agreed} is the rule itself: for each family, the newest version every member reads.
 * Writers consult it (through the node's membership) before writing anything that another node may
 * read: a sibling set a replica stores and serves, a peer message, gossip.
 */
public final class WireFormats {
  /** The most families a node may gossip. */
  public static final int MAX_FAMILIES = 32;

  /**
   * What a node that gossips no formats reads: the release of issue 16. Never changes: later
   * releases gossip their own table instead.
   */
  public static final SortedMap<String, Integer> BASELINE =
      Collections.unmodifiableSortedMap(
          new TreeMap<>(
              Map.of(
                  "coordination", 1,
                  "failure", 1,
                  "membership", 3,
                  "ring", 2,
                  "siblings", 2)));

  /**
   * What this release reads, newest version per family: what a node gossips (as nothing, while it
   * equals {@link #BASELINE}). A release that reads a newer format raises it here (and in the
   * format's codec; the node package's tests check that the two agree).
   */
  public static final SortedMap<String, Integer> CURRENT = current();

  private static SortedMap<String, Integer> current() {
    TreeMap<String, Integer> current = new TreeMap<>(BASELINE);
    current.put("siblings", 3); // issue 23: contexts and sets with explicit dots
    current.put("anti-entropy", 1); // issue 19: Merkle tree exchanges
    current.put("transfer", 1); // issue 20: ownership transfer
    current.put("ring", 3); // issue 20: moving rings carry a pending layout
    current.put("coordination", 2); // a flush before hints delivered are deleted
    return Collections.unmodifiableSortedMap(current);
  }

  private WireFormats() {}

  /**
   * The newest version of each family that every member reads, for the families this node reads:
   * the minimum of {@code own} and every member's table ({@link #BASELINE} for an empty one). A
   * family some member does not read at all is left out: nothing of it may be sent yet.
   *
   * @param own the newest version of each family this node reads
   * @param members the tables the other members gossip (empty: the baseline)
   */
  public static SortedMap<String, Integer> agreed(
      Map<String, Integer> own, Collection<? extends Map<String, Integer>> members) {
    SortedMap<String, Integer> agreed = new TreeMap<>(own);
    for (Map<String, Integer> member : members) {
      Map<String, Integer> reads = member.isEmpty() ? BASELINE : member;
      agreed
          .entrySet()
          .removeIf(
              e -> {
                Integer theirs = reads.get(e.getKey());
                if (theirs == null) {
                  return true;
                }
                e.setValue(Math.min(e.getValue(), theirs));
                return false;
              });
    }
    return Collections.unmodifiableSortedMap(agreed);
  }

  /**
   * The version of {@code format}'s family to write: the agreed one, which is never above this
   * node's newest.
   *
   * @throws IllegalStateException when some member reads no version of the family at all (a feature
   *     it predates: the caller must not use it yet), or none this node still writes
   */
  public static int toWrite(WireFormat format, Map<String, Integer> agreed) {
    Integer version = agreed.get(format.family());
    if (version == null || version < format.oldest()) {
      throw new IllegalStateException(
          "not every member reads a "
              + format.family()
              + " format this node writes ("
              + format.oldest()
              + " to "
              + format.newest()
              + "); agreed: "
              + agreed);
    }
    return Math.min(version, format.newest());
  }
}
