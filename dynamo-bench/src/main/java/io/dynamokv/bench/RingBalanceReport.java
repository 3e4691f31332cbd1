/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.ring.MovementTable;
import io.dynamokv.core.ring.MovementTable.Row;
import io.dynamokv.core.ring.MovementTable.Step;
import java.util.Locale;

/**
 * Prints, as a Markdown table, how much data strategy-3 ring changes move (paper §6.2), for S = 3
 * .. 10, 30, 100 and 1000 nodes, Q = 16 .. 4096 (where S + 1 <= Q), N = 3, without and with zones.
 *
 * <p>Movement is counted in (partition, replica) assignments: a node that enters the first N of a
 * partition's preference list receives that partition's data. Each row starts from the ring {@link
 * io.dynamokv.core.ring.RingPlanner#initial} plans for S nodes, joins one new node, and tries every
 * leaver (every k-th by id where the "leavers" column says fewer than S); the worst leave is shown.
 * The round trips are a leave followed by the same node's join and a join followed by its leave.
 * "least" is defined in {@link MovementTable}: the share bound, or for small clusters without zones
 * at Q <= 64 the exact minimum (marked *); "-" where it is not known.
 *
 * <p>Run: {@code java -cp dynamo-bench/target/benchmarks.jar io.dynamokv.bench.RingBalanceReport}
 */
public final class RingBalanceReport {
  private static final int[] SIZES = {3, 4, 5, 6, 7, 8, 9, 10, 30, 100, 1000};
  private static final int[] RING_SIZES = {16, 32, 64, 256, 1024, 4096};

  private RingBalanceReport() {}

  public static void main(String[] args) {
    long start = System.nanoTime();
    System.out.println(
        "| zones | Q | S | join moved / least | ratio | join primary | donors | leave moved / least"
            + " | ratio | leavers | leave+rejoin ratio | join+leave ratio | max/mean (bound) |"
            + " unbalanced | tail violations |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (boolean zoned : new boolean[] {false, true}) {
      for (int q : RING_SIZES) {
        for (int s : SIZES) {
          if (s + 1 <= q) {
            System.out.println(format(MovementTable.row(q, s, zoned, s >= 1000 ? 10 : 1)));
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%nN = %d; computed in %.0f s%n",
        MovementTable.N,
        (System.nanoTime() - start) / 1e9);
  }

  private static String format(Row row) {
    return String.format(
        Locale.ROOT,
        "| %s | %d | %d | %s | %s | %d | %d | %s | %s | %d | %s | %s | %.4f (%.4f) | %d | %d |",
        row.zoned() ? "3" : "-",
        row.q(),
        row.s(),
        movedOverLeast(row.join()),
        ratio(row.join()),
        row.join().primary(),
        row.join().donors(),
        movedOverLeast(row.leave()),
        ratio(row.leave()),
        row.leavers(),
        ratio(row.leaveAndRejoin()),
        ratio(row.joinAndLeave()),
        row.maxOverMean(),
        row.boundMaxOverMean(),
        row.unbalanced(),
        row.tailViolations());
  }

  private static String movedOverLeast(Step step) {
    if (step == null) {
      return "n/a";
    }
    String least = step.least() < 0 ? "-" : Long.toString(step.least());
    return switch (step.kind()) {
      case EXACT -> step.moved() + " / " + least + "*";
      case BOUND -> step.moved() + " / ≥" + least;
      case SHARE -> step.moved() + " / " + least;
    };
  }

  private static String ratio(Step step) {
    if (step == null || Double.isNaN(step.ratio())) {
      return "-";
    }
    // Against a lower bound on the least, moved / bound is an upper bound on the ratio.
    return (step.kind() == MovementTable.Least.BOUND ? "≤" : "")
        + String.format(Locale.ROOT, "%.3f", step.ratio());
  }
}
