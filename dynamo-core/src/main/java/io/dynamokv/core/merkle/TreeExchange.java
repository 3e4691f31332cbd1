/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.Key;
import io.dynamokv.core.merkle.AntiEntropyMessage.CompareRoot;
import io.dynamokv.core.merkle.AntiEntropyMessage.Descend;
import io.dynamokv.core.merkle.AntiEntropyMessage.DescendReply;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeyEntry;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeyList;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeySet;
import io.dynamokv.core.merkle.AntiEntropyMessage.LeftChild;
import io.dynamokv.core.merkle.AntiEntropyMessage.NodeAnswer;
import io.dynamokv.core.merkle.AntiEntropyMessage.Probe;
import io.dynamokv.core.merkle.AntiEntropyMessage.Refused;
import io.dynamokv.core.merkle.AntiEntropyMessage.Request;
import io.dynamokv.core.merkle.AntiEntropyMessage.RootDiffers;
import io.dynamokv.core.merkle.AntiEntropyMessage.RootMatch;
import io.dynamokv.core.merkle.AntiEntropyMessage.Sync;
import io.dynamokv.core.merkle.AntiEntropyMessage.SyncReply;
import io.dynamokv.core.merkle.AntiEntropyMessage.SyncResult;
import io.dynamokv.core.merkle.ExchangeStats.Outcome;
import io.dynamokv.core.merkle.PartitionTree.NodeSummary;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The initiator's side of one exchange (paper §4.7): compares its tree of a partition with a
 * responder's ({@link TreeResponder}), descends only into differing subtrees, lists the differing
 * keys and syncs them both ways, so that each side ends with the merge of both sets (one way only
 * for an initiator that only pushes or only pulls).
 *
 * <p>The protocol, per partition (h = {@value KeyDigest#BYTES} bytes):
 *
 * <ol>
 *   <li>A sends its root's hash and count. B answers "match" (done: one round trip, about h bytes
 *       of payload plus the tree's name), or its root's and left child's hash and count.
 *   <li>For a node both know to differ, A knows B's node and B's left child, hence B's right child
 *       (hash XOR left, count minus left), and compares both with its own. A child that matches is
 *       done. A child where B has no key: every key A has there differs (no message). A child that
 *       is small (at most T keys on either side, both at most {@code maxListKeys}) or at the
 *       deepest depth: A asks for B's key list and diffs it with its own keys there. Otherwise A
 *       asks B for that child's left child: h bytes and a count per differing node and level,
 *       breadth first, one request per depth (of at most {@code maxProbes} nodes).
 *   <li>A sends the differing keys in batches with its own sets; B merges each through its local
 *       apply path and answers its resulting set (or "equal to yours"); A merges those through its
 *       own. An initiator that {@linkplain ExchangeConfig#pullOnly only pulls} sends no sets; one
 *       that {@linkplain ExchangeConfig#pushOnly only pushes} does not descend where its tree has
 *       no key, does not list keys only B holds, leaves out the keys whose sets read as absent, and
 *       ignores B's answers; a responder served {@linkplain TreeResponder.Served#pullOnly
 *       pull-only} answers no sets.
 * </ol>
 *
 * <p>Each step (building one request, or handling one reply) does bounded work: at most {@code
 * maxProbes} nodes, or one sync batch (plus, pushing only, at most {@code maxSyncKeys} keys read
 * and left out), or one batch of local scanning; the continuation after each reply, or after a step
 * that left every key out, runs on {@code executor}, so the node can run every step as one task of
 * its scheduler. Not thread-safe: run the steps on that one executor. An exchange that races local
 * or remote writes may miss a difference (the next exchange finds it) but never loses a write: only
 * sets are merged. A push-only initiator's tree is a snapshot: keys written to its copy during the
 * exchange may be missed.
 *
 * <p>The stage {@link #run()} returns completes with the exchange's {@link ExchangeStats}, also
 * when B refuses ({@link Outcome#REFUSED}) or A's tree is not ready ({@link Outcome#NOT_READY}); it
 * fails with the remote's error (a transport error, a failure B answered) or an {@link
 * IllegalStateException} for a reply that does not fit the request.
 */
public final class TreeExchange {
  private static final AntiEntropyCodec CODEC = AntiEntropyCodec.PROTOCOL;

  private final String store;
  private final int partition;
  private final long ringVersion;
  private final PartitionTree tree;
  private final LeafSource leaves;
  private final LocalSets sets;
  private final Function<Request, CompletionStage<AntiEntropyMessage>> remote;
  private final ExchangeConfig config;
  private final Executor executor;

  /** Nodes to probe, by depth; within a depth in ascending index order. */
  private final TreeMap<Integer, ArrayDeque<Pending>> probes = new TreeMap<>();

  /** Nodes where B has no key: all of A's keys there differ. */
  private final ArrayDeque<long[]> localOnly = new ArrayDeque<>();

  private final ArrayDeque<byte[]> differing = new ArrayDeque<>();

  private final List<byte[]> onlyHere = new ArrayList<>();
  private long keysCompared;
  private long differingKeys;
  private long repairedHere;
  private long repairedThere;
  private long bytesSent;
  private long bytesReceived;
  private int compareRoundTrips;
  private int syncRoundTrips;
  private boolean started;

  /**
   * An exchange of {@code tree} (A's tree of {@code partition} of {@code store} in ring {@code
   * ringVersion}) with the responder behind {@code remote}.
   *
   * @param leaves A's keys of the store
   * @param sets A's sets and local apply path
   * @param remote sends a request to B and completes with its reply
   * @param executor runs every step after the first (the node's scheduler); one that runs tasks
   *     inline is allowed: steps do not nest on the stack
   */
  public TreeExchange(
      String store,
      int partition,
      long ringVersion,
      PartitionTree tree,
      LeafSource leaves,
      LocalSets sets,
      Function<Request, CompletionStage<AntiEntropyMessage>> remote,
      ExchangeConfig config,
      Executor executor) {
    this.store = Objects.requireNonNull(store, "store");
    this.partition = partition;
    this.ringVersion = ringVersion;
    this.tree = Objects.requireNonNull(tree, "tree");
    this.leaves = Objects.requireNonNull(leaves, "leaves");
    this.sets = Objects.requireNonNull(sets, "sets");
    this.remote = Objects.requireNonNull(remote, "remote");
    this.config = Objects.requireNonNull(config, "config");
    this.executor = new Trampoline(executor);
  }

  /** Runs the exchange (once); the first step runs on the caller's thread. */
  public CompletionStage<ExchangeStats> run() {
    if (started) {
      throw new IllegalStateException("an exchange runs once");
    }
    started = true;
    if (!tree.isReady()) {
      return CompletableFuture.completedFuture(stats(Outcome.NOT_READY, null));
    }
    compareRoundTrips++;
    return send(
            new CompareRoot(store, partition, ringVersion, tree.rootHash(), tree.rootCount()),
            reply -> {
              if (reply instanceof RootMatch) {
                return done();
              }
              if (reply instanceof RootDiffers d) {
                rootDiffers(d);
                return next();
              }
              return unexpected(reply, "a root comparison");
            })
        .handle(
            (stats, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(stats);
              }
              Throwable cause = error instanceof CompletionException ? error.getCause() : error;
              return cause instanceof RefusedSignal r
                  ? CompletableFuture.completedFuture(stats(Outcome.REFUSED, r.refused))
                  : CompletableFuture.<ExchangeStats>failedFuture(cause);
            })
        .thenCompose(stage -> stage);
  }

  private void rootDiffers(RootDiffers d) {
    long aCount = tree.rootCount();
    if (d.count() == 0 || tree.maxDepth() == 0 || small(aCount, d.count())) {
      classify(0, 0, aCount, d.hash(), d.count());
    } else {
      children(new Pending(0, 0, d.hash(), d.count(), false), d.leftHash(), d.leftCount());
    }
  }

  /** The next step: sync a full batch, else probe, else list local keys, else sync the rest. */
  private CompletionStage<ExchangeStats> next() {
    drainLocalOnly();
    if (differing.size() >= config.maxSyncKeys()
        || !differing.isEmpty() && probes.isEmpty() && localOnly.isEmpty()) {
      return syncStep();
    }
    if (!probes.isEmpty()) {
      return descendStep();
    }
    return done(); // the local-only nodes are drained: else a full batch would be waiting
  }

  private CompletionStage<ExchangeStats> descendStep() {
    Map.Entry<Integer, ArrayDeque<Pending>> first = probes.firstEntry();
    int depth = first.getKey();
    ArrayDeque<Pending> queue = first.getValue();
    List<Pending> batch = new ArrayList<>();
    while (!queue.isEmpty() && batch.size() < config.maxProbes()) {
      batch.add(queue.poll());
    }
    if (queue.isEmpty()) {
      probes.remove(depth);
    }
    batch.sort(Comparator.comparingLong(Pending::index));
    List<Probe> list = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      list.add(new Probe(p.index(), p.wantKeys()));
    }
    compareRoundTrips++;
    return send(
        new Descend(store, partition, ringVersion, depth, list),
        reply -> {
          if (!(reply instanceof DescendReply r) || r.answers().size() != batch.size()) {
            return unexpected(reply, "a descend request of " + batch.size() + " probes");
          }
          for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            NodeAnswer a = r.answers().get(i);
            if (a instanceof LeftChild c) {
              children(p, c.hash(), c.count());
            } else if (a instanceof KeyList k) {
              diff(p.depth(), p.index(), k.keys());
            }
          }
          return next();
        });
  }

  /** Compares both children of a differing node with B's, given B's left child. */
  private void children(Pending parent, long leftHash, long leftCount) {
    int depth = parent.depth() + 1;
    long left = 2 * parent.index();
    long[] bHash = {leftHash, parent.bHash() ^ leftHash};
    long[] bCount = {leftCount, parent.bCount() - leftCount};
    for (int c = 0; c < 2; c++) {
      NodeSummary mine = tree.summarize(depth, left + c, leaves);
      if (mine.hash() != bHash[c] || mine.count() != bCount[c]) {
        classify(depth, left + c, mine.count(), bHash[c], bCount[c]);
      }
    }
  }

  /** Decides what to do with a node whose hashes differ. */
  private void classify(int depth, long index, long aCount, long bHash, long bCount) {
    if (aCount == 0 && config.pushOnly()) {
      return; // nothing of A's to push here
    }
    if (bCount == 0 && bHash == 0) {
      if (aCount > 0) {
        localOnly.add(new long[] {depth, index});
      }
      return;
    }
    // A count at or below zero with keys behind it (a hash) means B changed between two replies
    // (the right child is derived from an older parent): only B's list settles the node then.
    boolean keys = bCount <= 0 || depth == tree.maxDepth() || small(aCount, bCount);
    probes
        .computeIfAbsent(depth, d -> new ArrayDeque<>())
        .add(new Pending(depth, index, bHash, bCount, keys));
  }

  /**
   * Whether a differing node is settled by key lists: either side is at most T, and neither list is
   * longer than a step may handle (a larger side is split further, cheaply, until it is).
   */
  private boolean small(long aCount, long bCount) {
    return (aCount <= config.listThreshold() || bCount <= config.listThreshold())
        && aCount <= config.maxListKeys()
        && bCount <= config.maxListKeys();
  }

  /** Diffs B's key list of a node with A's keys there. */
  private void diff(int depth, long index, List<KeyEntry> theirs) {
    Map<Key, Long> mine = new HashMap<>();
    List<byte[]> mineInOrder = new ArrayList<>();
    leaves.scan(
        tree.nodeRange(depth, index),
        (key, token, digest) -> {
          mine.put(Key.wrap(key), digest);
          mineInOrder.add(key);
        });
    keysCompared += theirs.size() + mineInOrder.size();
    Map<Key, Boolean> seen = new HashMap<>();
    for (KeyEntry e : theirs) {
      Key k = Key.wrap(e.key());
      seen.put(k, Boolean.TRUE);
      Long d = mine.get(k);
      if (d == null ? !config.pushOnly() : d != e.digest()) {
        addDiffering(e.key());
      }
    }
    for (byte[] key : mineInOrder) {
      if (!seen.containsKey(Key.wrap(key))) {
        addDiffering(key);
      }
    }
  }

  private void addDiffering(byte[] key) {
    differing.add(key);
    differingKeys++;
  }

  /** Lists A's keys of nodes where B has none, a batch at a time. */
  private void drainLocalOnly() {
    while (!localOnly.isEmpty() && differing.size() < config.maxSyncKeys()) {
      long[] node = localOnly.poll();
      int depth = (int) node[0];
      if (depth < tree.levels() && tree.count(depth, node[1]) > config.maxSyncKeys()) {
        for (long child = 2 * node[1]; child <= 2 * node[1] + 1; child++) {
          if (tree.count(depth + 1, child) > 0) {
            localOnly.addFirst(new long[] {depth + 1, child});
          }
        }
        continue;
      }
      leaves.scan(tree.nodeRange(depth, node[1]), (key, token, digest) -> addDiffering(key));
    }
  }

  private CompletionStage<ExchangeStats> syncStep() {
    List<KeySet> entries = new ArrayList<>();
    List<Siblings> sent = new ArrayList<>();
    long bytes = 0;
    int skipped = 0;
    while (!differing.isEmpty()
        && entries.size() < config.maxSyncKeys()
        && (entries.isEmpty() || bytes < config.maxSyncBytes())
        && skipped < config.maxSyncKeys()) {
      byte[] key = differing.poll();
      Siblings mine = sets.read(store, key);
      if (mine.isEmpty() && config.pushOnly()) {
        skipped++; // nothing to push, and nothing wanted back
        continue;
      }
      byte[] encoded =
          mine.isEmpty() || config.pullOnly() ? new byte[0] : VersionCodec.encode(mine);
      bytes += encoded.length + key.length;
      entries.add(new KeySet(key, encoded));
      sent.add(mine);
    }
    if (entries.isEmpty()) {
      // Every key read was left out (push-only): go on in a new step, as after a reply.
      return CompletableFuture.completedFuture(null).thenComposeAsync(none -> next(), executor);
    }
    syncRoundTrips++;
    return send(
        new Sync(store, partition, ringVersion, config.pullOnly(), entries),
        reply -> {
          if (!(reply instanceof SyncReply r) || r.results().size() != entries.size()) {
            return unexpected(reply, "a sync of " + entries.size() + " keys");
          }
          for (int i = 0; i < entries.size(); i++) {
            SyncResult result = r.results().get(i);
            repairedThere += result.changed() ? 1 : 0;
            if (config.pushOnly()) {
              continue; // B merged what was pushed (also when its answer was deferred)
            }
            if (result.deferred()) {
              // B's reply was full: the key goes into a later batch.
              differing.add(entries.get(i).key());
              continue;
            }
            if (result.siblings().length == 0 && config.pullOnly() && !sent.get(i).isEmpty()) {
              onlyHere.add(entries.get(i).key()); // B answers every set it holds to a pull
            }
            if (result.siblings().length == 0
                || config.broken() == BrokenVariant.INITIATOR_SKIPS_MERGE) {
              continue;
            }
            Siblings theirs = VersionCodec.decodeSiblings(result.siblings());
            if (theirs.isEmpty()) {
              continue;
            }
            Siblings after = sets.merge(store, entries.get(i).key(), theirs);
            repairedHere += after.equals(sent.get(i)) ? 0 : 1;
          }
          return next();
        });
  }

  /**
   * Sends a request and continues with its reply as one task of the executor; a refusal ends the
   * exchange here.
   */
  private CompletionStage<ExchangeStats> send(
      Request request, Function<AntiEntropyMessage, CompletionStage<ExchangeStats>> then) {
    bytesSent += CODEC.size(request);
    return remote
        .apply(request)
        .thenComposeAsync(
            reply -> {
              bytesReceived += CODEC.size(reply);
              if (reply instanceof Refused refused) {
                throw new RefusedSignal(refused);
              }
              return then.apply(reply);
            },
            executor);
  }

  private CompletionStage<ExchangeStats> done() {
    return CompletableFuture.completedFuture(stats(Outcome.COMPLETED, null));
  }

  private CompletionStage<ExchangeStats> unexpected(AntiEntropyMessage reply, String request) {
    return CompletableFuture.failedFuture(
        new IllegalStateException("responder answered " + reply + " to " + request));
  }

  private ExchangeStats stats(Outcome outcome, Refused refused) {
    return new ExchangeStats(
        outcome,
        refused == null ? null : refused.reason(),
        keysCompared,
        differingKeys,
        repairedHere,
        repairedThere,
        bytesSent,
        bytesReceived,
        compareRoundTrips,
        syncRoundTrips,
        onlyHere);
  }

  /** A node to probe, with what A knows of B's version of it. */
  private record Pending(int depth, long index, long bHash, long bCount, boolean wantKeys) {}

  /** Carries a refusal out of the chain of stages, to end it with {@link Outcome#REFUSED}. */
  private static final class RefusedSignal extends RuntimeException {
    private final transient Refused refused;

    RefusedSignal(Refused refused) {
      super(null, null, false, false);
      this.refused = refused;
    }
  }
}
