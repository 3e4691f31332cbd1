/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Searches for a cheap valid, balanced layout near an old one: the planner's tools for changes
 * where moving only the partitions that must move would repeat an owner in some window, and the
 * cheapest fix is not a single move (mostly small clusters).
 *
 * <p>The cost of a layout is the number of (partition, replica) assignments it adds: for every
 * window of n consecutive partitions, the new owners that were not among the old preference list of
 * its first partition. Valid means n distinct owners in every window; balanced, ⌊Q/S⌋ to ⌈Q/S⌉
 * partitions each. Three searches, all deterministic and bounded:
 *
 * <ul>
 *   <li>{@link #fill}: each orphaned partition filled by the cheapest change of the few partitions
 *       around it that gives one member one partition more; which member, a minimum-cost assignment
 *       within the members' shares (a min-cost flow).
 *   <li>{@link #search}: cost and validity depend only on n consecutive owners, so the cheapest
 *       valid layout is a shortest path whose state is the last n - 1 owners (S^(n-1) states per
 *       partition). Balance is not local: it is reached with a price per partition of each member,
 *       raised for members above their share and lowered for those below (Lagrangian relaxation).
 *       The layouts of the price rounds are spliced where they agree on n - 1 consecutive owners
 *       (each run between such places taken from either, towards balance, cheapest first), and what
 *       is left over is moved by the cheapest valid changes of one or two partitions.
 *   <li>{@link #improve}: a local search that re-solves every run of a few consecutive partitions
 *       exhaustively, towards balance first, then lower cost.
 * </ul>
 */
final class LayoutSearch {
  /** Work budget per pass: Q · S^n transitions. */
  static final long BUDGET = 3_000_000L;

  private static final int ROUNDS = 30;

  private final int q;
  private final int s;
  private final int n;
  private final int[] old;
  private final int[][] oldLists;
  private final int lo;
  private final int hi;

  /**
   * @param old the old owner of each partition as a member index, -1 for departed members
   * @param oldLists the old preference list (first n entries, member indices or -1) of each
   *     partition
   */
  LayoutSearch(int[] old, int[][] oldLists, int s, int n) {
    this.q = old.length;
    this.s = s;
    this.n = n;
    this.old = old;
    this.oldLists = oldLists;
    this.lo = q / s;
    this.hi = (q + s - 1) / s;
  }

  /** Whether one pass fits the budget. */
  static boolean affordable(int q, int s, int n) {
    double work = q * Math.pow(s, n);
    return n >= 2 && s > n && work <= BUDGET;
  }

  /**
   * The cheapest valid balanced layout found, starting the ring at a partition where {@code hint}
   * (a valid layout, typically the greedy plan) keeps the old owners, or null if none was found.
   */
  int[] search(int[] hint) {
    int cut = cutPoint(hint);
    double[] price = new double[s];
    int[] best = null;
    long bestCost = Long.MAX_VALUE;
    double step = 0.5;
    List<int[]> found = new ArrayList<>();
    List<int[]> balancedAlready = new ArrayList<>(); // balance is deterministic: once per layout
    if (valid(hint)) {
      found.add(hint);
    }
    for (int round = 0; round < ROUNDS; round++) {
      int[] layout = shortestPath(cut, hint, price);
      if (layout == null) {
        break;
      }
      if (found.stream().noneMatch(f -> Arrays.equals(f, layout))) {
        found.add(layout);
      }
      int[] counts = counts(layout);
      int off = off(counts);
      if (off <= 2 * s) {
        balancedAlready.add(layout);
        int[] balanced = balance(layout, counts);
        if (balanced != null) {
          long cost = cost(balanced);
          if (cost < bestCost) {
            bestCost = cost;
            best = balanced;
          }
        }
      }
      if (off == 0) {
        break;
      }
      for (int m = 0; m < s; m++) {
        price[m] +=
            step * Integer.signum(Math.max(0, counts[m] - hi) - Math.max(0, lo - counts[m]));
      }
      step = Math.max(0.02, step * 0.9);
    }
    // The rounds' layouts are cheap but often unbalanced by many partitions at once (prices move
    // whole runs of them): spliced together where they agree, they come near balance in between,
    // and the cheapest few of those are balanced by single moves.
    List<int[]> spliced = new ArrayList<>();
    for (int[] base : found) {
      int[] layout = base;
      for (int[] other : found) {
        if (other != base) {
          layout = splice(layout, other);
        }
      }
      int[] candidate = layout;
      if (off(counts(candidate)) <= 4 * s
          && spliced.stream().noneMatch(f -> Arrays.equals(f, candidate))) {
        spliced.add(candidate);
      }
    }
    long[] costs = spliced.stream().mapToLong(this::cost).toArray();
    Integer[] order = new Integer[spliced.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, java.util.Comparator.comparingLong(i -> costs[i]));
    for (int i = 0; i < Math.min(3, order.length); i++) {
      int[] layout = spliced.get(order[i]);
      if (balancedAlready.stream().anyMatch(f -> Arrays.equals(f, layout))) {
        continue; // a round's layout no splice changed
      }
      int[] balanced = balance(layout, counts(layout));
      if (balanced != null) {
        long cost = cost(balanced);
        if (cost < bestCost) {
          bestCost = cost;
          best = balanced;
        }
      }
    }
    return best;
  }

  private boolean valid(int[] layout) {
    int[] window = new int[n];
    for (int w = 0; w < q; w++) {
      if (layout[w] < 0 || windowGain(layout, w, window) < 0) {
        return false;
      }
    }
    return true;
  }

  /** How many partitions the members hold beyond ⌈Q/S⌉ or short of ⌊Q/S⌋, in total. */
  private int off(int[] counts) {
    int off = 0;
    for (int m = 0; m < s; m++) {
      off += Math.max(0, counts[m] - hi) + Math.max(0, lo - counts[m]);
    }
    return off;
  }

  /**
   * Takes runs of {@code b} into {@code a} (both valid): greedily, the run that brings the members
   * nearer balance at the least added cost per partition of balance gained (a run that only lowers
   * the cost counts by its saving), until none does either. Where both layouts agree on n - 1
   * consecutive partitions, every window lies on one side of that run, so the runs between two such
   * places may be taken from either layout independently and the result stays valid, its cost the
   * sum of the runs' costs.
   */
  private int[] splice(int[] a, int[] b) {
    List<Integer> cuts = new ArrayList<>();
    for (int c = 0; c < q; c++) {
      boolean agree = true;
      for (int i = 0; i < n - 1 && agree; i++) {
        agree = a[(c + i) % q] == b[(c + i) % q];
      }
      if (agree) {
        cuts.add(c);
      }
    }
    if (cuts.isEmpty() || cuts.size() == q) {
      return a;
    }
    int k = cuts.size();
    int[][] delta = new int[k][s];
    long[] extra = new long[k];
    int[] window = new int[n];
    for (int j = 0; j < k; j++) {
      int from = cuts.get(j);
      int to = j + 1 < k ? cuts.get(j + 1) : cuts.get(0) + q;
      for (int p = from; p < to; p++) {
        int at = p % q;
        delta[j][b[at]]++;
        delta[j][a[at]]--;
        extra[j] += windowGain(b, at, window) - windowGain(a, at, window);
      }
    }
    int[] counts = counts(a);
    boolean[] taken = new boolean[k];
    // Runs that hold the same members in both layouts (most of them) leave the balance as it is:
    // taken if cheaper, and kept out of the greedy loop below.
    List<Integer> movers = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      boolean same = true;
      for (int m = 0; m < s && same; m++) {
        same = delta[j][m] == 0;
      }
      if (!same) {
        movers.add(j);
      } else if (extra[j] < 0) {
        taken[j] = true;
      }
    }
    while (true) {
      int off = off(counts);
      int pick = -1;
      double bestRate = Double.POSITIVE_INFINITY;
      for (int j : movers) {
        if (taken[j]) {
          continue;
        }
        int gain = off - offAfter(counts, delta[j]);
        boolean better = gain > 0 || gain == 0 && extra[j] < 0;
        double rate = gain > 0 ? (double) extra[j] / gain : extra[j];
        if (better && rate < bestRate) {
          bestRate = rate;
          pick = j;
        }
      }
      if (pick < 0) {
        break;
      }
      taken[pick] = true;
      for (int m = 0; m < s; m++) {
        counts[m] += delta[pick][m];
      }
    }
    int[] result = a.clone();
    for (int j = 0; j < k; j++) {
      if (taken[j]) {
        int from = cuts.get(j);
        int to = j + 1 < k ? cuts.get(j + 1) : cuts.get(0) + q;
        for (int p = from; p < to; p++) {
          result[p % q] = b[p % q];
        }
      }
    }
    return result;
  }

  private int offAfter(int[] counts, int[] delta) {
    int off = 0;
    for (int m = 0; m < s; m++) {
      int c = counts[m] + delta[m];
      off += Math.max(0, c - hi) + Math.max(0, lo - c);
    }
    return off;
  }

  /** A start whose first n - 1 partitions keep their old owners in {@code hint}, if any. */
  private int cutPoint(int[] hint) {
    for (int c = 0; c < q; c++) {
      boolean kept = true;
      for (int i = 0; i < n - 1 && kept; i++) {
        int p = (c + i) % q;
        kept = hint[p] == old[p];
      }
      if (kept) {
        return c;
      }
    }
    return 0;
  }

  /** The cheapest valid layout at the given prices, with hint's owners on the first n - 1. */
  private int[] shortestPath(int cut, int[] hint, double[] price) {
    int states = 1;
    for (int i = 0; i < n - 1; i++) {
      states *= s;
    }
    int top = states / s;
    double[] dist = new double[states];
    double[] next = new double[states];
    int[][] from = new int[q][];
    Arrays.fill(dist, Double.POSITIVE_INFINITY);
    int[] window = new int[n];
    int start = 0;
    for (int i = 0; i < n - 1; i++) {
      start = start * s + hint[(cut + i) % q];
    }
    double prefixPrice = 0;
    for (int i = 0; i < n - 1; i++) {
      prefixPrice += price[hint[(cut + i) % q]];
    }
    dist[start] = prefixPrice;
    for (int r = n - 1; r < q; r++) {
      int p = (cut + r) % q;
      int w = Math.floorMod(p - n + 1, q);
      Arrays.fill(next, Double.POSITIVE_INFINITY);
      int[] back = new int[states];
      for (int state = 0; state < states; state++) {
        double d = dist[state];
        if (d == Double.POSITIVE_INFINITY) {
          continue;
        }
        decode(state, window);
        for (int x = 0; x < s; x++) {
          if (repeats(window, x)) {
            continue;
          }
          window[n - 1] = x;
          double c = d + gain(w, window) + price[x];
          int to = (state % top) * s + x;
          if (c < next[to]) {
            next[to] = c;
            back[to] = state;
          }
        }
      }
      from[r] = back;
      double[] t = dist;
      dist = next;
      next = t;
    }
    int[] layout = new int[q];
    for (int i = 0; i < n - 1; i++) {
      layout[(cut + i) % q] = hint[(cut + i) % q];
    }
    double bestEnd = Double.POSITIVE_INFINITY;
    int endState = -1;
    for (int state = 0; state < states; state++) {
      if (dist[state] == Double.POSITIVE_INFINITY) {
        continue;
      }
      decode(state, window);
      for (int i = 0; i < n - 1; i++) {
        layout[(cut + q - n + 1 + i) % q] = window[i];
      }
      double wrap = wrapCost(cut, layout);
      if (wrap >= 0 && dist[state] + wrap < bestEnd) {
        bestEnd = dist[state] + wrap;
        endState = state;
      }
    }
    if (endState < 0) {
      return null;
    }
    int state = endState;
    for (int r = q - 1; r >= n - 1; r--) {
      layout[(cut + r) % q] = state % s;
      state = from[r][state];
    }
    return layout;
  }

  /** The cost of the n - 1 windows that wrap past the cut, or -1 if one repeats an owner. */
  private double wrapCost(int cut, int[] layout) {
    int[] window = new int[n];
    double cost = 0;
    for (int k = 1; k < n; k++) {
      int w = (cut + q - n + k) % q;
      for (int i = 0; i < n; i++) {
        window[i] = layout[(w + i) % q];
      }
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          if (window[i] == window[j]) {
            return -1;
          }
        }
      }
      cost += gain(w, window);
    }
    return cost;
  }

  private void decode(int state, int[] window) {
    for (int i = n - 2; i >= 0; i--) {
      window[i] = state % s;
      state /= s;
    }
  }

  private boolean repeats(int[] window, int x) {
    for (int i = 0; i < n - 1; i++) {
      if (window[i] == x) {
        return true;
      }
    }
    for (int i = 0; i < n - 1; i++) {
      for (int j = i + 1; j < n - 1; j++) {
        if (window[i] == window[j]) {
          return true;
        }
      }
    }
    return false;
  }

  /** The owners of the window starting at {@code w} that were not in its old preference list. */
  private int gain(int w, int[] window) {
    int[] list = oldLists[w];
    int gain = 0;
    for (int x : window) {
      boolean had = false;
      for (int y : list) {
        had |= y == x;
      }
      if (!had) {
        gain++;
      }
    }
    return gain;
  }

  /** The assignments {@code layout} adds (its windows are assumed distinct). */
  long cost(int[] layout) {
    int[] window = new int[n];
    long cost = 0;
    for (int w = 0; w < q; w++) {
      for (int i = 0; i < n; i++) {
        window[i] = layout[(w + i) % q];
      }
      cost += gain(w, window);
    }
    return cost;
  }

  private int[] counts(int[] layout) {
    int[] counts = new int[s];
    for (int m : layout) {
      counts[m]++;
    }
    return counts;
  }

  /**
   * Moves partitions from members above ⌈Q/S⌉ to members below it, then to members below ⌊Q/S⌋ from
   * members above it: each time the cheapest valid change of one partition, or of two nearby
   * partitions (p from a to x, p2 from x to b), that does it; null if none is left.
   */
  private int[] balance(int[] layout, int[] counts) {
    int[] result = layout.clone();
    while (true) {
      int over = -1;
      int under = -1;
      for (int m = s - 1; m >= 0; m--) {
        if (counts[m] > hi) {
          over = m;
        }
        if (counts[m] < lo) {
          under = m;
        }
      }
      if (over < 0 && under < 0) {
        return result;
      }
      long bestDelta = Long.MAX_VALUE;
      int[] bestMove = null;
      for (int p = 0; p < q; p++) {
        int a = result[p];
        if (over >= 0 ? a != over : counts[a] <= lo) {
          continue;
        }
        for (int x = 0; x < s; x++) {
          if (x == a) {
            continue;
          }
          boolean direct = over >= 0 ? counts[x] < hi : x == under;
          if (direct) {
            long delta = delta(result, new int[] {p, x});
            if (delta < bestDelta) {
              bestDelta = delta;
              bestMove = new int[] {p, x};
            }
          }
          for (int d = -2 * n; d <= 2 * n; d++) {
            int p2 = Math.floorMod(p + d, q);
            if (p2 == p || result[p2] != x) {
              continue;
            }
            for (int b = 0; b < s; b++) {
              boolean fits = over >= 0 ? b != a && b != x && counts[b] < hi : b == under;
              if (!fits || b == x) {
                continue;
              }
              long delta = delta(result, new int[] {p, x, p2, b});
              if (delta < bestDelta) {
                bestDelta = delta;
                bestMove = new int[] {p, x, p2, b};
              }
            }
          }
        }
      }
      if (bestMove == null) {
        return null;
      }
      for (int i = 0; i < bestMove.length; i += 2) {
        counts[result[bestMove[i]]]--;
        result[bestMove[i]] = bestMove[i + 1];
        counts[bestMove[i + 1]]++;
      }
    }
  }

  /**
   * The assignments added by setting the given (partition, owner) pairs, or Long.MAX_VALUE if a
   * window then repeats an owner; {@code layout} is left as it was.
   */
  private long delta(int[] layout, int[] move) {
    int[] saved = new int[move.length / 2];
    long before = 0;
    long after = 0;
    int[] window = new int[n];
    int[] starts = new int[move.length / 2 * n];
    int count = 0;
    for (int i = 0; i < move.length; i += 2) {
      for (int k = 0; k < n; k++) {
        int w = Math.floorMod(move[i] - k, q);
        boolean seen = false;
        for (int j = 0; j < count; j++) {
          seen |= starts[j] == w;
        }
        if (!seen) {
          starts[count++] = w;
        }
      }
    }
    for (int j = 0; j < count; j++) {
      before += windowGain(layout, starts[j], window);
    }
    for (int i = 0; i < move.length; i += 2) {
      saved[i / 2] = layout[move[i]];
      layout[move[i]] = move[i + 1];
    }
    boolean valid = true;
    for (int j = 0; j < count; j++) {
      long g = windowGain(layout, starts[j], window);
      valid &= g >= 0;
      after += g;
    }
    for (int i = move.length - 2; i >= 0; i -= 2) {
      layout[move[i]] = saved[i / 2];
    }
    return valid ? after - before : Long.MAX_VALUE;
  }

  /** The gain of the window starting at {@code w}, or -1 if it repeats an owner. */
  private long windowGain(int[] layout, int w, int[] window) {
    for (int i = 0; i < n; i++) {
      window[i] = layout[(w + i) % q];
      for (int j = 0; j < i; j++) {
        if (window[j] == window[i] && window[i] >= 0) {
          return -1;
        }
      }
    }
    return gain(w, window);
  }

  /**
   * Local search from a valid balanced layout: re-solves every run of {@code length} consecutive
   * partitions exhaustively, its neighbours fixed and every member kept within ⌊Q/S⌋ to ⌈Q/S⌉, and
   * keeps each strict improvement, for a few passes over the ring.
   */
  int[] improve(int[] layout, int length, int passes) {
    int[] result = layout.clone();
    int[] counts = counts(result);
    Segment segment = new Segment(result, counts, length);
    for (int pass = 0; pass < passes; pass++) {
      boolean better = false;
      for (int a = 0; a < q; a++) {
        better |= segment.resolve(a);
      }
      if (!better) {
        break;
      }
    }
    return result;
  }

  /** The exhaustive re-solve of one run of partitions, in place. */
  private final class Segment {
    private final int[] layout;
    private final int[] counts;
    private final int length;
    private final int[] current;
    private final int[] best;
    private final int[] window;
    private int start;
    private long bestCost;
    private int bestImbalance;

    Segment(int[] layout, int[] counts, int length) {
      this.layout = layout;
      this.counts = counts;
      this.length = Math.min(length, q - 2 * (n - 1));
      this.current = new int[this.length];
      this.best = new int[this.length];
      this.window = new int[n];
    }

    boolean resolve(int a) {
      if (length < 1) {
        return false;
      }
      start = a;
      for (int i = 0; i < length; i++) {
        current[i] = layout[(a + i) % q];
        best[i] = current[i];
      }
      bestCost = 0;
      for (int k = 0; k < length + n - 1; k++) {
        bestCost += windowGain(layout, Math.floorMod(a - n + 1 + k, q), window);
      }
      long before = bestCost;
      bestImbalance = imbalance();
      int imbalanceBefore = bestImbalance;
      for (int i = 0; i < length; i++) {
        counts[current[i]]--;
      }
      search(0, 0);
      for (int i = 0; i < length; i++) {
        layout[(a + i) % q] = best[i];
        counts[best[i]]++;
      }
      return bestImbalance < imbalanceBefore || bestCost < before;
    }

    /** Positions before {@code i} are set in {@code layout}; {@code cost} covers their windows. */
    private int imbalance() {
      int off = 0;
      for (int m = 0; m < s; m++) {
        off += Math.max(0, counts[m] - hi) + Math.max(0, lo - counts[m]);
      }
      return off;
    }

    /**
     * Positions before {@code i} are set in {@code layout}; {@code cost} covers their windows. A
     * balanced layout stays balanced and gets cheaper; an unbalanced one gets closer to balance
     * first, then cheaper.
     */
    private void search(int i, long cost) {
      boolean balanced = bestImbalance == 0;
      if (balanced && cost >= bestCost) {
        return;
      }
      if (i == length) {
        long tail = 0;
        for (int k = 0; k < n - 1; k++) {
          long g = windowGain(layout, (start + length - n + 1 + k + q) % q, window);
          if (g < 0) {
            return;
          }
          tail += g;
        }
        int off = imbalance();
        if (off < bestImbalance || (off == bestImbalance && cost + tail < bestCost)) {
          bestImbalance = off;
          bestCost = cost + tail;
          for (int k = 0; k < length; k++) {
            best[k] = layout[(start + k) % q];
          }
        }
        return;
      }
      int p = (start + i) % q;
      int w = Math.floorMod(p - n + 1, q);
      for (int x = 0; x < s; x++) {
        if (balanced && counts[x] >= hi) {
          continue;
        }
        layout[p] = x;
        long g = windowGain(layout, w, window);
        if (g >= 0) {
          counts[x]++;
          search(i + 1, cost + g);
          counts[x]--;
        }
      }
    }
  }

  /**
   * Fills the orphaned partitions ({@code -1} in {@code holes}; every other partition keeps its
   * owner unless a fill changes it) at the least total cost: for each orphan and member, the
   * cheapest change of the partitions within {@code radius} of the orphan that fills it and gives
   * that member one partition more (and every other member as many as before); then a minimum-cost
   * assignment of orphans to members within their shares (a transportation problem, solved as a
   * min-cost flow), applied orphan by orphan; orphans the assignment leaves out take their cheapest
   * fill and the shares are evened out after. Null when some orphan cannot be filled.
   */
  int[] fill(int[] holes, int radius) {
    int[] layout = holes.clone();
    int[] counts = new int[s];
    int k = 0;
    for (int owner : layout) {
      if (owner >= 0) {
        counts[owner]++;
      } else {
        k++;
      }
    }
    int[] orphans = new int[k];
    k = 0;
    for (int p = 0; p < q; p++) {
      if (layout[p] < 0) {
        orphans[k++] = p;
      }
    }
    long[][] cost = new long[k][];
    for (int i = 0; i < k; i++) {
      cost[i] = new Fill(layout, orphans[i], radius).costs();
    }
    int[] assigned = transport(cost, counts);
    for (int i = 0; i < k; i++) {
      Fill fill = new Fill(layout, orphans[i], radius);
      fill.costs();
      int x = assigned[i];
      if (x < 0 || fill.best[x] == null) {
        // No share left for it, or an earlier fill nearby took its way: the cheapest fill, below
        // the share if possible; balance() evens out the rest.
        x = -1;
        for (int m = 0; m < s; m++) {
          if (fill.best[m] == null) {
            continue;
          }
          boolean room = counts[m] < hi;
          if (x < 0
              || (room && counts[x] >= hi)
              || (room == counts[x] < hi && fill.cost[m] < fill.cost[x])) {
            x = m;
          }
        }
        if (x < 0) {
          return null;
        }
      }
      fill.apply(x);
      counts[x]++;
    }
    int[] balanced = balance(layout, counts.clone());
    return balanced != null ? balanced : layout;
  }

  /**
   * Orphan i to a member: each orphan to one member, member m taking between max(0, ⌊Q/S⌋ -
   * counts[m]) and ⌈Q/S⌉ - counts[m], at the least total cost; -1 for orphans left out.
   */
  private int[] transport(long[][] cost, int[] counts) {
    int k = cost.length;
    // Vertices: 0 source, 1..k orphans, k+1..k+s members, k+s+1 sink.
    int sink = k + s + 1;
    int vertices = sink + 1;
    FlowGraph graph = new FlowGraph(vertices);
    long penalty = 1L << 32;
    for (int i = 0; i < k; i++) {
      graph.add(0, 1 + i, 1, 0);
      for (int m = 0; m < s; m++) {
        if (cost[i][m] < Long.MAX_VALUE) {
          graph.add(1 + i, k + 1 + m, 1, cost[i][m]);
        }
      }
    }
    for (int m = 0; m < s; m++) {
      int base = Math.max(0, lo - counts[m]);
      int extra = hi - Math.max(lo, counts[m]);
      if (base > 0) {
        graph.add(k + 1 + m, sink, base, 0);
      }
      if (extra > 0) {
        graph.add(k + 1 + m, sink, extra, penalty);
      }
    }
    graph.minCostFlow(0, sink, k);
    int[] assigned = new int[k];
    for (int i = 0; i < k; i++) {
      int target = graph.target(1 + i, k + 1);
      assigned[i] = target < 0 ? -1 : target - (k + 1);
    }
    return assigned;
  }

  /** The ways to fill one orphan by changing the partitions within a radius of it. */
  private final class Fill {
    private final int[] layout;
    private final int[] region;
    private final int first;
    private final int last;
    private final int[] window = new int[n];
    private final int[] before;
    private final long[] cost = new long[s];
    private final int[][] best = new int[s][];
    private final int[] delta = new int[s];

    Fill(int[] layout, int orphan, int radius) {
      this.layout = layout;
      int size = Math.min(2 * radius + 1, q);
      this.region = new int[size];
      for (int i = 0; i < size; i++) {
        region[i] = Math.floorMod(orphan - radius + i, q);
      }
      this.before = new int[size];
      for (int i = 0; i < size; i++) {
        before[i] = layout[region[i]];
      }
      this.first = Math.floorMod(region[0] - n + 1, q);
      this.last = region[size - 1];
    }

    long[] costs() {
      Arrays.fill(cost, Long.MAX_VALUE);
      search(0);
      for (int i = 0; i < region.length; i++) {
        layout[region[i]] = before[i];
      }
      return cost.clone();
    }

    void apply(int x) {
      for (int i = 0; i < region.length; i++) {
        layout[region[i]] = best[x][i];
      }
    }

    private void search(int i) {
      if (i == region.length) {
        int gainer = -1;
        for (int m = 0; m < s; m++) {
          if (delta[m] == 1 && gainer < 0) {
            gainer = m;
          } else if (delta[m] != 0) {
            return;
          }
        }
        if (gainer < 0) {
          return;
        }
        long total = 0;
        for (int w = first; ; w = (w + 1) % q) {
          long g = windowGain(layout, w, window);
          if (g < 0) {
            return;
          }
          total += g;
          if (w == last) {
            break;
          }
        }
        if (total < cost[gainer]) {
          cost[gainer] = total;
          best[gainer] = new int[region.length];
          for (int j = 0; j < region.length; j++) {
            best[gainer][j] = layout[region[j]];
          }
        }
        return;
      }
      int p = region[i];
      for (int x = 0; x < s; x++) {
        layout[p] = x;
        if (!validBehind(p, i)) {
          continue;
        }
        delta[x]++;
        if (before[i] >= 0) {
          delta[before[i]]--;
        }
        search(i + 1);
        delta[x]--;
        if (before[i] >= 0) {
          delta[before[i]]++;
        }
      }
      layout[p] = before[i];
    }

    /** Whether the n - 1 partitions before {@code p} (set or fixed) differ from it. */
    private boolean validBehind(int p, int i) {
      for (int d = 1; d < n; d++) {
        int other = layout[Math.floorMod(p - d, q)];
        if (other == layout[p]) {
          return false;
        }
      }
      if (i == region.length - 1) {
        for (int d = 1; d < n; d++) {
          if (layout[(p + d) % q] == layout[p]) {
            return false;
          }
        }
      }
      return true;
    }
  }

  /** A small min-cost flow (successive shortest paths, Bellman-Ford), deterministic. */
  private static final class FlowGraph {
    private final int vertices;
    private int[] head;
    private int[] next = new int[16];
    private int[] to = new int[16];
    private int[] capacity = new int[16];
    private long[] cost = new long[16];
    private int edges;

    FlowGraph(int vertices) {
      this.vertices = vertices;
      this.head = new int[vertices];
      Arrays.fill(head, -1);
    }

    void add(int from, int target, int cap, long price) {
      edge(from, target, cap, price);
      edge(target, from, 0, -price);
    }

    private void edge(int from, int target, int cap, long price) {
      if (edges == to.length) {
        next = Arrays.copyOf(next, edges * 2);
        to = Arrays.copyOf(to, edges * 2);
        capacity = Arrays.copyOf(capacity, edges * 2);
        cost = Arrays.copyOf(cost, edges * 2);
      }
      to[edges] = target;
      capacity[edges] = cap;
      cost[edges] = price;
      next[edges] = head[from];
      head[from] = edges++;
    }

    /** Sends up to {@code limit} units; returns how many went. */
    int minCostFlow(int source, int sink, int limit) {
      int sent = 0;
      long[] dist = new long[vertices];
      int[] via = new int[vertices];
      boolean[] queued = new boolean[vertices];
      int[] queue = new int[vertices + 1];
      while (sent < limit) {
        Arrays.fill(dist, Long.MAX_VALUE);
        Arrays.fill(via, -1);
        dist[source] = 0;
        int qh = 0;
        int qt = 0;
        queue[qt++] = source;
        queued[source] = true;
        while (qh != qt) {
          int u = queue[qh];
          qh = (qh + 1) % queue.length;
          queued[u] = false;
          for (int e = head[u]; e >= 0; e = next[e]) {
            if (capacity[e] > 0 && dist[u] + cost[e] < dist[to[e]]) {
              dist[to[e]] = dist[u] + cost[e];
              via[to[e]] = e;
              if (!queued[to[e]]) {
                queued[to[e]] = true;
                queue[qt] = to[e];
                qt = (qt + 1) % queue.length;
              }
            }
          }
        }
        if (dist[sink] == Long.MAX_VALUE) {
          return sent;
        }
        for (int v = sink; v != source; v = to[via[v] ^ 1]) {
          capacity[via[v]]--;
          capacity[via[v] ^ 1]++;
        }
        sent++;
      }
      return sent;
    }

    /** Where the unit that left {@code from} went, among targets {@code >= firstTarget}. */
    int target(int from, int firstTarget) {
      for (int e = head[from]; e >= 0; e = next[e]) {
        if ((e & 1) == 0 && to[e] >= firstTarget && capacity[e] == 0) {
          return to[e];
        }
      }
      return -1;
    }
  }
}
