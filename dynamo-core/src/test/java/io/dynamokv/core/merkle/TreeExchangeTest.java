/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import static io.dynamokv.core.merkle.TestSets.bytes;
import static io.dynamokv.core.merkle.TestSets.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.Key;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeySet;
import io.dynamokv.core.merkle.AntiEntropyMessage.Reason;
import io.dynamokv.core.merkle.AntiEntropyMessage.Request;
import io.dynamokv.core.merkle.AntiEntropyMessage.Sync;
import io.dynamokv.core.merkle.ExchangeStats.Outcome;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Exchanges between two in-memory replicas: what they find, what they repair, how they stop. */
class TreeExchangeTest {
  private static final int Q = 8;
  private static final int LEVELS = 6; // ~10 keys per leaf: descents go below the arrays
  private static final List<TokenRange> PARTITIONS = MemoryReplica.equalPartitions(Q);

  private final MemoryReplica a = new MemoryReplica(PARTITIONS, LEVELS);
  private final MemoryReplica b = new MemoryReplica(PARTITIONS, LEVELS);

  private void fill(Random random, int keys) {
    for (int i = 0; i < keys; i++) {
      Siblings set = TestSets.written(bytes(random, 30), "n1");
      a.put(key(i), set);
      b.put(key(i), set);
    }
  }

  /** Makes {@code k} random keys differ (missing on either side, overwritten, a sibling added). */
  private Set<Key> differ(Random random, int keys, int k) {
    Set<Key> changed = new HashSet<>();
    int[] chosen = random.ints(0, keys).distinct().limit(k).toArray();
    for (int n = 0; n < chosen.length; n++) {
      byte[] key = key(chosen[n]);
      Siblings base = a.read("s", key);
      switch (random.nextInt(4)) {
        case 0 -> a.put(key, Siblings.empty());
        case 1 -> b.put(key, Siblings.empty());
        case 2 -> b.put(key, TestSets.overwritten(base, bytes(random, 30), "n2"));
        default -> a.put(key, TestSets.concurrent(base, bytes(random, 30), "n3"));
      }
      changed.add(Key.of(key));
    }
    return changed;
  }

  private List<ExchangeStats> exchangeAll(
      TreeResponder responder,
      ExchangeConfig config,
      Function<Request, CompletionStage<AntiEntropyMessage>> remote) {
    List<ExchangeStats> out = new ArrayList<>();
    for (int p = 0; p < Q; p++) {
      out.add(
          new TreeExchange("s", p, 1, a.tree(p), a, a, remote, config, Runnable::run)
              .run()
              .toCompletableFuture()
              .join());
    }
    return out;
  }

  @Provide
  Arbitrary<Integer> differences() {
    return Arbitraries.of(0, 1, 100);
  }

  @Provide
  Arbitrary<ExchangeConfig> configs() {
    return Arbitraries.of(
        ExchangeConfig.defaults(),
        ExchangeConfig.defaults().withListThreshold(0).withMaxProbes(1).withSyncBatch(3, 200),
        ExchangeConfig.defaults().withListThreshold(40));
  }

  @Property(tries = 30)
  void theExchangeFindsExactlyTheDifferingKeysAndBothSidesEndWithTheMerge(
      @ForAll long seed, @ForAll("differences") int k, @ForAll("configs") ExchangeConfig config) {
    Random random = new Random(seed);
    fill(random, 3_000);
    Set<Key> expected = differ(random, 3_000, k);
    List<Key> synced = new ArrayList<>();
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b);
    List<ExchangeStats> stats =
        exchangeAll(
            responder,
            config,
            request -> {
              if (request instanceof Sync s) {
                s.entries().forEach(e -> synced.add(Key.of(e.key())));
              }
              return AntiEntropyCost.throughCodec(responder, request);
            });

    assertThat(synced).doesNotHaveDuplicates();
    assertThat(new HashSet<>(synced)).isEqualTo(expected);
    assertThat(stats.stream().mapToLong(ExchangeStats::differingKeys).sum()).isEqualTo(k);
    assertThat(stats).allSatisfy(s -> assertThat(s.outcome()).isEqualTo(Outcome.COMPLETED));
    for (int i = 0; i < 3_000; i++) {
      assertThat(a.read("s", key(i))).isEqualTo(b.read("s", key(i)));
    }
    for (int p = 0; p < Q; p++) {
      assertThat(a.tree(p).rootHash()).isEqualTo(b.tree(p).rootHash());
    }
    if (k == 0) {
      assertThat(stats).allSatisfy(s -> assertThat(s.roundTrips()).isEqualTo(1));
    }
    // the trees kept current through the merges are the trees of the data
    List<long[]> incremental = new ArrayList<>();
    for (int p = 0; p < Q; p++) {
      incremental.add(PartitionTreeTest.nodes(a.tree(p)));
    }
    a.rebuildTrees();
    for (int p = 0; p < Q; p++) {
      assertThat(PartitionTreeTest.nodes(a.tree(p))).isEqualTo(incremental.get(p));
    }
  }

  /** Every step after the first runs as one task of the given executor (the node's scheduler). */
  @Test
  void everyReplyIsHandledAsOneTaskOfTheExecutor() {
    Random random = new Random(23);
    fill(random, 3_000);
    differ(random, 3_000, 60);
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b);
    java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
    int p = 0;
    CompletionStage<ExchangeStats> run =
        new TreeExchange(
                "s",
                p,
                1,
                a.tree(p),
                a,
                a,
                r -> AntiEntropyCost.throughCodec(responder, r),
                ExchangeConfig.defaults(),
                tasks::add)
            .run();
    int executed = 0;
    while (!tasks.isEmpty()) {
      assertThat(run.toCompletableFuture()).isNotDone();
      tasks.poll().run();
      executed++;
    }
    ExchangeStats stats = run.toCompletableFuture().join();
    assertThat(stats.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(stats.differingKeys()).isPositive();
    assertThat(executed).isEqualTo(stats.roundTrips());
    assertThat(a.tree(p).rootHash()).isEqualTo(b.tree(p).rootHash());
  }

  @Test
  void aWipedReplicaIsRefilledFromEitherSide() {
    Random random = new Random(7);
    for (int i = 0; i < 3_000; i++) {
      b.put(key(i), TestSets.written(bytes(random, 30), "n1"));
    }
    TreeResponder fromB = new TreeResponder(b.directory("s", 1), b);
    List<ExchangeStats> stats =
        exchangeAll(fromB, ExchangeConfig.defaults(), r -> AntiEntropyCost.throughCodec(fromB, r));
    assertThat(stats.stream().mapToLong(ExchangeStats::repairedHere).sum()).isEqualTo(3_000);
    assertThat(a.size()).isEqualTo(3_000);

    // and the other way round: the responder is the one that lost everything
    MemoryReplica wiped = new MemoryReplica(PARTITIONS, LEVELS);
    TreeResponder fromWiped = new TreeResponder(wiped.directory("s", 1), wiped);
    List<ExchangeStats> back =
        exchangeAll(
            fromWiped,
            ExchangeConfig.defaults().withSyncBatch(50, 4_000),
            r -> AntiEntropyCost.throughCodec(fromWiped, r));
    assertThat(back.stream().mapToLong(ExchangeStats::repairedThere).sum()).isEqualTo(3_000);
    assertThat(wiped.size()).isEqualTo(3_000);
    for (int p = 0; p < Q; p++) {
      assertThat(wiped.tree(p).rootHash()).isEqualTo(a.tree(p).rootHash());
    }
  }

  @Test
  void writesRacingTheExchangeNeverBreakItAndTheNextExchangeConverges() {
    Random random = new Random(11);
    fill(random, 3_000);
    differ(random, 3_000, 300);
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b);
    List<ExchangeStats> racing =
        exchangeAll(
            responder,
            ExchangeConfig.defaults(),
            request -> {
              for (int w = 0; w < 5; w++) { // writes land on both sides between the messages
                MemoryReplica side = random.nextBoolean() ? a : b;
                byte[] key = key(random.nextInt(3_500));
                side.put(
                    key,
                    random.nextInt(3) == 0
                        ? Siblings.empty()
                        : TestSets.concurrent(side.read("s", key), bytes(random, 30), "n4"));
              }
              return AntiEntropyCost.throughCodec(responder, request);
            });
    assertThat(racing).allSatisfy(s -> assertThat(s.outcome()).isEqualTo(Outcome.COMPLETED));
    exchangeAll(
        responder, ExchangeConfig.defaults(), r -> AntiEntropyCost.throughCodec(responder, r));
    for (int i = 0; i < 3_500; i++) {
      assertThat(a.read("s", key(i))).isEqualTo(b.read("s", key(i)));
    }
  }

  @Test
  void anExchangeOfManyRoundTripsOnADirectExecutorDoesNotGrowTheStack() {
    // A remote that answers at once and an executor that runs inline: each step must not nest the
    // next on the stack (20,000 round trips overflowed it).
    MemoryReplica here = new MemoryReplica(MemoryReplica.equalPartitions(1), LEVELS);
    MemoryReplica there = new MemoryReplica(MemoryReplica.equalPartitions(1), LEVELS);
    Random random = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      here.put(key(i), TestSets.written(bytes(random, 4), "n1"));
    }
    TreeResponder responder = new TreeResponder(there.directory("s", 1), there);
    ExchangeStats stats =
        new TreeExchange(
                "s",
                0,
                1,
                here.tree(0),
                here,
                here,
                responder::serve,
                ExchangeConfig.defaults().withSyncBatch(1, 200),
                Runnable::run)
            .run()
            .toCompletableFuture()
            .join();
    assertThat(stats.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(stats.syncRoundTrips()).isEqualTo(20_000);
    assertThat(there.tree(0).rootHash()).isEqualTo(here.tree(0).rootHash());
  }

  @Test
  void refusalsEndTheExchangeCleanly() {
    Random random = new Random(3);
    fill(random, 500);
    differ(random, 500, 20);
    TreeResponder responder = new TreeResponder(b.directory("s", 2), b);
    ExchangeStats s =
        new TreeExchange(
                "s",
                0,
                1,
                a.tree(0),
                a,
                a,
                responder::serve,
                ExchangeConfig.defaults(),
                Runnable::run)
            .run()
            .toCompletableFuture()
            .join();
    assertThat(s.outcome()).isEqualTo(Outcome.REFUSED);
    assertThat(s.refusal()).isEqualTo(Reason.RING_VERSION);
    assertThat(s.roundTrips()).isEqualTo(1);
    assertThat(s.bytesReceived()).isPositive();

    ExchangeStats unknown =
        new TreeExchange(
                "other",
                0,
                2,
                a.tree(0),
                a,
                a,
                responder::serve,
                ExchangeConfig.defaults(),
                Runnable::run)
            .run()
            .toCompletableFuture()
            .join();
    assertThat(unknown.refusal()).isEqualTo(Reason.UNKNOWN_STORE);

    PartitionTree building = PartitionTree.building(PARTITIONS.get(0), LEVELS);
    ExchangeStats notReady =
        new TreeExchange(
                "s",
                0,
                2,
                building,
                a,
                a,
                request -> {
                  throw new AssertionError("a tree that is not ready sends nothing");
                },
                ExchangeConfig.defaults(),
                Runnable::run)
            .run()
            .toCompletableFuture()
            .join();
    assertThat(notReady.outcome()).isEqualTo(Outcome.NOT_READY);
  }

  @Test
  void aRemoteErrorFailsTheExchange() {
    fill(new Random(5), 200);
    a.put(key(1), Siblings.empty());
    CompletionStage<ExchangeStats> run =
        new TreeExchange(
                "s",
                a.partitionOf(Token.of(key(1))),
                1,
                a.tree(a.partitionOf(Token.of(key(1)))),
                a,
                a,
                request ->
                    java.util.concurrent.CompletableFuture.failedFuture(
                        new IllegalStateException("peer gone")),
                ExchangeConfig.defaults(),
                Runnable::run)
            .run();
    assertThatThrownBy(() -> run.toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasRootCauseMessage("peer gone");
  }

  @Test
  void theResponderRefusesToMergeAKeyOutsideThePartition() {
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b);
    byte[] key = key(1);
    int other = (b.partitionOf(Token.of(key)) + 1) % Q;
    Siblings set = TestSets.written(new byte[] {1}, "n1");
    Sync sync = new Sync("s", other, 1, false, List.of(new KeySet(key, VersionCodec.encode(set))));
    assertThatThrownBy(() -> responder.serve(sync).toCompletableFuture().join())
        .hasCauseInstanceOf(InvalidRequestException.class);
    assertThat(b.size()).isZero();
  }

  /** "Sync in one direction only": an initiator that skips its merge stays stale. */
  @Test
  void anInitiatorThatSkipsItsMergeStaysStale() {
    Random random = new Random(13);
    fill(random, 1_000);
    Set<Key> changed = differ(random, 1_000, 40);
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b);
    List<ExchangeStats> stats =
        exchangeAll(
            responder,
            ExchangeConfig.defaults().withBroken(BrokenVariant.INITIATOR_SKIPS_MERGE),
            r -> AntiEntropyCost.throughCodec(responder, r));
    assertThat(stats.stream().mapToLong(ExchangeStats::repairedHere).sum()).isZero();
    assertThat(stats.stream().mapToLong(ExchangeStats::repairedThere).sum()).isPositive();
    assertThat(changed.stream().filter(k -> !sameOnBoth(k)).count()).isPositive();
  }

  /** "Sync in one direction only": a responder that skips its merge stays stale. */
  @Test
  void aResponderThatSkipsItsMergeStaysStale() {
    Random random = new Random(17);
    fill(random, 1_000);
    Set<Key> changed = differ(random, 1_000, 40);
    List<Siblings> before = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      before.add(b.read("s", key(i)));
    }
    TreeResponder lazy =
        new TreeResponder(b.directory("s", 1), b, BrokenVariant.RESPONDER_SKIPS_MERGE);
    List<ExchangeStats> stats =
        exchangeAll(lazy, ExchangeConfig.defaults(), r -> AntiEntropyCost.throughCodec(lazy, r));
    assertThat(stats.stream().mapToLong(ExchangeStats::repairedThere).sum()).isZero();
    assertThat(stats.stream().mapToLong(ExchangeStats::repairedHere).sum()).isPositive();
    for (int i = 0; i < 1_000; i++) {
      assertThat(b.read("s", key(i))).isEqualTo(before.get(i));
    }
    assertThat(changed.stream().filter(k -> !sameOnBoth(k)).count()).isPositive();
  }

  /** A node that lost data pulls what it lacks and pushes nothing, as initiator or responder. */
  @Test
  void aPullOnlySideTakesButNeverGives() {
    Random random = new Random(29);
    fill(random, 1_000);
    for (int i = 1_000; i < 1_100; i++) {
      a.put(key(i), TestSets.written(bytes(random, 30), "only-a"));
      b.put(key(i + 100), TestSets.written(bytes(random, 30), "only-b"));
    }
    List<Siblings> bBefore = new ArrayList<>();
    for (int i = 0; i < 1_200; i++) {
      bBefore.add(b.read("s", key(i)));
    }
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b);
    List<ExchangeStats> pulled =
        exchangeAll(
            responder,
            ExchangeConfig.defaults().withPullOnly(true),
            r -> AntiEntropyCost.throughCodec(responder, r));
    assertThat(pulled.stream().mapToLong(ExchangeStats::repairedHere).sum()).isEqualTo(100);
    assertThat(pulled.stream().mapToLong(ExchangeStats::repairedThere).sum()).isZero();
    for (int i = 0; i < 1_200; i++) {
      assertThat(b.read("s", key(i))).isEqualTo(bBefore.get(i));
      if (i >= 1_100) {
        assertThat(a.read("s", key(i))).isEqualTo(b.read("s", key(i)));
      }
    }

    // now B is the one that only pulls: A's 100 keys go to B, nothing comes back
    MemoryReplica c = new MemoryReplica(PARTITIONS, LEVELS);
    TreeResponder.Directory full = c.directory("s", 1);
    TreeResponder pullOnly =
        new TreeResponder(
            (store, p, version) -> {
              TreeResponder.Served s = full.lookup(store, p, version);
              return s.refusal() != null ? s : TreeResponder.Served.pullOnly(s.tree(), s.leaves());
            },
            c);
    for (int i = 0; i < 50; i++) {
      c.put(key(5_000 + i), TestSets.written(bytes(random, 30), "only-c"));
    }
    List<ExchangeStats> pushed =
        exchangeAll(
            pullOnly, ExchangeConfig.defaults(), r -> AntiEntropyCost.throughCodec(pullOnly, r));
    assertThat(pushed.stream().mapToLong(ExchangeStats::repairedThere).sum()).isEqualTo(1_200);
    assertThat(pushed.stream().mapToLong(ExchangeStats::repairedHere).sum()).isZero();
    for (int i = 0; i < 50; i++) {
      assertThat(a.read("s", key(5_000 + i)).isEmpty()).isTrue();
    }
  }

  /**
   * A push-only initiator (a node handing a copy it gives up to an owner) sends its sets of the
   * keys that differ, never asks for a key only the responder holds, and leaves out the keys its
   * sets read as absent (a hand-off's sets older than the tombstone grace period).
   */
  @Test
  void aPushOnlyInitiatorSendsWhatItHoldsAndAsksForNothing() {
    Random random = new Random(31);
    fill(random, 1_000);
    for (int i = 1_000; i < 1_100; i++) {
      a.put(key(i), TestSets.written(bytes(random, 30), "only-a"));
      b.put(key(i + 100), TestSets.written(bytes(random, 30), "only-b"));
    }
    for (int i = 0; i < 50; i++) { // B holds a newer version: A pushes its own, B keeps the newer
      b.put(key(i), TestSets.overwritten(a.read("s", key(i)), bytes(random, 30), "n2"));
    }
    for (int i = 2_000; i < 7_000; i++) {
      a.put(key(i), TestSets.written(bytes(random, 30), "old-a")); // read as absent below
    }
    java.util.function.Predicate<Key> old =
        k -> {
          String name = new String(k.toByteArray(), java.nio.charset.StandardCharsets.US_ASCII);
          return Integer.parseInt(name.substring("key-".length())) >= 2_000;
        };
    LocalSets pushing =
        LocalSets.readOnly(
            (store, key) -> old.test(Key.of(key)) ? Siblings.empty() : a.read(store, key));
    TreeResponder responder = new TreeResponder(b.directory("s", 1), b);
    List<Integer> emptySets = new ArrayList<>();
    long repairedThere = 0;
    long differing = 0;
    for (int p = 0; p < Q; p++) {
      ExchangeStats stats =
          new TreeExchange(
                  "s",
                  p,
                  1,
                  a.tree(p),
                  a,
                  pushing,
                  r -> {
                    if (r instanceof Sync sync) {
                      emptySets.add(
                          (int)
                              sync.entries().stream()
                                  .filter(e -> e.siblings().length == 0)
                                  .count());
                    }
                    return AntiEntropyCost.throughCodec(responder, r);
                  },
                  ExchangeConfig.defaults().withPushOnly(true),
                  Runnable::run)
              .run()
              .toCompletableFuture()
              .join();
      assertThat(stats.outcome()).isEqualTo(Outcome.COMPLETED);
      assertThat(stats.repairedHere()).as("nothing merged back").isZero();
      repairedThere += stats.repairedThere();
      differing += stats.differingKeys();
    }
    assertThat(repairedThere).isEqualTo(100);
    assertThat(differing).as("A's differing keys, none of B's own").isEqualTo(100 + 50 + 5_000);
    assertThat(emptySets).allMatch(n -> n == 0);
    for (int i = 1_000; i < 1_100; i++) {
      assertThat(b.read("s", key(i))).isEqualTo(a.read("s", key(i)));
    }
    for (int i = 0; i < 50; i++) {
      assertThat(b.read("s", key(i))).isNotEqualTo(a.read("s", key(i)));
    }
    for (int i = 2_000; i < 7_000; i++) {
      assertThat(b.read("s", key(i)).isEmpty()).isTrue();
    }
  }

  /**
   * Two replicas that both lost data: the one that pulls gets the other's sets (neither serves
   * reads), so that counting it as pulled from is true.
   */
  @Test
  void aPullOnlyResponderAnswersItsSetsToAnInitiatorThatOnlyPullsToo() {
    Random random = new Random(31);
    for (int i = 0; i < 300; i++) {
      b.put(key(i), TestSets.written(bytes(random, 30), "n2"));
    }
    TreeResponder.Directory full = b.directory("s", 1);
    TreeResponder pullOnly =
        new TreeResponder(
            (store, p, version) -> {
              TreeResponder.Served s = full.lookup(store, p, version);
              return s.refusal() != null ? s : TreeResponder.Served.pullOnly(s.tree(), s.leaves());
            },
            b);
    List<ExchangeStats> stats =
        exchangeAll(
            pullOnly,
            ExchangeConfig.defaults().withPullOnly(true),
            r -> AntiEntropyCost.throughCodec(pullOnly, r));
    assertThat(stats.stream().mapToLong(ExchangeStats::repairedHere).sum()).isEqualTo(300);
    for (int i = 0; i < 300; i++) {
      assertThat(sameOnBoth(Key.of(key(i)))).isTrue();
    }
  }

  /** A responder's sync replies stay within their budget: what does not fit is asked for again. */
  @Test
  void setsBeyondAReplysBudgetAreDeferredAndSentInALaterBatch() {
    Random random = new Random(37);
    for (int i = 0; i < 200; i++) {
      b.put(key(i), TestSets.written(bytes(random, 1_000), "n2"));
    }
    TreeResponder small = new TreeResponder(b.directory("s", 1), b, BrokenVariant.NONE, 5_000);
    List<AntiEntropyMessage> replies = new ArrayList<>();
    List<ExchangeStats> stats =
        exchangeAll(
            small,
            ExchangeConfig.defaults().withPullOnly(true),
            r ->
                AntiEntropyCost.throughCodec(small, r)
                    .thenApply(
                        reply -> {
                          replies.add(reply);
                          return reply;
                        }));
    assertThat(stats).allMatch(st -> st.outcome() == ExchangeStats.Outcome.COMPLETED);
    for (int i = 0; i < 200; i++) {
      assertThat(sameOnBoth(Key.of(key(i)))).isTrue();
    }
    assertThat(replies)
        .filteredOn(r -> r instanceof AntiEntropyMessage.SyncReply)
        .allMatch(r -> AntiEntropyCodec.PROTOCOL.size(r) < 5_000 + 2_000)
        .anyMatch(
            r ->
                ((AntiEntropyMessage.SyncReply) r)
                    .results().stream().anyMatch(AntiEntropyMessage.SyncResult::deferred));
  }

  private boolean sameOnBoth(Key k) {
    return a.read("s", k.toByteArray()).equals(b.read("s", k.toByteArray()));
  }
}
