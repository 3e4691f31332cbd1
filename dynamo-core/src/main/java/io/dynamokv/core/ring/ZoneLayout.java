/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The strategy-3 layout of a ring whose members all have a zone and are spread over exactly N zones
 * (three zones for N = 3, the usual deployment), none with more members than ⌊Q/N⌋. Otherwise the
 * planner lays the ring out without regard to zones (only the walk spreads lists over them), and a
 * change that makes these conditions hold, or stop holding, re-lays the zone pattern: a one-time
 * larger move. The layout is chosen in two stages:
 *
 * <ol>
 *   <li>A <b>zone pattern</b>: the zone of every partition, repeating the N zones in a fixed order
 *       so that every window of N consecutive partitions spans all of them. When Q is not a
 *       multiple of N, each of the Q mod N partitions left over goes right after a partition of the
 *       zone with the most members, at evenly spaced places; each such pair repeats its zone in N -
 *       1 windows, the fewest any pattern allows. The pattern is kept while every partition's zone
 *       still has a member, so joins and leaves inside the zones never change it.
 *   <li>Within each zone, the zone's partitions are shared among its members: ⌊P/k⌋ or ⌈P/k⌉ of the
 *       zone's P partitions for each of its k members, the larger shares kept by the members that
 *       own most now. Members above their share give the surplus, their cheapest partitions first
 *       (below), the rest evenly spaced; orphans and surplus go to members below their share.
 * </ol>
 *
 * <p>With such a pattern the zone-aware walk ({@link Ring}) takes, for every partition, the first
 * owner of each zone clockwise from it, so a preference list is its window except next to a
 * repeated zone, where it reaches one partition further (whether or not the pair has one owner: the
 * walk skips a zone it has used). A change of owner inside a zone changes only that zone's replica
 * in the lists that take the partition. What a partition costs to move is therefore fixed by the
 * pattern: the number of lists whose replica in its zone it is, its distance back to the previous
 * partition of its zone (N almost everywhere; less right after a repeat, more across one). A join
 * takes its share of its zone's partitions and a leave hands the leaver's partitions to its zone
 * peers: no other zone and no other partition is touched, whatever the cluster size.
 *
 * <p>Balance is per zone: every list holds one replica in each zone, so a zone of k members holds Q
 * replica assignments and its members about Q/k each, whatever the sizes of the other zones. A
 * cluster whose zones differ in size is unbalanced across zones by construction (as with
 * Cassandra's racks); give the zones equal numbers of nodes.
 */
final class ZoneLayout {
  /** Zone patterns are aligned with the current one over every order of the zones up to here. */
  private static final int PERMUTED_UP_TO = 5;

  private ZoneLayout() {}

  /**
   * Whether a ring of Q = {@code q} partitions whose members are spread over zones as {@code
   * membersPerZone} is laid out by zone for N = {@code replicas}: exactly N zones, and no zone with
   * more members than its ⌊Q/N⌋ partitions.
   */
  static boolean applies(int[] membersPerZone, int q, int replicas) {
    if (replicas < 2 || membersPerZone.length != replicas) {
      return false;
    }
    for (int members : membersPerZone) {
      if (members > q / replicas) {
        return false;
      }
    }
    return true;
  }

  /**
   * The zone of every partition's owner in {@code ring} (an index into the sorted zone names), or
   * null unless every member has a zone and {@link #applies} holds for them.
   */
  static int[] pattern(Ring ring, int replicas) {
    if (ring.zones().size() < ring.nodeCount()) {
      return null;
    }
    TreeMap<String, Integer> zoneIds = new TreeMap<>();
    for (NodeId node : ring.nodes()) {
      zoneIds.put(ring.zoneOf(node).orElse(""), 0);
    }
    int id = 0;
    for (Map.Entry<String, Integer> e : zoneIds.entrySet()) {
      e.setValue(id++);
    }
    int[] membersPerZone = new int[zoneIds.size()];
    for (NodeId node : ring.nodes()) {
      membersPerZone[zoneIds.get(ring.zoneOf(node).orElse(""))]++;
    }
    if (!applies(membersPerZone, ring.partitionCount(), replicas)) {
      return null;
    }
    int[] pattern = new int[ring.partitionCount()];
    for (int p = 0; p < pattern.length; p++) {
      pattern[p] = zoneIds.get(ring.zoneOf(ring.owner(p)).orElse(""));
    }
    return pattern;
  }

  /**
   * Plans a layout.
   *
   * @param q partitions
   * @param zoneOfMember the zone (0 .. N - 1) of every member, members by index; every zone has one
   * @param owners the current owner of every partition as a member index, -1 for a departed one;
   *     null for a first layout
   * @param currentZones the zone of every partition's current owner, departed or not, as an index
   *     into the members' zones, -1 where it is not one of them; null for a first layout
   * @return the owner of every partition, as member indices
   */
  static int[] plan(int q, int[] zoneOfMember, int[] owners, int[] currentZones) {
    int n = 0;
    for (int zone : zoneOfMember) {
      n = Math.max(n, zone + 1);
    }
    int[] membersPerZone = new int[n];
    for (int zone : zoneOfMember) {
      membersPerZone[zone]++;
    }
    int[] pattern =
        keeps(currentZones, n) ? currentZones.clone() : pattern(q, n, membersPerZone, currentZones);
    int[] cost = costs(pattern, n);
    int[] result = new int[q];
    Arrays.fill(result, -1);
    for (int zone = 0; zone < n; zone++) {
      assignZone(zone, pattern, cost, zoneOfMember, owners, result);
    }
    return result;
  }

  /** Whether the current pattern stays: {@link #regular} (so every member gets a partition). */
  private static boolean keeps(int[] current, int n) {
    return current != null && regular(current, n);
  }

  /**
   * Whether {@code pattern} is one this class could have made: every partition in one of the N
   * zones, no window repeating a zone beyond those Q forces ({@link #excessRepeats}), and every
   * zone with at least ⌊Q/N⌋ partitions (so with {@link #applies}, one for each of its members).
   */
  static boolean regular(int[] pattern, int n) {
    if (excessRepeats(pattern, n) != 0) {
      return false;
    }
    int[] partitions = new int[n];
    for (int zone : pattern) {
      partitions[zone]++;
    }
    for (int count : partitions) {
      if (count < pattern.length / n) {
        return false;
      }
    }
    return true;
  }

  /**
   * The windows of N consecutive partitions that repeat a zone, beyond the (Q mod N)·(N - 1) that Q
   * forces; {@link Integer#MAX_VALUE} if a partition is in none of the N zones. Zero for every
   * pattern this class makes.
   */
  static int excessRepeats(int[] pattern, int n) {
    int q = pattern.length;
    for (int zone : pattern) {
      if (zone < 0 || zone >= n) {
        return Integer.MAX_VALUE;
      }
    }
    int repeating = 0;
    boolean[] seen = new boolean[n];
    for (int start = 0; start < q; start++) {
      Arrays.fill(seen, false);
      boolean repeats = false;
      for (int i = 0; i < n; i++) {
        int zone = pattern[(start + i) % q];
        repeats |= seen[zone];
        seen[zone] = true;
      }
      repeating += repeats ? 1 : 0;
    }
    return Math.max(0, repeating - (q % n) * (n - 1));
  }

  /**
   * A fresh pattern: the zones in some order, repeated, with the Q mod N partitions left over
   * inserted evenly around the ring in the zone with most members (lowest on ties). Of the orders
   * and phases, the one that agrees with {@code current} on most partitions.
   */
  private static int[] pattern(int q, int n, int[] membersPerZone, int[] current) {
    int extra = 0;
    for (int zone = 1; zone < n; zone++) {
      if (membersPerZone[zone] > membersPerZone[extra]) {
        extra = zone;
      }
    }
    int leftOver = q % n;
    int[] best = null;
    long bestAgreement = -1;
    for (int[] order : orders(n)) {
      for (int phase = 0; phase < n; phase++) {
        int[] candidate = new int[q];
        int next = phase;
        int inserted = 0;
        long agreement = 0;
        for (int p = 0; p < q; p++) {
          // Each left-over partition goes right after a partition of its zone, from its evenly
          // spaced place on: the two then share N - 1 windows, and each of them no other.
          boolean due = inserted < leftOver && p >= (2L * inserted + 1) * q / (2L * leftOver);
          boolean insert =
              due && (p > 0 && candidate[p - 1] == extra || q - p <= leftOver - inserted);
          if (insert) {
            candidate[p] = extra;
            inserted++;
          } else {
            candidate[p] = order[next++ % n];
          }
          if (current != null && current[p] == candidate[p]) {
            agreement++;
          }
        }
        if (agreement > bestAgreement) {
          bestAgreement = agreement;
          best = candidate;
        }
      }
    }
    return best;
  }

  /** Every order of the zones, or only the natural one past {@link #PERMUTED_UP_TO} zones. */
  private static List<int[]> orders(int n) {
    List<int[]> orders = new ArrayList<>();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (n > PERMUTED_UP_TO) {
      orders.add(order);
      return orders;
    }
    permute(order, 0, orders);
    return orders;
  }

  private static void permute(int[] order, int from, List<int[]> out) {
    if (from == order.length) {
      out.add(order.clone());
      return;
    }
    for (int i = from; i < order.length; i++) {
      swap(order, from, i);
      permute(order, from + 1, out);
      swap(order, from, i);
    }
  }

  private static void swap(int[] values, int a, int b) {
    int t = values[a];
    values[a] = values[b];
    values[b] = t;
  }

  /**
   * The number of preference lists whose replica in the partition's zone is the partition's owner:
   * the distance back to the previous partition of the same zone (the walk takes the first owner of
   * each zone clockwise). These are the assignments a new owner of the partition adds.
   */
  static int[] costs(int[] pattern, int n) {
    int q = pattern.length;
    int[] last = new int[n];
    Arrays.fill(last, -1);
    for (int p = 0; p < q; p++) {
      last[pattern[p]] = p;
    }
    int[] cost = new int[q];
    for (int p = 0; p < q; p++) {
      int zone = pattern[p];
      cost[p] = Math.floorMod(p - last[zone] - 1, q) + 1;
      last[zone] = p;
    }
    return cost;
  }

  private static void assignZone(
      int zone, int[] pattern, int[] cost, int[] zoneOfMember, int[] owners, int[] result) {
    int q = pattern.length;
    List<Integer> members = new ArrayList<>();
    for (int m = 0; m < zoneOfMember.length; m++) {
      if (zoneOfMember[m] == zone) {
        members.add(m);
      }
    }
    int k = members.size();
    int[] local = new int[zoneOfMember.length];
    Arrays.fill(local, -1);
    for (int i = 0; i < k; i++) {
      local[members.get(i)] = i;
    }
    List<List<Integer>> held = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      held.add(new ArrayList<>());
    }
    List<Integer> free = new ArrayList<>();
    int size = 0;
    for (int p = 0; p < q; p++) {
      if (pattern[p] != zone) {
        continue;
      }
      size++;
      int owner = owners == null ? -1 : owners[p];
      if (owner >= 0 && local[owner] >= 0) {
        held.get(local[owner]).add(p);
      } else {
        free.add(p);
      }
    }
    int[] targets = targets(held, size, cost);
    for (int i = 0; i < k; i++) {
      List<Integer> mine = held.get(i);
      int surplus = mine.size() - targets[i];
      if (surplus > 0) {
        List<Integer> given = surplus(mine, surplus, cost);
        mine.removeAll(new HashSet<>(given));
        free.addAll(given);
      }
      for (int p : mine) {
        result[p] = members.get(i);
      }
    }
    free.sort(null);
    int[] deficit = new int[k];
    for (int i = 0; i < k; i++) {
      deficit[i] = targets[i] - held.get(i).size();
    }
    for (int p : free) {
      int taker = -1;
      for (int i = 0; i < k; i++) {
        if (deficit[i] > 0 && (taker < 0 || deficit[i] > deficit[taker])) {
          taker = i;
        }
      }
      deficit[taker]--;
      result[p] = members.get(taker);
    }
  }

  /**
   * ⌊P/k⌋ for every member, plus one for the P mod k that own most now; among those owning as many,
   * the ones whose cheapest partition costs least give it up (ties: lower index).
   */
  private static int[] targets(List<List<Integer>> held, int size, int[] cost) {
    int k = held.size();
    int[] cheapest = new int[k];
    Integer[] order = new Integer[k];
    for (int i = 0; i < k; i++) {
      order[i] = i;
      cheapest[i] = Integer.MAX_VALUE;
      for (int p : held.get(i)) {
        cheapest[i] = Math.min(cheapest[i], cost[p]);
      }
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int byCount = held.get(b).size() - held.get(a).size();
          if (byCount != 0) {
            return byCount;
          }
          return cheapest[a] != cheapest[b] ? Integer.compare(cheapest[b], cheapest[a]) : a - b;
        });
    int[] targets = new int[k];
    Arrays.fill(targets, size / k);
    for (int i = 0; i < size % k; i++) {
      targets[order[i]]++;
    }
    return targets;
  }

  /**
   * The {@code surplus} partitions a member gives: its cheapest first (partitions next to a
   * repeated zone), then evenly spaced among the rest, so that a joiner's partitions spread around
   * the ring.
   */
  private static List<Integer> surplus(List<Integer> mine, int surplus, int[] cost) {
    int typical = typicalCost(mine, cost);
    List<Integer> cheap = new ArrayList<>();
    List<Integer> rest = new ArrayList<>();
    List<Integer> dear = new ArrayList<>();
    for (int p : mine) {
      (cost[p] < typical ? cheap : cost[p] == typical ? rest : dear).add(p);
    }
    cheap.sort((a, b) -> cost[a] != cost[b] ? cost[a] - cost[b] : a - b);
    List<Integer> given = new ArrayList<>(cheap.subList(0, Math.min(surplus, cheap.size())));
    int more = Math.min(surplus - given.size(), rest.size());
    for (int j = 0; j < more; j++) {
      given.add(rest.get((int) ((2L * j + 1) * rest.size() / (2L * more))));
    }
    dear.sort((a, b) -> cost[a] != cost[b] ? cost[a] - cost[b] : a - b);
    given.addAll(dear.subList(0, surplus - given.size()));
    return given;
  }

  /** The most common cost among {@code positions} (N for all but a few). */
  private static int typicalCost(List<Integer> positions, int[] cost) {
    TreeMap<Integer, Integer> histogram = new TreeMap<>();
    for (int p : positions) {
      histogram.merge(cost[p], 1, Integer::sum);
    }
    int typical = 0;
    int most = -1;
    for (Map.Entry<Integer, Integer> e : histogram.entrySet()) {
      if (e.getValue() > most) {
        most = e.getValue();
        typical = e.getKey();
      }
    }
    return typical;
  }
}
