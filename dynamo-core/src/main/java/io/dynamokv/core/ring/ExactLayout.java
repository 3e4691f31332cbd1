/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import java.util.Arrays;

/**
 * The valid balanced layout that adds the fewest replica assignments to an old ring, by branch and
 * bound: the planner's last step on tiny rings (Q <= 32), where one assignment more is already 10 %
 * more than the least and the heuristics of {@link LayoutSearch} can miss it. Valid: N distinct
 * owners in every window of N consecutive partitions; balanced: ⌊Q/S⌋ to ⌈Q/S⌉ partitions each.
 *
 * <p>The bound on a partial layout is the cheapest valid completion ignoring balance, a dynamic
 * program over the last N - 1 owners computed once per choice of the first N - 1. The search stops
 * after a fixed number of nodes, so it is deterministic and bounded; it then returns the best
 * layout found so far.
 */
final class ExactLayout {
  private final int q;
  private final int s;
  private final int n;
  private final int[][] oldLists;
  private final int lo;
  private final int hi;
  private final int states;
  private final int[] layout;
  private final int[] counts;
  private long best;
  private long visited;
  private long floor;
  private double[][] bound;

  private int[] bestLayout;
  private boolean complete;

  /**
   * @param oldLists the old preference list (first n entries, member indices or -1) of each
   *     partition
   */
  ExactLayout(int[][] oldLists, int s, int n) {
    this.q = oldLists.length;
    this.s = s;
    this.n = n;
    this.oldLists = oldLists;
    this.lo = q / s;
    this.hi = (q + s - 1) / s;
    int st = 1;
    for (int i = 0; i < n - 1; i++) {
      st *= s;
    }
    this.states = st;
    this.layout = new int[q];
    this.counts = new int[s];
  }

  /**
   * Whether a search fits the planner's time: each of the S^(N-1) first owners needs a table of
   * Q·S^N entries before the node budget counts anything (about 2^26 in all, a fraction of a
   * second).
   */
  static boolean affordable(int q, int s, int n) {
    return (double) q * Math.pow(s, 2.0 * n - 1) <= 1 << 26;
  }

  /**
   * The cheapest layout that adds fewer than {@code upper} assignments, or null if none was found
   * within {@code maxNodes} search nodes; {@code floor} is a known lower bound, where it stops.
   */
  int[] search(long upper, long floor, long maxNodes) {
    best = upper;
    this.floor = floor;
    if (best <= floor) {
      complete = true;
      return null;
    }
    complete = prefixes(new int[n - 1], 0, maxNodes);
    return bestLayout;
  }

  /** Whether the last {@link #search} explored every layout it had to (it did not give up). */
  boolean complete() {
    return complete;
  }

  /**
   * The cost of the best layout the last {@link #search} found, or its {@code upper} if it found
   * none cheaper: the least when {@link #complete()}.
   */
  long best() {
    return best;
  }

  private boolean prefixes(int[] prefix, int i, long maxNodes) {
    if (i == n - 1) {
      bound = completions(prefix);
      Arrays.fill(counts, 0);
      int state = 0;
      for (int k = 0; k < n - 1; k++) {
        layout[k] = prefix[k];
        counts[prefix[k]]++;
        state = state * s + prefix[k];
      }
      if (!feasible(n - 2)) {
        return true;
      }
      return dfs(n - 1, state, 0, maxNodes);
    }
    for (int x = 0; x < s; x++) {
      boolean repeat = false;
      for (int k = 0; k < i; k++) {
        repeat |= prefix[k] == x;
      }
      if (!repeat) {
        prefix[i] = x;
        if (!prefixes(prefix, i + 1, maxNodes)) {
          return false;
        }
        if (best <= floor) {
          return true;
        }
      }
    }
    return true;
  }

  /**
   * bound[i][state]: the least cost of the windows not yet complete once positions up to i - 1 are
   * set and the last N - 1 of them are {@code state}, for any valid completion.
   */
  private double[][] completions(int[] prefix) {
    double[][] h = new double[q + 1][states];
    int[] window = new int[n];
    for (double[] row : h) {
      Arrays.fill(row, Double.POSITIVE_INFINITY);
    }
    // At i = q the remaining windows are the N - 1 that wrap onto the prefix.
    for (int state = 0; state < states; state++) {
      int[] tail = decode(state);
      double cost = 0;
      for (int k = 1; k < n && cost >= 0; k++) {
        int w = q - n + k;
        for (int j = 0; j < n; j++) {
          int pos = w + j;
          window[j] = pos < q ? tail[pos - (q - n + 1)] : prefix[pos - q];
        }
        cost = distinct(window) ? cost + gain(w, window) : -1;
      }
      h[q][state] = cost < 0 ? Double.POSITIVE_INFINITY : cost;
    }
    for (int i = q - 1; i >= n - 1; i--) {
      for (int state = 0; state < states; state++) {
        int[] last = decode(state);
        double bestNext = Double.POSITIVE_INFINITY;
        for (int x = 0; x < s; x++) {
          System.arraycopy(last, 0, window, 0, n - 1);
          window[n - 1] = x;
          if (!distinct(window)) {
            continue;
          }
          double c = gain(i - n + 1, window) + h[i + 1][(state % (states / s)) * s + x];
          bestNext = Math.min(bestNext, c);
        }
        h[i][state] = bestNext;
      }
    }
    return h;
  }

  private boolean dfs(int i, int state, long cost, long maxNodes) {
    if (++visited > maxNodes) {
      return false;
    }
    if (best <= floor) {
      return true;
    }
    if (cost + bound[i][state] >= best) {
      return true;
    }
    if (i == q) {
      best = cost + (long) bound[q][state];
      bestLayout = layout.clone();
      return true;
    }
    int[] window = new int[n];
    int[] last = decode(state);
    int next = state % (states / s);
    Integer[] order = new Integer[s];
    double[] value = new double[s];
    int options = 0;
    for (int x = 0; x < s; x++) {
      System.arraycopy(last, 0, window, 0, n - 1);
      window[n - 1] = x;
      if (counts[x] >= hi || !distinct(window)) {
        continue;
      }
      value[x] = gain(i - n + 1, window) + bound[i + 1][next * s + x];
      order[options++] = x;
    }
    Arrays.sort(order, 0, options, (a, b) -> Double.compare(value[a], value[b]));
    for (int k = 0; k < options; k++) {
      int x = order[k];
      if (cost + value[x] >= best) {
        break;
      }
      layout[i] = x;
      counts[x]++;
      System.arraycopy(last, 0, window, 0, n - 1);
      window[n - 1] = x;
      int g = gain(i - n + 1, window);
      if (feasible(i)) {
        if (!dfs(i + 1, next * s + x, cost + g, maxNodes)) {
          counts[x]--;
          return false;
        }
      }
      counts[x]--;
    }
    return true;
  }

  /** Whether the positions after {@code i} can still bring every member to ⌊Q/S⌋. */
  private boolean feasible(int i) {
    int missing = 0;
    for (int c : counts) {
      missing += Math.max(0, lo - c);
    }
    return missing <= q - 1 - i;
  }

  private int[] decode(int state) {
    int[] last = new int[n - 1];
    for (int k = n - 2; k >= 0; k--) {
      last[k] = state % s;
      state /= s;
    }
    return last;
  }

  private static boolean distinct(int[] window) {
    for (int a = 0; a < window.length; a++) {
      for (int b = a + 1; b < window.length; b++) {
        if (window[a] == window[b]) {
          return false;
        }
      }
    }
    return true;
  }

  private int gain(int w, int[] window) {
    int gain = 0;
    for (int x : window) {
      boolean had = false;
      for (int y : oldLists[w]) {
        had |= y == x;
      }
      gain += had ? 0 : 1;
    }
    return gain;
  }
}
