/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingPlanner;
import io.dynamokv.core.ring.Token;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of finding a key's preference list (N = 3): hash the key with MD5, find its partition
 * and read the list. {@link #md5Reference()} hashes the same keys alone, so each result reads as a
 * ratio to MD5; {@link #preferenceListFromToken()} leaves the hash out.
 *
 * <p>Rings: strategy 3 with Q = 1024 and S = 10 or 100 (table lookup), strategy 1 with S = 10 and T
 * = 102 tokens per node, or S = 100 and T = 10 (about 1024 ranges, binary search and walk).
 *
 * <p>Run: {@code java -jar dynamo-bench/target/benchmarks.jar PreferenceList -f 2 -wi 3 -i 5 -w 1
 * -r 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PreferenceListBenchmark {
  private static final int KEYS = 4096;

  @Param({
    "strategy3-Q1024-S10",
    "strategy3-Q1024-S100",
    "strategy1-T102-S10",
    "strategy1-T10-S100"
  })
  public String ring;

  private Ring theRing;
  private byte[][] keys;
  private Token[] tokens;
  private int next;

  @Setup
  public void setUp() {
    String[] parts = ring.split("-");
    int size = Integer.parseInt(parts[2].substring(1));
    TreeSet<NodeId> nodes = new TreeSet<>();
    for (int i = 0; i < size; i++) {
      nodes.add(NodeId.of(String.format(Locale.ROOT, "node-%04d", i)));
    }
    RingPlanner planner =
        parts[0].equals("strategy3")
            ? RingPlanner.fixedPartitions(Integer.parseInt(parts[1].substring(1)), 3)
            : RingPlanner.randomTokens(Integer.parseInt(parts[1].substring(1)), 3);
    theRing = planner.initial(nodes, Map.of());
    SplittableRandom random = new SplittableRandom(42);
    keys = new byte[KEYS][];
    tokens = new Token[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = String.format(Locale.ROOT, "user:%016x", random.nextLong()).getBytes();
      tokens[i] = Token.of(keys[i]);
    }
  }

  private int nextIndex() {
    int i = next;
    next = (i + 1) & (KEYS - 1);
    return i;
  }

  /** The reference: MD5 of the key, nothing else. */
  @Benchmark
  public Token md5Reference() {
    return Token.of(keys[nextIndex()]);
  }

  /** What a coordinator does per request: hash, locate, list. */
  @Benchmark
  public List<NodeId> preferenceList() {
    return theRing.preferenceList(Token.of(keys[nextIndex()]), 3);
  }

  /** The lookup alone, for a key whose token is known. */
  @Benchmark
  public List<NodeId> preferenceListFromToken() {
    return theRing.preferenceList(tokens[nextIndex()], 3);
  }
}
