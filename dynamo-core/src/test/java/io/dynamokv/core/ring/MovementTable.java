/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One row of the ring movement table (docs/benchmarks.md): a strategy-3 cluster of S nodes laid out
 * by {@link RingPlanner#initial}, one join, every possible leave, and the round trips, each
 * measured in (partition, replica) assignments added ({@link RingMovement#replicaMoves}) against
 * the least any valid balanced layout needs. Shared by {@code RingBalanceTest}, which asserts the
 * targets, and dynamo-bench's {@code RingBalanceReport}, which prints the table.
 *
 * <p>The least: on a join, the share the joiner must hold, N·⌊Q/(S+1)⌋ assignments (all Q when S +
 * 1 <= N); on a leave, the assignments the leaver holds (none when S - 1 < N: every list already
 * holds every remaining node). For small clusters, where the smaller of the two sizes is at most 2N
 * + 1, the distinct-owner rule can force more: there, without zones and for Q <= 64, the least is
 * the exact minimum over valid balanced layouts ({@link LeastMovement}); for larger Q it is not
 * known, and the row gives no ratio for that step. Zoned rows use the share bound.
 */
public final class MovementTable {
  /** The replication factor the table is computed for. */
  public static final int N = RingPlanner.DEFAULT_REPLICAS;

  /** The largest Q at which the exact least is searched. */
  public static final int EXACT_UP_TO = 64;

  private static final long SEARCH_NODES = 30_000_000L;

  private MovementTable() {}

  /** Node i of a table cluster. */
  public static NodeId node(int i) {
    return NodeId.of(String.format(Locale.ROOT, "node-%04d", i));
  }

  /** The zone of node i in zoned rows: three zones, dealt round-robin. */
  public static String zone(int i) {
    return "zone-" + (i % 3);
  }

  /** Whether a step between S and S ± 1 nodes is in the small class (smaller size <= 2N + 1). */
  public static boolean small(int smallerSize) {
    return smallerSize <= 2 * N + 1;
  }

  /** What a step's least is. */
  public enum Least {
    /** The share bound, taken as the least (a lower bound: ratios against it err high). */
    SHARE,
    /** The exact least, by exhaustive search ({@link LeastMovement}). */
    EXACT,
    /** A Lagrangian lower bound on the least ({@link DualBound}): the ratio is at most that. */
    BOUND
  }

  /**
   * One measured step.
   *
   * @param moved assignments added
   * @param least the least (see {@code kind}), or -1 if not known
   * @param kind what {@code least} is
   * @param primary partitions whose owner changed
   * @param donors nodes that gave up an assignment
   */
  public record Step(long moved, long least, Least kind, int primary, int donors) {
    /** moved / least; 1 when both are 0; NaN when the least is not known. */
    public double ratio() {
      if (least < 0) {
        return Double.NaN;
      }
      return least == 0 ? (moved == 0 ? 1.0 : Double.POSITIVE_INFINITY) : (double) moved / least;
    }

    /** Whether the least was found by exhaustive search. */
    public boolean exact() {
      return kind == Least.EXACT;
    }
  }

  /**
   * A row.
   *
   * @param join the join of a new node
   * @param leave the leave with the highest ratio (or the most moved, if no ratio is known)
   * @param leaveAndRejoin the worst leaver leaving then joining again (moved and least summed)
   * @param joinAndLeave the joiner joining then leaving again
   * @param maxOverMean the most partitions of a node over the mean, worst of all rings measured
   * @param boundMaxOverMean ⌈Q/S'⌉ over Q/S', the granularity bound, worst over the sizes S'
   * @param unbalanced rings with a node outside ⌊Q/S'⌋..⌈Q/S'⌉
   * @param tailViolations violating windows summed over the rings that can avoid them
   * @param leavers how many leavers were tried
   */
  public record Row(
      int q,
      int s,
      boolean zoned,
      Step join,
      Step leave,
      Step leaveAndRejoin,
      Step joinAndLeave,
      double maxOverMean,
      double boundMaxOverMean,
      int unbalanced,
      int tailViolations,
      int leavers) {}

  /**
   * Measures a row; {@code leaverStride} 1 tries every leaver, k every k-th (by id) for speed.
   * Needs {@code S + 1 <= Q}.
   */
  public static Row row(int q, int s, boolean zoned, int leaverStride) {
    RingPlanner planner = RingPlanner.fixedPartitions(q, N);
    TreeSet<NodeId> nodes = new TreeSet<>();
    TreeMap<NodeId, String> zones = new TreeMap<>();
    for (int i = 0; i < s; i++) {
      nodes.add(node(i));
      if (zoned) {
        zones.put(node(i), zone(i));
      }
    }
    Ring ring = planner.initial(nodes, zones);
    Checks checks = new Checks();
    checks.add(ring);

    NodeId joiner = node(s);
    Ring joined = planner.join(ring, joiner, zoned ? zone(s) : null);
    checks.add(joined);
    Step join = step(ring, joined, joinLeast(ring, joined, zoned));
    Ring back = planner.leave(joined, joiner);
    checks.add(back);
    Step joinAndLeave = sum(join, step(joined, back, leaveLeast(joined, back, joiner, zoned)));

    Step leave = null;
    NodeId worst = null;
    int leavers = 0;
    if (s > 1) {
      List<NodeId> order = new ArrayList<>(nodes);
      for (int i = 0; i < order.size(); i += leaverStride) {
        NodeId leaver = order.get(i);
        Ring left = planner.leave(ring, leaver);
        checks.add(left);
        Step step = step(ring, left, leaveLeast(ring, left, leaver, zoned));
        leavers++;
        if (leave == null || worse(step, leave)) {
          leave = step;
          worst = leaver;
        }
      }
    }
    Step leaveAndRejoin = null;
    if (worst != null) {
      Ring left = planner.leave(ring, worst);
      Ring rejoined = planner.join(left, worst, zoned ? zones.get(worst) : null);
      checks.add(rejoined);
      leaveAndRejoin = sum(leave, step(left, rejoined, joinLeast(left, rejoined, zoned)));
    }
    return new Row(
        q,
        s,
        zoned,
        join,
        leave,
        leaveAndRejoin,
        joinAndLeave,
        checks.maxOverMean,
        checks.bound,
        checks.unbalanced,
        checks.violations,
        leavers);
  }

  private static boolean worse(Step a, Step b) {
    double ra = a.ratio();
    double rb = b.ratio();
    if (Double.isNaN(ra) || Double.isNaN(rb)) {
      return Double.isNaN(rb) && !Double.isNaN(ra)
          || (Double.isNaN(ra) == Double.isNaN(rb)) && a.moved() > b.moved();
    }
    return ra > rb;
  }

  private static Step step(Ring before, Ring after, long[] least) {
    return new Step(
        RingMovement.replicaMoves(before, after, N),
        least[0],
        Least.values()[(int) least[1]],
        RingMovement.primaryMoves(before, after),
        RingMovement.donors(before, after, N).size());
  }

  private static Step sum(Step a, Step b) {
    long least = a.least() < 0 || b.least() < 0 ? -1 : a.least() + b.least();
    return new Step(
        a.moved() + b.moved(),
        least,
        a.kind() == Least.BOUND || b.kind() == Least.BOUND
            ? Least.BOUND
            : a.exact() && b.exact() ? Least.EXACT : Least.SHARE,
        a.primary() + b.primary(),
        Math.max(a.donors(), b.donors()));
  }

  /** {least, ordinal of its {@link Least}}. */
  private static long[] joinLeast(Ring before, Ring after, boolean zoned) {
    int q = before.partitionCount();
    int size = after.nodeCount();
    long share = size <= N ? q : (long) N * (q / size);
    if (zoned && ZoneShares.byZone(after, N)) {
      TreeSet<NodeId> joiners = new TreeSet<>(after.nodes());
      joiners.removeAll(before.nodes());
      share = ZoneShares.joinLeast(before, after, joiners.first(), N);
    }
    return refine(before, after, share, zoned, small(size - 1));
  }

  private static long[] leaveLeast(Ring before, Ring after, NodeId leaver, boolean zoned) {
    int size = after.nodeCount();
    long share = size < N ? 0 : RingMovement.assignments(before, leaver, N);
    return refine(before, after, share, zoned, small(size));
  }

  private static long[] refine(Ring before, Ring after, long share, boolean zoned, boolean small) {
    int q = before.partitionCount();
    int size = after.nodeCount();
    long moved = RingMovement.replicaMoves(before, after, N);
    boolean separable = RingPlanner.canSeparateReplicas(q, size, N);
    // Past 2N + 1 nodes the share is taken as the least (it is a lower bound, so the ratio errs
    // high: on tiny rings it is not always reachable), with S <= N every list holds every node,
    // and a step that moved no more than the share met it.
    if (zoned || !small || !separable || size <= N || moved <= share) {
      return new long[] {share, Least.SHARE.ordinal()};
    }
    if (q <= EXACT_UP_TO) {
      long least = LeastMovement.least(before, after.nodes(), N, moved, share, SEARCH_NODES);
      if (least >= 0) {
        return new long[] {least, Least.EXACT.ordinal()};
      }
    }
    int[][] oldLists = LeastMovement.oldLists(before, after.nodes(), N);
    long bound = Math.max(share, DualBound.of(oldLists, size, N, moved));
    return new long[] {bound, Least.BOUND.ordinal()};
  }

  private static final class Checks {
    double maxOverMean;
    double bound;
    int unbalanced;
    int violations;

    void add(Ring ring) {
      int q = ring.partitionCount();
      int s = ring.nodeCount();
      if (ZoneShares.byZone(ring, N)) {
        ZoneShares.members(ring)
            .forEach((zone, members) -> add(ring, members, ZoneShares.partitions(ring, zone)));
      } else {
        add(ring, new ArrayList<>(ring.nodes()), q);
      }
      violations += RingPlanner.violations(ring, N);
    }

    /** Balance of {@code members} sharing {@code q} partitions. */
    private void add(Ring ring, List<NodeId> members, int q) {
      int s = members.size();
      double mean = (double) q / s;
      for (NodeId node : members) {
        int count = ring.partitionsOf(node).size();
        maxOverMean = Math.max(maxOverMean, count / mean);
        if (count < q / s || count > (q + s - 1) / s) {
          unbalanced++;
        }
      }
      bound = Math.max(bound, ((q + s - 1) / s) / mean);
    }
  }
}
