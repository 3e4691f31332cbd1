/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import java.util.Arrays;

/**
 * A lower bound on the assignments any valid balanced layout adds to old preference lists, by
 * Lagrangian relaxation, independent of the planner's searches. The cost separates by partition: an
 * owner x at partition i adds one assignment for each of the N windows containing i whose old list
 * lacks x. Without balance, the cheapest layout with N distinct owners in every window is a dynamic
 * program over the last N - 1 owners (the first N - 1 fixed in turn, for the wrap). Balance (⌊Q/S⌋
 * to ⌈Q/S⌉ each) is priced in: for any prices λ, min over layouts of cost + Σ λ_x·count_x, minus Σ
 * max(λ_x·⌊Q/S⌋, λ_x·⌈Q/S⌉), is at most the cost of every balanced layout. The prices are improved
 * by subgradient steps; the best value, rounded up, is the bound.
 */
final class DualBound {
  private static final int ITERATIONS = 1500;
  private static final int CYCLIC_UP_TO = 64;

  private final int q;
  private final int s;
  private final int n;
  private final int lo;
  private final int hi;
  private final int states;
  private final double[][] cost;

  private final boolean cyclic;

  private DualBound(int[][] oldLists, int s, int n, boolean cyclic) {
    this.cyclic = cyclic;
    this.q = oldLists.length;
    this.s = s;
    this.n = n;
    this.cost = new double[q][s];
    this.states = Math.toIntExact(Math.round(Math.pow(s, n - 1)));
    this.lo = q / s;
    this.hi = (q + s - 1) / s;
    for (int i = 0; i < q; i++) {
      for (int j = 0; j < n; j++) {
        int[] old = oldLists[Math.floorMod(i - j, q)];
        for (int x = 0; x < s; x++) {
          boolean had = false;
          for (int y : old) {
            had |= y == x;
          }
          cost[i][x] += had ? 0 : 1;
        }
      }
    }
  }

  /**
   * The bound for old lists (member indices or -1), S members and N (S > N), given the cost {@code
   * upper} of a known valid balanced layout, which steers the steps (Polyak's rule).
   */
  static long of(int[][] oldLists, int s, int n, long upper) {
    return of(oldLists, s, n, upper, oldLists.length <= CYCLIC_UP_TO);
  }

  /** As above, with the wrapping windows relaxed or not ({@code cyclic}). */
  static long of(int[][] oldLists, int s, int n, long upper, boolean cyclic) {
    return new DualBound(oldLists, s, n, cyclic).run(upper);
  }

  private long run(long upper) {
    double[] lambda = new double[s];
    double best = Double.NEGATIVE_INFINITY;
    double theta = 1.0;
    int sinceBetter = 0;
    int[] counts = new int[s];
    double[] g = new double[s];
    for (int it = 0; it < ITERATIONS && best < upper - 1 + 1e-6; it++) {
      double value = minimise(lambda, counts);
      for (int x = 0; x < s; x++) {
        value -= Math.max(lambda[x] * lo, lambda[x] * hi);
      }
      if (value > best + 1e-9) {
        best = value;
        sinceBetter = 0;
      } else if (++sinceBetter >= 20) {
        theta /= 2;
        sinceBetter = 0;
      }
      double norm = 0;
      for (int x = 0; x < s; x++) {
        int target =
            lambda[x] > 0 ? hi : lambda[x] < 0 ? lo : Math.max(lo, Math.min(hi, counts[x]));
        g[x] = counts[x] - target;
        norm += g[x] * g[x];
      }
      if (norm == 0) {
        // The relaxation's best layout is balanced: the bound is as good as it gets.
        break;
      }
      double step = theta * Math.max(1.0, upper - value) / norm;
      for (int x = 0; x < s; x++) {
        lambda[x] += step * g[x];
      }
    }
    return (long) Math.ceil(best - 1e-6);
  }

  /**
   * min over valid layouts of cost + Σ λ·count; the minimiser's counts into {@code counts}. Rings
   * above {@link #CYCLIC_UP_TO} partitions relax the N - 1 windows that wrap (any first N - 1
   * owners, in one pass instead of one per choice of them): a lower bound still, and S^(N-1) times
   * faster.
   */
  private double minimise(double[] lambda, int[] counts) {
    double best = Double.POSITIVE_INFINITY;
    int[] prefix = new int[n - 1];
    int[] bestLayout = null;
    int combos = cyclic ? states : 1;
    for (int code = 0; code < combos; code++) {
      decode(code, prefix);
      if (combos > 1 && !distinct(prefix, n - 1)) {
        continue;
      }
      int[] layout = new int[q];
      double value = solve(prefix, code, lambda, layout);
      if (value < best) {
        best = value;
        bestLayout = layout;
      }
    }
    Arrays.fill(counts, 0);
    for (int owner : bestLayout) {
      counts[owner]++;
    }
    return best;
  }

  private double solve(int[] prefix, int start, double[] lambda, int[] layout) {
    double[] f = new double[states];
    double[] next = new double[states];
    int[][] choice = new int[q][states];
    Arrays.fill(f, Double.POSITIVE_INFINITY);
    int[] last = new int[n - 1];
    for (int state = 0; state < states; state++) {
      if (cyclic && state != start) {
        continue;
      }
      decode(state, last);
      if (!distinct(last, n - 1)) {
        continue;
      }
      double base = 0;
      for (int i = 0; i < n - 1; i++) {
        base += cost[i][last[i]] + lambda[last[i]];
      }
      f[state] = base;
    }
    for (int i = n - 1; i < q; i++) {
      Arrays.fill(next, Double.POSITIVE_INFINITY);
      for (int state = 0; state < states; state++) {
        if (f[state] == Double.POSITIVE_INFINITY) {
          continue;
        }
        decode(state, last);
        for (int x = 0; x < s; x++) {
          if (contains(last, x)) {
            continue;
          }
          int to = (state % (states / s)) * s + x;
          double v = f[state] + cost[i][x] + lambda[x];
          if (v < next[to]) {
            next[to] = v;
            choice[i][to] = state;
          }
        }
      }
      double[] t = f;
      f = next;
      next = t;
    }
    double best = Double.POSITIVE_INFINITY;
    int end = -1;
    int[] window = new int[n];
    for (int state = 0; state < states; state++) {
      if (f[state] == Double.POSITIVE_INFINITY) {
        continue;
      }
      decode(state, last);
      boolean ok = true;
      // The N - 1 windows that wrap: the tail's last owners followed by the prefix.
      for (int k = 1; k < n && ok && cyclic; k++) {
        for (int j = 0; j < n; j++) {
          int pos = k + j - 1;
          window[j] = pos < n - 1 ? last[pos] : prefix[pos - (n - 1)];
        }
        ok = distinct(window, n);
      }
      if (ok && f[state] < best) {
        best = f[state];
        end = state;
      }
    }
    if (end < 0) {
      return Double.POSITIVE_INFINITY;
    }
    int state = end;
    for (int i = q - 1; i >= n - 1; i--) {
      layout[i] = state % s;
      state = choice[i][state];
    }
    decode(state, last);
    System.arraycopy(last, 0, layout, 0, n - 1);
    return best;
  }

  private void decode(int state, int[] into) {
    for (int k = n - 2; k >= 0; k--) {
      into[k] = state % s;
      state /= s;
    }
  }

  private static boolean contains(int[] values, int x) {
    for (int v : values) {
      if (v == x) {
        return true;
      }
    }
    return false;
  }

  private static boolean distinct(int[] values, int length) {
    for (int a = 0; a < length; a++) {
      for (int b = a + 1; b < length; b++) {
        if (values[a] == values[b]) {
          return false;
        }
      }
    }
    return true;
  }
}
