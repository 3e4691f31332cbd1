/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import static io.dynamokv.core.merkle.TestSets.bytes;
import static io.dynamokv.core.merkle.TestSets.key;
import static io.dynamokv.core.merkle.TestSets.overwritten;
import static io.dynamokv.core.merkle.TestSets.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;
import io.dynamokv.core.version.Siblings;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The tree's shape, its incremental upkeep and its sliced build. */
class PartitionTreeTest {
  private static final BigInteger RING = BigInteger.ONE.shiftLeft(128);

  /** A wrapping range of odd width and its complement: the awkward partitions of strategy 1. */
  private static final TokenRange WRAPPING =
      new TokenRange(new Token(0xF000_0000_0000_0001L, 17), new Token(0x2000_0000_0000_0000L, 3));

  private static final List<TokenRange> TWO_WRAPPING =
      List.of(WRAPPING, new TokenRange(WRAPPING.end(), WRAPPING.start()));

  @Property(tries = 20)
  void equalDataGivesEqualTreesWhateverTheOrderOrHowBuilt(@ForAll long seed) {
    Random random = new Random(seed);
    List<Integer> ids = new ArrayList<>();
    List<Siblings> sets = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      ids.add(i);
      sets.add(written(bytes(random, 20), "n" + random.nextInt(3)));
    }
    MemoryReplica inOrder = new MemoryReplica(TWO_WRAPPING, 6);
    MemoryReplica shuffled = new MemoryReplica(TWO_WRAPPING, 6);
    for (int i : ids) {
      inOrder.put(key(i), sets.get(i));
    }
    List<Integer> order = new ArrayList<>(ids);
    Collections.shuffle(order, random);
    for (int i : order) {
      // detours: a wrong value first, and a key that comes and goes
      shuffled.put(key(i), written(bytes(random, 5), "x"));
      shuffled.put(key(1_000 + i), written(bytes(random, 5), "x"));
      shuffled.put(key(i), sets.get(i));
      shuffled.put(key(1_000 + i), Siblings.empty());
    }
    MemoryReplica scanned = new MemoryReplica(TWO_WRAPPING, 6);
    for (int i : ids) {
      scanned.put(key(i), sets.get(i));
    }
    scanned.rebuildTrees();
    for (int p = 0; p < 2; p++) {
      assertThat(nodes(shuffled.tree(p))).isEqualTo(nodes(inOrder.tree(p)));
      assertThat(nodes(scanned.tree(p))).isEqualTo(nodes(inOrder.tree(p)));
      assertThat(inOrder.tree(p).rootHash()).isNotZero();
    }
    assertThat(inOrder.tree(0).rootCount() + inOrder.tree(1).rootCount()).isEqualTo(400);
  }

  @Property(tries = 20)
  void oneChangedKeyChangesExactlyOneLeafToRootPath(@ForAll long seed) {
    Random random = new Random(seed);
    MemoryReplica replica = new MemoryReplica(MemoryReplica.equalPartitions(4), 8);
    for (int i = 0; i < 2_000; i++) {
      replica.put(key(i), written(bytes(random, 20), "n1"));
    }
    byte[] changed = key(random.nextInt(2_000));
    boolean isNew = random.nextBoolean();
    if (isNew) {
      changed = key(5_000 + random.nextInt(1_000));
    }
    Token token = Token.of(changed);
    int p = replica.partitionOf(token);
    PartitionTree tree = replica.tree(p);
    long[] before = nodes(tree);
    Siblings old = replica.read("s", changed);
    replica.put(changed, overwritten(old, bytes(random, 20), "n2"));
    long[] after = nodes(tree);
    Set<String> differing = new HashSet<>();
    for (int i = 0; i < before.length; i += 4) {
      if (before[i + 2] != after[i + 2] || before[i + 3] != after[i + 3]) {
        differing.add(before[i] + "/" + before[i + 1]);
      }
    }
    Set<String> path = new HashSet<>();
    for (int d = 0; d <= tree.levels(); d++) {
      path.add(d + "/" + tree.indexOf(token, d));
    }
    assertThat(differing).isEqualTo(path);
    for (int other = 0; other < 4; other++) {
      if (other != p) {
        assertThat(replica.tree(other).rootCount()).isPositive();
      }
    }
  }

  /**
   * A build in slices while keys keep changing before and after the cursor ends equal to a tree
   * built from the final data.
   */
  @Property(tries = 30)
  void aBuildRacingChangesEndsEqualToATreeOfTheFinalData(@ForAll long seed) {
    Random random = new Random(seed);
    MemoryReplica live = new MemoryReplica(TWO_WRAPPING, 5);
    for (int i = 0; i < 300; i++) {
      live.put(key(random.nextInt(600)), written(bytes(random, 10), "n1"));
    }
    PartitionTree building = PartitionTree.building(WRAPPING, 5);
    BigInteger cursor = null;
    while (true) {
      // one slice: the next keys after the cursor, in storage order
      List<Object[]> slice = new ArrayList<>();
      BigInteger last = cursor;
      live.scan(
          WRAPPING,
          (key, token, digest) -> {
            if ((last == null || position(token).compareTo(last) > 0) && slice.size() < 7) {
              slice.add(new Object[] {token, digest});
            }
          });
      if (slice.isEmpty()) {
        break;
      }
      for (Object[] k : slice) {
        building.addScanned((Token) k[0], (Long) k[1]);
        cursor = position((Token) k[0]);
      }
      assertThat(building.isReady()).isFalse();
      for (int c = random.nextInt(6); c > 0; c--) {
        byte[] key = key(random.nextInt(600));
        Token token = Token.of(key);
        Siblings before = live.read("s", key);
        Siblings after =
            random.nextInt(4) == 0
                ? Siblings.empty()
                : before.isEmpty()
                    ? written(bytes(random, 10), "n2")
                    : overwritten(before, bytes(random, 10), "n2");
        live.put(key, after);
        if (WRAPPING.contains(token)) {
          building.change(token, KeyDigest.of(key, before), KeyDigest.of(key, after));
        }
      }
    }
    building.finish();
    live.rebuildTrees();
    assertThat(building.isReady()).isTrue();
    assertThat(nodes(building)).isEqualTo(nodes(live.tree(0)));
  }

  @Test
  void aBuildingTreeRefusesAScanThatGoesBack() {
    PartitionTree tree = PartitionTree.building(WRAPPING, 4);
    Token late = WRAPPING.start().next().next();
    tree.addScanned(late, 42);
    assertThatThrownBy(() -> tree.addScanned(WRAPPING.start(), 43))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tree.addScanned(new Token(0x5000_0000_0000_0000L, 0), 43))
        .as("outside the range")
        .isInstanceOf(IllegalArgumentException.class);
    tree.finish();
    assertThatThrownBy(() -> tree.addScanned(late.next(), 44))
        .isInstanceOf(IllegalStateException.class);
  }

  @Property(tries = 50)
  void nodesTileTheirParentAndHoldTheTokensTheyIndex(@ForAll long seed) {
    Random random = new Random(seed);
    List<TokenRange> ranges =
        List.of(
            new TokenRange(Token.MIN, Token.MIN),
            MemoryReplica.equalPartitions(8).get(7),
            MemoryReplica.equalPartitions(8).get(3),
            WRAPPING,
            new TokenRange(new Token(0, 5), new Token(0, 1_005)),
            new TokenRange(new Token(0, 5), new Token(0, 15)), // narrower than 2^levels
            new TokenRange(new Token(-1, -3), new Token(0, 997)));
    for (TokenRange range : ranges) {
      PartitionTree tree = PartitionTree.building(range, 6);
      BigInteger width = width(range);
      assertThat(tree.maxDepth()).isEqualTo(Math.min(48, width.bitLength() - 1));
      assertThat(tree.nodeRange(0, 0)).isEqualTo(range);
      assertThat(tree.levels()).isEqualTo(Math.min(6, tree.maxDepth()));
      for (int t = 0; t < 20; t++) {
        BigInteger pos = new BigInteger(130, random).mod(width);
        Token token = toToken(big(range.start()).add(pos));
        assertThat(range.contains(token)).isTrue();
        int depth = random.nextInt(tree.maxDepth() + 1);
        long index = tree.indexOf(token, depth);
        assertThat(tree.nodeRange(depth, index).contains(token))
            .as("%s at depth %d index %d of %s", token, depth, index, range)
            .isTrue();
        if (depth < tree.maxDepth()) {
          TokenRange parent = tree.nodeRange(depth, index);
          TokenRange left = tree.nodeRange(depth + 1, 2 * index);
          TokenRange right = tree.nodeRange(depth + 1, 2 * index + 1);
          assertThat(left.start()).isEqualTo(parent.start());
          assertThat(left.end()).isEqualTo(right.start());
          assertThat(right.end()).isEqualTo(parent.end());
          assertThat(left.start()).isNotEqualTo(left.end());
          assertThat(right.start()).isNotEqualTo(right.end());
          assertThat(tree.indexOf(token, depth + 1) / 2).isEqualTo(index);
        }
      }
    }
  }

  /** Every materialised node as depth, index, hash, count, one after the other. */
  static long[] nodes(PartitionTree tree) {
    long[] out = new long[4 * ((2 << tree.levels()) - 1)];
    int n = 0;
    for (int d = 0; d <= tree.levels(); d++) {
      for (long i = 0; i < (1L << d); i++) {
        out[n++] = d;
        out[n++] = i;
        out[n++] = tree.hash(d, i);
        out[n++] = tree.count(d, i);
      }
    }
    return out;
  }

  private static BigInteger position(Token token) {
    return big(token).subtract(big(WRAPPING.start())).mod(RING);
  }

  private static BigInteger width(TokenRange range) {
    BigInteger w = big(range.end()).subtract(big(range.start())).mod(RING);
    return w.signum() == 0 ? RING : w;
  }

  private static BigInteger big(Token token) {
    return new BigInteger(1, token.toBytes());
  }

  private static Token toToken(BigInteger v) {
    BigInteger m = v.mod(RING);
    return new Token(m.shiftRight(64).longValue(), m.longValue());
  }
}
