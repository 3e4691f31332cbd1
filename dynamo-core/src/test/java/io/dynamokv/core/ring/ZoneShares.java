/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What balance and the least movement mean for a ring laid out by zone (members in exactly N zones,
 * see {@code ZoneLayout}): every preference list holds one replica in each zone, so balance is per
 * zone (each of a zone's k members owns ⌊P/k⌋ to ⌈P/k⌉ of the zone's P partitions), and a joiner
 * must take its share of its zone's partitions.
 */
public final class ZoneShares {
  private ZoneShares() {}

  /** Whether {@code ring}'s layout is by zone for replication factor {@code n}. */
  public static boolean byZone(Ring ring, int n) {
    return ZoneLayout.pattern(ring, n) != null;
  }

  /** The members of every zone (members without one in zone {@code ""}). */
  public static Map<String, List<NodeId>> members(Ring ring) {
    TreeMap<String, List<NodeId>> members = new TreeMap<>();
    for (NodeId node : ring.nodes()) {
      members.computeIfAbsent(ring.zoneOf(node).orElse(""), z -> new ArrayList<>()).add(node);
    }
    return members;
  }

  /** The partitions owned by members of {@code zone}. */
  public static int partitions(Ring ring, String zone) {
    int count = 0;
    for (NodeId node : members(ring).get(zone)) {
      count += ring.partitionsOf(node).size();
    }
    return count;
  }

  /**
   * The least assignments a joiner adds when {@code after} is laid out by zone. Each of its zone's
   * P partitions is the zone's replica in the lists that pick it ({@code ZoneLayout#costs}); with k
   * members the joiner must own at least ⌊P/k⌋ of them, so it adds at least the cost of the
   * cheapest ⌊P/k⌋ (all Q when it is its zone's only member). When {@code before} was laid out by
   * zone on the same pattern, each zone peer must also keep ⌊P/k⌋ to ⌈P/k⌉ without taking any: it
   * gives at least its count above ⌈P/k⌉ and at most its count above ⌊P/k⌋, and the least takes
   * each peer's cheapest within those bounds (greedily: first what each must give, then the
   * cheapest left).
   */
  public static long joinLeast(Ring before, Ring after, NodeId joiner, int n) {
    String zone = after.zoneOf(joiner).orElse("");
    List<NodeId> peers = members(after).get(zone);
    int[] pattern = ZoneLayout.pattern(after, n);
    int[] cost = ZoneLayout.costs(pattern, n);
    int self = new ArrayList<>(members(after).keySet()).indexOf(zone);
    int[] old = ZoneLayout.pattern(before, n);
    boolean samePattern = old != null && java.util.Arrays.equals(old, pattern);
    TreeMap<NodeId, List<Integer>> held = new TreeMap<>();
    List<Integer> all = new ArrayList<>();
    for (int p = 0; p < pattern.length; p++) {
      if (pattern[p] == self) {
        all.add(p);
        held.computeIfAbsent(before.owner(p), x -> new ArrayList<>()).add(p);
      }
    }
    int k = peers.size();
    int floor = all.size() / k;
    int ceiling = (all.size() + k - 1) / k;
    java.util.Comparator<Integer> byCost = (a, b) -> cost[a] - cost[b];
    if (!samePattern) {
      all.sort(byCost);
      return all.subList(0, floor).stream().mapToLong(p -> cost[p]).sum();
    }
    long least = 0;
    int taken = 0;
    List<Integer> optional = new ArrayList<>();
    for (List<Integer> positions : held.values()) {
      positions.sort(byCost);
      int must = Math.max(0, positions.size() - ceiling);
      int may = Math.max(0, positions.size() - floor);
      for (int i = 0; i < may; i++) {
        if (i < must) {
          least += cost[positions.get(i)];
          taken++;
        } else {
          optional.add(positions.get(i));
        }
      }
    }
    optional.sort(byCost);
    for (int i = 0; taken < floor; i++, taken++) {
      least += cost[optional.get(i)];
    }
    return least;
  }
}
