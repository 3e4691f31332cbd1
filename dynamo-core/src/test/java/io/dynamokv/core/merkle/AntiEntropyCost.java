/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.merkle.AntiEntropyMessage.Request;
import io.dynamokv.core.ring.TokenRange;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost measurement of issue 19: two in-memory replicas of {@code keys} keys with 100-byte
 * values over {@code q} equal partitions, differing in {@code k} keys (a quarter each: missing on
 * A, missing on B, overwritten on B, a concurrent sibling on A), run a full exchange of every
 * partition (A initiating) with every message through {@link AntiEntropyCodec}, and compare the
 * payload bytes with the floor {@code q·h + k·⌈log2(keys/q)⌉·h + the k keys + both sides' encoded
 * sets of them} (h = {@value KeyDigest#BYTES}). Public for dynamo-bench's AntiEntropyCostReport,
 * which runs it at 1,000,000 keys from this module's test-jar with the Thrift transport's {@link
 * Framing}.
 */
public final class AntiEntropyCost {
  /** The value size of the measurement. */
  public static final int VALUE_BYTES = 100;

  private AntiEntropyCost() {}

  /**
   * What a transport adds around one message of an exchange on the wire (its framing), given the
   * message and its codec bytes (the payload counted in {@link Result#bytes}); dynamo-bench
   * measures the Thrift transport's with the generated classes.
   */
  @FunctionalInterface
  public interface Framing {
    /** No transport: the exchange's messages alone. */
    Framing NONE = (message, encoded) -> 0;

    long bytesAround(AntiEntropyMessage message, byte[] encoded);
  }

  /**
   * One measured case.
   *
   * @param bytes payload bytes of every exchange, both ways
   * @param framingBytes what the {@link Framing} given adds around those messages, both ways
   * @param floor the floor the issue states
   * @param fullCopyBytes what copying every key and set of one replica would take (keys + sets)
   * @param converged whether every partition's roots and counts are equal afterwards
   */
  public record Result(
      int keys,
      int partitions,
      int differences,
      long bytes,
      long framingBytes,
      long floor,
      long fullCopyBytes,
      int compareRoundTrips,
      int syncRoundTrips,
      long differingKeys,
      long keysCompared,
      long repairedOnA,
      long repairedOnB,
      boolean converged,
      long millis) {
    public double ratio() {
      return floor == 0 ? 0 : (double) bytes / floor;
    }

    /** One line of the cost table. */
    public String line() {
      return String.format(
          "keys %,d  Q %d  k %,d  bytes %,d  floor %,d  ratio %.2f  full copy %,d  round trips %d"
              + " (compare %d, sync %d)  differing %,d  compared %,d  repaired A %,d B %,d  %s  %d"
              + " ms",
          keys,
          partitions,
          differences,
          bytes,
          floor,
          ratio(),
          fullCopyBytes,
          compareRoundTrips + syncRoundTrips,
          compareRoundTrips,
          syncRoundTrips,
          differingKeys,
          keysCompared,
          repairedOnA,
          repairedOnB,
          converged ? "converged" : "NOT CONVERGED",
          millis);
    }
  }

  /** Builds the replicas, runs the exchanges, and measures them. */
  public static Result measure(int keys, int q, int differences, long seed) {
    return measure(keys, q, differences, seed, ExchangeConfig.defaults());
  }

  public static Result measure(int keys, int q, int differences, long seed, ExchangeConfig config) {
    return measure(keys, q, differences, seed, config, false, Framing.NONE);
  }

  /** As {@link #measure(int, int, int, long)}, counting {@code framing} around every message. */
  public static Result measure(int keys, int q, int differences, long seed, Framing framing) {
    return measure(keys, q, differences, seed, ExchangeConfig.defaults(), false, framing);
  }

  /**
   * The same measurement where A lost everything (a wiped disk): every key differs, and the floor's
   * sets are B's alone; compare the bytes with {@link Result#fullCopyBytes}.
   */
  public static Result measureWiped(int keys, int q, long seed) {
    return measure(keys, q, keys, seed, ExchangeConfig.defaults(), true, Framing.NONE);
  }

  private static Result measure(
      int keys,
      int q,
      int differences,
      long seed,
      ExchangeConfig config,
      boolean wiped,
      Framing framing) {
    Random random = new Random(seed);
    List<TokenRange> partitions = MemoryReplica.equalPartitions(q);
    MemoryReplica a = new MemoryReplica(partitions, PartitionTree.DEFAULT_LEVELS);
    MemoryReplica b = new MemoryReplica(partitions, PartitionTree.DEFAULT_LEVELS);
    long fullCopy = 0;
    for (int i = 0; i < keys; i++) {
      byte[] key = key(i);
      Siblings set = TestSets.written(TestSets.bytes(random, VALUE_BYTES), "node-1");
      byte[] encoded = VersionCodec.encode(set);
      long digest = KeyDigest.ofEncoded(key, encoded);
      if (!wiped) {
        a.put(key, set, digest);
      }
      b.put(key, set, digest);
      fullCopy += key.length + encoded.length;
    }
    long differingBytes = wiped ? fullCopy : 0;
    int[] chosen =
        wiped ? new int[0] : random.ints(0, keys).distinct().limit(differences).toArray();
    for (int n = 0; n < chosen.length; n++) {
      byte[] key = key(chosen[n]);
      Siblings base = a.read("s", key);
      byte[] value = TestSets.bytes(random, VALUE_BYTES);
      switch (n % 4) {
        case 0 -> a.put(key, Siblings.empty());
        case 1 -> b.put(key, Siblings.empty());
        case 2 -> b.put(key, TestSets.overwritten(base, value, "node-2"));
        default -> a.put(key, TestSets.concurrent(base, value, "node-3"));
      }
      differingBytes += key.length + encodedSize(a.read("s", key)) + encodedSize(b.read("s", key));
    }
    int depth = (int) Math.ceil(Math.log((double) keys / q) / Math.log(2));
    long floor =
        (long) q * KeyDigest.BYTES + (long) differences * depth * KeyDigest.BYTES + differingBytes;

    long start = System.nanoTime();
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b, config.broken());
    AtomicLong framed = new AtomicLong();
    long bytes = 0;
    int compares = 0;
    int syncs = 0;
    long differing = 0;
    long compared = 0;
    long repairedA = 0;
    long repairedB = 0;
    for (int p = 0; p < q; p++) {
      ExchangeStats s =
          new TreeExchange(
                  "s",
                  p,
                  1,
                  a.tree(p),
                  a,
                  a,
                  request -> throughCodec(responder, request, framing, framed),
                  config,
                  Runnable::run)
              .run()
              .toCompletableFuture()
              .join();
      if (s.outcome() != ExchangeStats.Outcome.COMPLETED) {
        throw new IllegalStateException("exchange of partition " + p + " ended " + s);
      }
      bytes += s.bytes();
      compares += s.compareRoundTrips();
      syncs += s.syncRoundTrips();
      differing += s.differingKeys();
      compared += s.keysCompared();
      repairedA += s.repairedHere();
      repairedB += s.repairedThere();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    boolean converged = true;
    for (int p = 0; p < q; p++) {
      converged &=
          a.tree(p).rootHash() == b.tree(p).rootHash()
              && a.tree(p).rootCount() == b.tree(p).rootCount();
    }
    return new Result(
        keys,
        q,
        differences,
        bytes,
        framed.get(),
        floor,
        fullCopy,
        compares,
        syncs,
        differing,
        compared,
        repairedA,
        repairedB,
        converged,
        millis);
  }

  /** The responder behind a real encoding and decoding of both messages. */
  static CompletionStage<AntiEntropyMessage> throughCodec(
      TreeResponder responder, Request request) {
    return throughCodec(responder, request, Framing.NONE, new AtomicLong());
  }

  private static CompletionStage<AntiEntropyMessage> throughCodec(
      TreeResponder responder, Request request, Framing framing, AtomicLong framed) {
    AntiEntropyCodec codec = AntiEntropyCodec.PROTOCOL;
    byte[] sent = codec.encode(request);
    framed.addAndGet(framing.bytesAround(request, sent));
    Request decoded = (Request) codec.decode(sent);
    return responder
        .serve(decoded)
        .thenApply(
            reply -> {
              byte[] answered = codec.encode(reply);
              framed.addAndGet(framing.bytesAround(reply, answered));
              return codec.decode(answered);
            });
  }

  static byte[] key(int i) {
    return ("user:" + i).getBytes(StandardCharsets.US_ASCII);
  }

  private static int encodedSize(Siblings set) {
    return set.isEmpty() ? 0 : VersionCodec.encode(set).length;
  }

  /** Prints the table for {@code keys q seed} (defaults 100000 64 1). */
  public static void main(String[] args) {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int q = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
    for (int k : new int[] {0, 100, 10_000}) {
      System.out.println(measure(keys, q, k, seed).line());
    }
    System.out.println("wiped: " + measureWiped(keys, q, seed).line());
  }
}
