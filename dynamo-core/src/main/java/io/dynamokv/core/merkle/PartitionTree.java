/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;
import java.math.BigInteger;

/**
 * The Merkle tree of one partition (a {@link TokenRange}) of one store on one replica, over the
 * {@link KeyDigest}s of its keys.
 *
 * <p><b>Shape.</b> A key's position is {@code (token - start) mod 2^128}, so positions follow
 * storage order even in a range that wraps. With {@code W} the range's width (2^128 for the whole
 * ring), the node at depth {@code d} and index {@code i} (0 to 2^d - 1) covers the positions {@code
 * p} with {@code i·W/2^d <= p < (i+1)·W/2^d} (real division), i.e. {@code i = floor(p·2^d / W)};
 * the two children of {@code (d, i)} are {@code (d+1, 2i)} and {@code (d+1, 2i+1)}. For an aligned
 * power-of-two range (a strategy-3 partition) the nodes are aligned sub-ranges. Depths go to {@link
 * #maxDepth()}: at most {@value #MAX_DEPTH}, and less for a range so narrow that deeper nodes could
 * be empty.
 *
 * <p><b>Values.</b> A node's hash is the XOR of the digests of the keys under it, and it counts
 * them. XOR makes every change an update of one path ({@code hash ^= before ^ after}) and makes a
 * parent the XOR of its children, so an exchange that knows a parent and one child knows the other.
 * The levels 0 to {@link #levels()} are kept in arrays (2^(L+1) - 1 nodes, a long and an int each:
 * 24 KiB at the default L = {@value #DEFAULT_LEVELS}); deeper nodes are computed on demand by
 * {@link #summarize} from a {@link LeafSource} scan of their range.
 *
 * <p><b>Life.</b> A tree starts {@linkplain #building building}, with nothing scanned: a builder
 * feeds it the stored keys in storage order, in slices ({@link #addScanned}), and the replica
 * reports every change of a key ({@link #change}) as it happens. While building, a change is
 * applied only if its token is at or before the builder's cursor (the last token scanned): the scan
 * reads every later key in its latest state. {@link #finish} then makes the tree ready, and only
 * ready trees take part in exchanges. A tree that is {@linkplain #empty(TokenRange, int) empty} is
 * ready at once (a range the replica just started to own and holds nothing of).
 *
 * <p>Not thread-safe: the node uses a tree from its one scheduler thread only.
 */
public final class PartitionTree {
  /** The materialised levels by default: 2047 nodes. */
  public static final int DEFAULT_LEVELS = 10;

  /** The deepest depth of any tree. */
  public static final int MAX_DEPTH = 48;

  /** The most materialised levels a tree accepts (2^21 leaves). */
  public static final int MAX_LEVELS = 20;

  private static final BigInteger RING = BigInteger.ONE.shiftLeft(128);
  private static final BigInteger MASK = RING.subtract(BigInteger.ONE);

  private final TokenRange range;
  private final BigInteger width;
  private final BigInteger start;
  private final int maxDepth;
  private final int levels;
  private final long[] hashes; // node (d, i) at (1 << d) - 1 + i
  private final int[] counts;
  private final long[] boundHigh; // where leaf i starts: ceil(i·W / 2^levels), a position
  private final long[] boundLow;
  private boolean ready;
  private boolean scannedAny;
  private long cursorHigh;
  private long cursorLow;

  private PartitionTree(TokenRange range, int levels, boolean ready) {
    if (levels < 0 || levels > MAX_LEVELS) {
      throw new IllegalArgumentException(
          "materialised levels must be 0 to " + MAX_LEVELS + ", found " + levels);
    }
    this.range = range;
    this.start = toBig(range.start());
    BigInteger w = toBig(range.end()).subtract(start).and(MASK);
    this.width = w.signum() == 0 ? RING : w;
    this.maxDepth = Math.min(MAX_DEPTH, width.bitLength() - 1);
    this.levels = Math.min(levels, maxDepth);
    int nodes = (1 << (this.levels + 1)) - 1;
    this.hashes = new long[nodes];
    this.counts = new int[nodes];
    int leaves = 1 << this.levels;
    this.boundHigh = new long[leaves];
    this.boundLow = new long[leaves];
    for (int i = 0; i < leaves; i++) {
      BigInteger b = ceilDiv(width.multiply(BigInteger.valueOf(i)), this.levels);
      boundHigh[i] = b.shiftRight(64).longValue();
      boundLow[i] = b.longValue();
    }
    this.ready = ready;
  }

  /**
   * A tree of {@code range} to be built by a scan, with {@code levels} materialised levels (clamped
   * to the range's {@link #maxDepth()}).
   */
  public static PartitionTree building(TokenRange range, int levels) {
    return new PartitionTree(range, levels, false);
  }

  /** A ready tree of {@code range} holding no key. */
  public static PartitionTree empty(TokenRange range, int levels) {
    return new PartitionTree(range, levels, true);
  }

  /** The partition's range. */
  public TokenRange range() {
    return range;
  }

  /** L: the deepest materialised level. */
  public int levels() {
    return levels;
  }

  /** The deepest depth of this tree's nodes: every node down to it covers at least one token. */
  public int maxDepth() {
    return maxDepth;
  }

  /** Whether the tree is complete and may be exchanged. */
  public boolean isReady() {
    return ready;
  }

  // ---- building and changes ----

  /**
   * Adds a key read by the building scan. Keys MUST come in storage order, and a slice of the scan
   * MUST NOT end between two keys of the same token (they differ only by an MD5 collision).
   *
   * @throws IllegalStateException if the tree is ready
   * @throws IllegalArgumentException if the token is outside the range or before the cursor, or the
   *     digest is {@link KeyDigest#ABSENT}
   */
  public void addScanned(Token token, long digest) {
    if (ready) {
      throw new IllegalStateException("tree of " + range + " is ready: report changes instead");
    }
    if (digest == KeyDigest.ABSENT) {
      throw new IllegalArgumentException("a scanned key needs a digest, found ABSENT");
    }
    checkContains(token);
    long high = token.high() - range.start().high() - borrow(token, range.start());
    long low = token.low() - range.start().low();
    if (scannedAny && compare(high, low, cursorHigh, cursorLow) < 0) {
      throw new IllegalArgumentException(
          "scan went back: " + token + " is before the cursor of the tree of " + range);
    }
    scannedAny = true;
    cursorHigh = high;
    cursorLow = low;
    apply(leafOf(high, low), digest, 1);
  }

  /**
   * Moves the building scan's cursor to {@code token} without adding a key: for a record the scan
   * read and the tree leaves out (one that does not decode, or holds nothing), so that a key
   * written there later is not left to a scan that has passed it.
   *
   * @throws IllegalStateException if the tree is ready
   * @throws IllegalArgumentException if the token is outside the range or before the cursor
   */
  public void advanceTo(Token token) {
    if (ready) {
      throw new IllegalStateException("tree of " + range + " is ready: report changes instead");
    }
    checkContains(token);
    long high = token.high() - range.start().high() - borrow(token, range.start());
    long low = token.low() - range.start().low();
    if (scannedAny && compare(high, low, cursorHigh, cursorLow) < 0) {
      throw new IllegalArgumentException(
          "scan went back: " + token + " is before the cursor of the tree of " + range);
    }
    scannedAny = true;
    cursorHigh = high;
    cursorLow = low;
  }

  /** Marks the scan complete: the tree is ready. */
  public void finish() {
    ready = true;
  }

  /**
   * Records that the key at {@code token} changed from digest {@code before} to {@code after},
   * either {@link KeyDigest#ABSENT} for a key that was or became absent. Ignored while building if
   * the token is beyond the cursor (the scan will read it).
   *
   * @throws IllegalArgumentException if the token is outside the range
   */
  public void change(Token token, long before, long after) {
    checkContains(token);
    if (before == after) {
      return;
    }
    long high = token.high() - range.start().high() - borrow(token, range.start());
    long low = token.low() - range.start().low();
    if (!ready && !(scannedAny && compare(high, low, cursorHigh, cursorLow) <= 0)) {
      return;
    }
    int leaf = leafOf(high, low);
    int delta = (after != KeyDigest.ABSENT ? 1 : 0) - (before != KeyDigest.ABSENT ? 1 : 0);
    apply(leaf, before ^ after, delta);
  }

  private void apply(int leaf, long xor, int delta) {
    for (int d = levels; d >= 0; d--) {
      int at = (1 << d) - 1 + (leaf >>> (levels - d));
      hashes[at] ^= xor;
      counts[at] += delta;
    }
  }

  // ---- reading ----

  /** The root's hash: the XOR of every key's digest. */
  public long rootHash() {
    return hashes[0];
  }

  /** The number of keys in the tree. */
  public long rootCount() {
    return counts[0];
  }

  /** The hash of a materialised node ({@code depth <= levels()}). */
  public long hash(int depth, long index) {
    return hashes[slot(depth, index)];
  }

  /** The key count of a materialised node ({@code depth <= levels()}). */
  public long count(int depth, long index) {
    return counts[slot(depth, index)];
  }

  /**
   * The hash and count of any node down to {@link #maxDepth()}: from the arrays for a materialised
   * one, otherwise from a scan of its range in {@code leaves}.
   */
  public NodeSummary summarize(int depth, long index, LeafSource leaves) {
    if (depth <= levels) {
      int at = slot(depth, index);
      return new NodeSummary(hashes[at], counts[at]);
    }
    long[] acc = new long[2];
    leaves.scan(
        nodeRange(depth, index),
        (key, token, digest) -> {
          acc[0] ^= digest;
          acc[1]++;
        });
    return new NodeSummary(acc[0], acc[1]);
  }

  /**
   * The index of the node at {@code depth} ({@code <= maxDepth()}) whose range holds {@code token}.
   */
  public long indexOf(Token token, int depth) {
    checkDepth(depth);
    checkContains(token);
    long high = token.high() - range.start().high() - borrow(token, range.start());
    long low = token.low() - range.start().low();
    if (depth <= levels) {
      return leafOf(high, low) >>> (levels - depth);
    }
    BigInteger p = toBig(new Token(high, low));
    return p.shiftLeft(depth).divide(width).longValue();
  }

  /**
   * The tokens a node covers, from its first to the first of the next node. The root's is the
   * tree's range; every node down to {@link #maxDepth()} covers at least one token.
   */
  public TokenRange nodeRange(int depth, long index) {
    checkDepth(depth);
    checkIndex(depth, index);
    BigInteger from = ceilDiv(width.multiply(BigInteger.valueOf(index)), depth);
    BigInteger to = ceilDiv(width.multiply(BigInteger.valueOf(index).add(BigInteger.ONE)), depth);
    return new TokenRange(toToken(start.add(from)), toToken(start.add(to)));
  }

  /** The hash and key count of one node. */
  public record NodeSummary(long hash, long count) {}

  // ---- arithmetic ----

  private int slot(int depth, long index) {
    if (depth < 0 || depth > levels) {
      throw new IllegalArgumentException(
          "depth " + depth + " is not materialised (0 to " + levels + ")");
    }
    checkIndex(depth, index);
    return (1 << depth) - 1 + (int) index;
  }

  private void checkDepth(int depth) {
    if (depth < 0 || depth > maxDepth) {
      throw new IllegalArgumentException(
          "depth " + depth + " is outside 0 to " + maxDepth + " for the tree of " + range);
    }
  }

  private static void checkIndex(int depth, long index) {
    if (index < 0 || index >= (1L << depth)) {
      throw new IllegalArgumentException(
          "node index " + index + " is outside 0 to 2^" + depth + " - 1");
    }
  }

  private void checkContains(Token token) {
    if (!range.contains(token)) {
      throw new IllegalArgumentException(token + " is outside the tree's range " + range);
    }
  }

  /** The leaf (node at depth {@link #levels}) holding a position: the last bound at or below it. */
  private int leafOf(long high, long low) {
    int lo = 0;
    int hi = boundHigh.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (compare(boundHigh[mid], boundLow[mid], high, low) <= 0) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private static long borrow(Token a, Token b) {
    return Long.compareUnsigned(a.low(), b.low()) < 0 ? 1 : 0;
  }

  private static int compare(long aHigh, long aLow, long bHigh, long bLow) {
    int c = Long.compareUnsigned(aHigh, bHigh);
    return c != 0 ? c : Long.compareUnsigned(aLow, bLow);
  }

  /** ceil(x / 2^shift). */
  private static BigInteger ceilDiv(BigInteger x, int shift) {
    return x.add(BigInteger.ONE.shiftLeft(shift).subtract(BigInteger.ONE)).shiftRight(shift);
  }

  private static BigInteger toBig(Token token) {
    return new BigInteger(1, token.toBytes());
  }

  private static Token toToken(BigInteger value) {
    BigInteger v = value.and(MASK);
    return new Token(v.shiftRight(64).longValue(), v.longValue());
  }
}
