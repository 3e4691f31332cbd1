/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.PartitionStrategy;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingPlanner;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Prints, as a Markdown table, how evenly strategies 3 and 1 (paper §6.2) spread the ring and how
 * much of it one join and one leave move, for S = 3 .. 1000 nodes and Q = 256, 1024, 4096.
 *
 * <p>Strategy 1 uses T = round(Q/S) tokens per node (at least 1), so both strategies describe the
 * ring with about Q ranges: the paper's comparison at equal membership metadata. All figures are
 * exact fractions of the 128-bit ring, not samples: "moved" is the fraction of keys whose primary
 * owner (first node of the preference list) changes. The joiner is a new node; the leaver is the
 * lowest-id node. Strategy 3 with S > Q is impossible and shown as n/a.
 *
 * <p>Run: {@code java -cp dynamo-bench/target/benchmarks.jar io.dynamokv.bench.RingBalanceReport}
 */
public final class RingBalanceReport {
  private static final int[] SIZES = {3, 5, 10, 30, 100, 1000};
  private static final int[] RING_SIZES = {256, 1024, 4096};
  private static final int N = RingPlanner.DEFAULT_REPLICAS;

  private RingBalanceReport() {}

  public static void main(String[] args) {
    long start = System.nanoTime();
    System.out.println(
        "| strategy | Q | S | T | max/mean | min/mean | target max/mean | join moved |"
            + " 1/(S+1) | join/(1/(S+1)) | leave moved | 1/S | tail violations |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (PartitionStrategy strategy :
        new PartitionStrategy[] {
          PartitionStrategy.FIXED_PARTITIONS, PartitionStrategy.RANDOM_TOKENS
        }) {
      for (int q : RING_SIZES) {
        for (int s : SIZES) {
          System.out.println(row(strategy, q, s));
        }
      }
    }
    System.out.printf(
        Locale.ROOT, "%nN = %d; computed in %.1f s%n", N, (System.nanoTime() - start) / 1e9);
  }

  private static String row(PartitionStrategy strategy, int q, int s) {
    boolean fixed = strategy == PartitionStrategy.FIXED_PARTITIONS;
    int t = Math.max(1, Math.round((float) q / s));
    String name = fixed ? "3" : "1";
    if (fixed && s > q) {
      return String.format(
          Locale.ROOT,
          "| %s | %d | %d | - | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |",
          name,
          q,
          s);
    }
    RingPlanner planner =
        fixed ? RingPlanner.fixedPartitions(q, N) : RingPlanner.randomTokens(t, N);
    TreeSet<NodeId> nodes = new TreeSet<>();
    for (int i = 0; i < s; i++) {
      nodes.add(NodeId.of(String.format(Locale.ROOT, "node-%04d", i)));
    }
    Ring ring = planner.initial(nodes, Map.of());
    double max = 0;
    double min = 1;
    for (NodeId node : nodes) {
      max = Math.max(max, ring.ownershipShare(node));
      min = Math.min(min, ring.ownershipShare(node));
    }
    double mean = 1.0 / s;
    Ring joined = planner.join(ring, NodeId.of("joiner"), null);
    Ring left = planner.leave(ring, nodes.first());
    double join = movedFraction(ring, joined);
    double leave = movedFraction(ring, left);
    String target = fixed ? fmt(Math.ceil((double) q / s) / ((double) q / s)) : "-";
    String violations = fixed ? Integer.toString(RingPlanner.violations(ring.owners(), N)) : "-";
    return String.format(
        Locale.ROOT,
        "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
        name,
        q,
        s,
        fixed ? "-" : Integer.toString(t),
        fmt(max / mean),
        fmt(min / mean),
        target,
        fmt(join),
        fmt(1.0 / (s + 1)),
        fmt(join * (s + 1)),
        fmt(leave),
        fmt(1.0 / s),
        violations);
  }

  /** The exact fraction of the ring whose primary owner differs between the two rings. */
  static double movedFraction(Ring before, Ring after) {
    TreeSet<Token> boundaries = new TreeSet<>();
    boundaries.addAll(before.tokens().keySet());
    boundaries.addAll(after.tokens().keySet());
    if (before.strategy() == PartitionStrategy.FIXED_PARTITIONS) {
      boundaries.add(Token.MIN);
    }
    Token[] cuts = boundaries.toArray(new Token[0]);
    double moved = 0;
    for (int i = 0; i < cuts.length; i++) {
      Token from = cuts[i];
      Token to = cuts[(i + 1) % cuts.length];
      // Every token in [from, to) lies in one range of each ring; use its first token.
      NodeId ownerBefore = before.owner(before.partitionOf(from));
      NodeId ownerAfter = after.owner(after.partitionOf(from));
      if (!ownerBefore.equals(ownerAfter)) {
        moved += new TokenRange(from, to).fraction();
      }
    }
    return moved;
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
