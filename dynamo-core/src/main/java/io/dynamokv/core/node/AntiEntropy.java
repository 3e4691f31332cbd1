/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.Key;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StatusSection.Stat;
import io.dynamokv.core.handoff.BackgroundRate;
import io.dynamokv.core.merkle.AntiEntropyCodec;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.merkle.AntiEntropyMessage;
import io.dynamokv.core.merkle.AntiEntropyMessage.KeyEntry;
import io.dynamokv.core.merkle.AntiEntropyMessage.Purge;
import io.dynamokv.core.merkle.AntiEntropyMessage.PurgeCheck;
import io.dynamokv.core.merkle.AntiEntropyMessage.PurgeReply;
import io.dynamokv.core.merkle.AntiEntropyMessage.Reason;
import io.dynamokv.core.merkle.AntiEntropyMessage.Request;
import io.dynamokv.core.merkle.ExchangeConfig;
import io.dynamokv.core.merkle.ExchangeStats;
import io.dynamokv.core.merkle.KeyDigest;
import io.dynamokv.core.merkle.LeafSource;
import io.dynamokv.core.merkle.LocalSets;
import io.dynamokv.core.merkle.PartitionTree;
import io.dynamokv.core.merkle.TreeExchange;
import io.dynamokv.core.merkle.TreeResponder;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.wire.Failure;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * This node's anti-entropy room (paper §4.7, SPEC §6): a Merkle tree per partition of each store it
 * replicates, kept current from the {@link Replica}'s listener, and the background exchanges that
 * compare each tree with the other replicas of its partition and sync the keys that differ in both
 * directions, through the replica's single local-apply path.
 *
 * <p><b>Trees follow the ring.</b> When the ring changes, trees of partitions this node no longer
 * replicates are dropped and the new ones are built. Trees live in memory only: after a start every
 * tree is built again from the data, in the background, in tasks of {@link
 * AntiEntropyConfig#scanBatch()} keys that yield to requests; the node serves meanwhile, and a
 * partition takes part in exchanges once its tree is built. Changes during a build reach the tree
 * only for keys the build has already read: the scan reads the others in their latest state.
 *
 * <p><b>Passes.</b> A full pass exchanges every partition this node holds with the other replicas
 * of higher id, so that the passes of all nodes together compare every pair of replicas once; a
 * pass asked for by {@link #repair}, and a partition this node does not hold completely, exchange
 * with every other replica, one exchange right after the other (within the rate) instead of one per
 * interval. Exchanges run one at a time, one every {@link AntiEntropyConfig#interval()}, and their
 * messages keep to {@link AntiEntropyConfig#bytesPerSecond()} and to the node's {@link
 * BackgroundRate}, which hinted handoff draws from too. A pair whose peer is unreachable is skipped
 * for the pass; one whose peer refuses (its tree is still building, or it routes by another ring
 * version) is tried again later in the pass, a few times.
 *
 * <p>Runs on the node's scheduler, like everything else of the node.
 */
final class AntiEntropy implements ReplicaListener {
  /** How often a pair whose exchange failed is tried again within one pass. */
  static final int ATTEMPTS = 3;

  private final NodeId self;
  private final NodeConfig config;
  private final AntiEntropyConfig settings;
  private final Scheduler scheduler;
  private final Clock clock;
  private final Placement placement;
  private final Replica replica;
  private final Completeness completeness;
  private final PeerCalls peers;
  private final BackgroundRate background;
  private final BooleanSupplier exchangeAgreed;
  private final ExchangeConfig exchangeConfig;
  private final LocalSets sets = new ReplicaSets();
  private final TreeResponder responder;

  /** Per incomplete partition, the owners it was pulled from so far. */
  private final Map<String, Map<Integer, java.util.Set<NodeId>>> pulledFrom = new TreeMap<>();

  /**
   * Per incomplete partition, the keys this node holds that no owner pulled from so far holds (null
   * before the first pull): what it may hold only because it lost track of a purge.
   */
  private final Map<String, Map<Integer, java.util.Set<Key>>> onlyHere = new TreeMap<>();

  /** The trees of the partitions this node replicates, by store then partition. */
  private final Map<String, Map<Integer, PartitionTree>> trees = new TreeMap<>();

  /** Where each tree's build has read to: its last storage key (absent once built). */
  private final Map<PartitionTree, byte[]> building = new java.util.IdentityHashMap<>();

  private final ArrayDeque<PartitionTree> buildQueue = new ArrayDeque<>();
  private boolean buildScheduled;

  private final ArrayDeque<Pair> pass = new ArrayDeque<>();
  private final ArrayDeque<Pair> reapQueue = new ArrayDeque<>();
  private byte[] reapAfter;
  private boolean reaping;
  private final BrokenVariant broken;
  private final Transfers transfers;
  private volatile boolean closing;
  private boolean passRunning;
  private boolean nudged;
  private boolean confirmPass;
  private long lastPassPlannedNanos = Long.MIN_VALUE / 2;
  private int skippedThisPass;
  private Pair running;
  private final List<CompletableFuture<Void>> waitingForNextPass = new ArrayList<>();
  private final List<CompletableFuture<Void>> waitingForThisPass = new ArrayList<>();
  private long sendAllowedNanos;
  private Scheduler.Cancellable ticks;

  // Written on the scheduler, read by status() from any thread.
  private volatile long fullPasses;
  private volatile long lastFullPassMillis = -1;
  private volatile long exchanges;
  private volatile long failedExchanges;
  private volatile long skippedPairs;
  private volatile long keysCompared;
  private volatile long keysDiffering;
  private volatile long keysRepaired;
  private volatile long bytesSent;
  private volatile long bytesReceived;
  private volatile long treesBuilt;
  private volatile long unreadable;
  private volatile long buildFailures;
  private volatile long staleDropped;
  private volatile long tombstonesPurged;
  private volatile long purgeVetoed;
  private volatile int heldTrees;
  private volatile int buildingTrees;
  private volatile int passRemaining;

  /** What anti-entropy asks of ownership transfer. Called on the scheduler. */
  interface Transfers {
    /** Never confirms; nobody departs: for a node without transfers. */
    Transfers NONE =
        new Transfers() {
          @Override
          public boolean mayConfirm(String store, int partition) {
            return true;
          }

          @Override
          public boolean departed(NodeId node) {
            return false;
          }
        };

    /**
     * Whether an incomplete partition may be pulled now: for a partition this node moves into, once
     * its stream has ended (and the ring has reached every member); always otherwise.
     */
    boolean mayConfirm(String store, int partition);

    /** Whether {@code node} left or was removed: it will never answer, and is not waited for. */
    boolean departed(NodeId node);
  }

  /** One exchange of a pass: a partition of a store, with one other replica. */
  record Pair(String store, int partition, NodeId peer, int attempt) {}

  AntiEntropy(
      NodeConfig config,
      Scheduler scheduler,
      Clock clock,
      Placement placement,
      Replica replica,
      Completeness completeness,
      PeerCalls peers,
      BackgroundRate background,
      BooleanSupplier exchangeAgreed,
      Transfers transfers,
      BrokenVariant broken) {
    this.self = config.self();
    this.transfers = transfers;
    this.config = config;
    this.settings = config.antiEntropy();
    this.scheduler = scheduler;
    this.clock = clock;
    this.placement = placement;
    this.replica = replica;
    this.completeness = completeness;
    this.peers = peers;
    this.background = background;
    this.exchangeAgreed = exchangeAgreed;
    this.broken = broken;
    io.dynamokv.core.merkle.BrokenVariant exchangeBroken =
        switch (broken) {
          case ANTI_ENTROPY_INITIATOR_SKIPS_MERGE ->
              io.dynamokv.core.merkle.BrokenVariant.INITIATOR_SKIPS_MERGE;
          case ANTI_ENTROPY_RESPONDER_SKIPS_MERGE ->
              io.dynamokv.core.merkle.BrokenVariant.RESPONDER_SKIPS_MERGE;
          default -> io.dynamokv.core.merkle.BrokenVariant.NONE;
        };
    this.exchangeConfig = ExchangeConfig.defaults().withListThreshold(2).withBroken(exchangeBroken);
    this.responder = new TreeResponder(this::lookup, sets, exchangeBroken);
  }

  /** Starts the background exchanges. */
  void start() {
    ticks =
        scheduler.scheduleWithFixedDelay(
            settings.interval(), settings.interval(), () -> tick(false));
  }

  void stop() {
    closing = true;
    if (ticks != null) {
      ticks.cancel();
    }
  }

  // ---- trees ----

  /** The ring changed: drop the trees of partitions this node no longer holds, build new ones. */
  void useRing(Ring ring) {
    Map<String, Map<Integer, PartitionTree>> next = new TreeMap<>();
    for (StoreDefinition def : config.stores().values()) {
      Map<Integer, PartitionTree> old = trees.getOrDefault(def.name(), Map.of());
      Map<Integer, PartitionTree> held = new TreeMap<>();
      for (int p = 0; p < ring.partitionCount(); p++) {
        if (!ring.replicas(p, def.replicationFactor()).contains(self)) {
          continue;
        }
        TokenRange range = ring.range(p);
        PartitionTree tree = old.get(p);
        if (tree == null || !tree.range().equals(range)) {
          tree = PartitionTree.building(range, settings.treeDepth());
          building.put(tree, null);
          buildQueue.add(tree);
        }
        held.put(p, tree);
      }
      next.put(def.name(), held);
    }
    for (Map<Integer, PartitionTree> old : trees.values()) {
      for (PartitionTree tree : old.values()) {
        if (!containsTree(next, tree)) {
          building.remove(tree);
          buildQueue.remove(tree);
        }
      }
    }
    trees.clear();
    trees.putAll(next);
    pass.removeIf(pair -> tree(pair.store(), pair.partition()) == null);
    // Pulls count towards the owners of one ring: the owners (and, with random tokens, the
    // partitions' ranges) may differ in the next.
    pulledFrom.clear();
    onlyHere.clear();
    updateGauges();
    scheduleBuild();
  }

  private void updateGauges() {
    int held = 0;
    for (Map<Integer, PartitionTree> m : trees.values()) {
      held += m.size();
    }
    heldTrees = held;
    buildingTrees = building.size();
    passRemaining = pass.size();
  }

  private static boolean containsTree(
      Map<String, Map<Integer, PartitionTree>> all, PartitionTree tree) {
    for (Map<Integer, PartitionTree> m : all.values()) {
      if (m.containsValue(tree)) {
        return true;
      }
    }
    return false;
  }

  PartitionTree tree(String store, int partition) {
    Map<Integer, PartitionTree> byPartition = trees.get(store);
    return byPartition == null ? null : byPartition.get(partition);
  }

  /** The built tree of {@code store}'s {@code partition}, or null if none is (yet). */
  PartitionTree readyTree(String store, int partition) {
    PartitionTree tree = tree(store, partition);
    return tree == null || building.containsKey(tree) ? null : tree;
  }

  private void scheduleBuild() {
    if (!buildScheduled && !buildQueue.isEmpty()) {
      buildScheduled = true;
      scheduler.execute(this::buildStep);
    }
  }

  /** Reads one batch of keys into the tree being built, then yields; a failed batch is retried. */
  private void buildStep() {
    buildScheduled = false;
    try {
      buildBatch();
    } catch (RuntimeException e) {
      // A storage failure must not leave the tree building for ever: start it again later.
      PartitionTree tree = buildQueue.peek();
      if (tree != null) {
        buildFailures++;
        restartBuild(tree);
      }
      scheduler.schedule(settings.interval(), this::scheduleBuild);
      return;
    }
    scheduleBuild();
  }

  private void restartBuild(PartitionTree failed) {
    buildQueue.poll();
    building.remove(failed);
    for (Map.Entry<String, Map<Integer, PartitionTree>> e : trees.entrySet()) {
      for (Map.Entry<Integer, PartitionTree> t : e.getValue().entrySet()) {
        if (t.getValue() == failed) {
          PartitionTree fresh = PartitionTree.building(failed.range(), settings.treeDepth());
          t.setValue(fresh);
          building.put(fresh, null);
          buildQueue.add(fresh);
          return;
        }
      }
    }
  }

  private void buildBatch() {
    PartitionTree tree = buildQueue.peek();
    if (tree == null) {
      return;
    }
    StoreDefinition def = storeOf(tree);
    if (def == null) {
      buildQueue.poll();
      return;
    }
    byte[] after = building.get(tree);
    List<Replica.Scanned> batch = replica.scan(def, tree.range(), after, settings.scanBatch());
    addScanned(tree, batch);
    if (batch.size() < settings.scanBatch()) {
      buildQueue.poll();
      building.remove(tree);
      tree.finish();
      treesBuilt++;
      updateGauges();
    } else {
      Replica.Scanned last = batch.get(batch.size() - 1);
      building.put(tree, StorageKeys.storageKey(last.token(), last.key()));
    }
  }

  /** Adds scanned keys to a tree being built. */
  private void addScanned(PartitionTree tree, List<Replica.Scanned> batch) {
    for (Replica.Scanned s : batch) {
      if (s.siblings() == null || s.siblings().isEmpty()) {
        unreadable += s.siblings() == null ? 1 : 0;
        tree.advanceTo(s.token());
      } else {
        tree.addScanned(s.token(), KeyDigest.of(s.key(), s.siblings()));
      }
    }
  }

  // ---- hand-off of a partition given up ----

  /**
   * Hands this node's copy of {@code partition} of {@code def}, which it no longer replicates in
   * {@code ring}, to {@code owner} ({@link Transfer.HandOff}): builds a tree of the copy, a batch
   * of keys per task, then runs one push-only exchange with the owner, which merges every set of
   * the copy it lacks. Sets whose newest write is older than the tombstone grace period when they
   * would be sent are left out, stricter than a node back with old data ({@link #dropStale}, which
   * keeps such a set when an owner holds the key): a value that old may have been deleted and
   * purged, and a hand-off cannot tell. The copy must not be written during the hand-off (a node
   * does not replicate what it gives up, so it is not). The tree holds every set, so that a copy
   * equal to the owner's matches at the root. Nothing is stored here: the copy is dropped next.
   * Completes with whether the exchange completed; false at once when a member cannot take part in
   * exchanges.
   */
  CompletionStage<Boolean> handOff(StoreDefinition def, Ring ring, int partition, NodeId owner) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    if (!exchangeAgreed.getAsBoolean()) {
      done.complete(false);
      return done;
    }
    PartitionTree tree = PartitionTree.building(ring.range(partition), settings.treeDepth());
    handOffBuild(def, ring, partition, owner, tree, null, done);
    return done;
  }

  private void handOffBuild(
      StoreDefinition def,
      Ring ring,
      int partition,
      NodeId owner,
      PartitionTree tree,
      byte[] after,
      CompletableFuture<Boolean> done) {
    if (closing) {
      done.complete(false);
      return;
    }
    try {
      List<Replica.Scanned> batch = replica.scan(def, tree.range(), after, settings.scanBatch());
      addScanned(tree, batch);
      if (batch.size() == settings.scanBatch()) {
        Replica.Scanned last = batch.get(batch.size() - 1);
        byte[] next = StorageKeys.storageKey(last.token(), last.key());
        scheduler.execute(() -> handOffBuild(def, ring, partition, owner, tree, next, done));
        return;
      }
      tree.finish();
      new TreeExchange(
              def.name(),
              partition,
              ring.version(),
              tree,
              leaves(def.name()),
              LocalSets.readOnly(this::handOffRead),
              request -> send(owner, request),
              exchangeConfig.withPushOnly(true),
              scheduler::execute)
          .run()
          .whenComplete(
              (result, error) ->
                  done.complete(
                      error == null && result.outcome() == ExchangeStats.Outcome.COMPLETED));
    } catch (RuntimeException e) {
      done.complete(false); // the sweep tries again later
    }
  }

  /**
   * A set of a copy being handed off: as stored, or absent if older than the tombstone grace period
   * at the time it is read.
   */
  private Siblings handOffRead(String store, byte[] key) {
    Siblings set = sets.read(store, key);
    return olderThanGrace(set, graceStart()) ? Siblings.empty() : set;
  }

  private StoreDefinition storeOf(PartitionTree tree) {
    for (Map.Entry<String, Map<Integer, PartitionTree>> e : trees.entrySet()) {
      if (e.getValue().containsValue(tree)) {
        return config.stores().get(e.getKey());
      }
    }
    return null;
  }

  @Override
  public void onStored(String store, int partition, Key key, Siblings before, Siblings siblings) {
    PartitionTree tree = tree(store, partition);
    if (tree != null) {
      byte[] k = key.toByteArray();
      tree.change(Token.of(k), KeyDigest.of(k, before), KeyDigest.of(k, siblings));
    }
  }

  @Override
  public void onDropped(String store, int partition, Key key, Siblings before) {
    PartitionTree tree = tree(store, partition);
    if (tree != null) {
      byte[] k = key.toByteArray();
      tree.change(Token.of(k), KeyDigest.of(k, before), KeyDigest.ABSENT);
    }
  }

  // ---- passes ----

  /**
   * Starts a full pass now, after the exchange in progress; the stage completes once it has
   * started, or with {@code wait} once it is done.
   */
  CompletionStage<Void> repair(boolean wait) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!settings.enabled()) {
      done.completeExceptionally(
          new IllegalStateException(
              "anti-entropy is off on " + self + " (dynamo.anti-entropy.enabled = false)"));
      return done;
    }
    pass.clear();
    passRunning = false;
    waitingForNextPass.add(done);
    if (!wait) {
      done.complete(null);
    }
    tick();
    return done;
  }

  private void tick() {
    tick(false);
  }

  /**
   * One step: the reaper's, then the next exchange of the pass, planning a new pass when none runs:
   * a full one, or with {@code confirmOnly} (a transfer's nudge) one of the partitions this node
   * does not hold completely only.
   */
  private void tick(boolean confirmOnly) {
    if (!settings.enabled() || placement.ring().isEmpty()) {
      return;
    }
    reapStep();
    if (running != null) {
      return;
    }
    if (!passRunning) {
      // A nudge plans a pass of the incomplete partitions only, unless a full pass is due.
      boolean due = clock.nanoTime() - lastPassPlannedNanos >= settings.interval().toNanos();
      planPass(confirmOnly && waitingForNextPass.isEmpty() && !due);
    }
    while (!pass.isEmpty()) {
      Pair pair = pass.poll();
      PartitionTree tree = readyTree(pair.store(), pair.partition());
      if (tree == null && tree(pair.store(), pair.partition()) != null) {
        pass.add(pair); // still building: the pass waits for it
        return;
      }
      if (tree == null
          || !ownsNow(pair)
          || !exchangeAgreed.getAsBoolean()
          || !peers.reachable(pair.peer())) {
        skip();
        continue;
      }
      passRemaining = pass.size();
      exchange(pair, tree);
      return;
    }
    passRemaining = 0;
    passDone();
  }

  private boolean ownsNow(Pair pair) {
    Ring ring = placement.ring().orElse(null);
    StoreDefinition def = config.stores().get(pair.store());
    return ring != null
        && def != null
        && ring.replicas(pair.partition(), def.replicationFactor()).contains(pair.peer());
  }

  /**
   * A background pass covers each pair of replicas once: a node starts the exchanges with the
   * owners whose id is above its own (both sides end with the merge). A pass an operator asked for,
   * and every partition this node does not hold completely, exchange with every other owner: the
   * node then learns all the others hold.
   */
  private void planPass(boolean confirmOnly) {
    Ring ring = placement.ring().orElseThrow();
    pass.clear();
    skippedThisPass = 0;
    boolean requested = !waitingForNextPass.isEmpty();
    confirmPass = confirmOnly;
    if (!confirmOnly) {
      lastPassPlannedNanos = clock.nanoTime();
    }
    trees.forEach(
        (store, byPartition) -> {
          int n = config.stores().get(store).replicationFactor();
          byPartition.forEach(
              (partition, tree) -> {
                boolean incomplete = completeness.isIncomplete(store, partition);
                List<NodeId> sources = sources(ring, store, partition);
                if (incomplete && sources.isEmpty()) {
                  // No other owner to pull from: what this node holds is all there is.
                  completeness.completed(store, partition);
                  incomplete = false;
                }
                if (incomplete && !transfers.mayConfirm(store, partition)) {
                  return; // a pending owner's stream has not ended yet
                }
                if (confirmOnly && !incomplete) {
                  return;
                }
                boolean all = requested || incomplete;
                for (NodeId peer : incomplete ? sources : ring.replicas(partition, n)) {
                  if (!peer.equals(self) && (all || peer.compareTo(self) > 0)) {
                    pass.add(new Pair(store, partition, peer, 0));
                  }
                }
              });
        });
    passRunning = true;
    if (!confirmOnly) {
      waitingForThisPass.addAll(waitingForNextPass);
      waitingForNextPass.clear();
    }
  }

  /**
   * Whom an incomplete partition is pulled from before it counts as complete: every other owner
   * that has not left or been removed; for a partition this node moves into, every current owner
   * (the pending ones hold no complete copy either).
   */
  private List<NodeId> sources(Ring ring, String store, int partition) {
    int n = config.stores().get(store).replicationFactor();
    List<NodeId> candidates =
        ring.incomingOwners(partition, n).contains(self)
            ? ring.preferenceList(partition, n)
            : ring.replicas(partition, n);
    List<NodeId> sources = new ArrayList<>(candidates.size());
    for (NodeId node : candidates) {
      if (!node.equals(self) && !transfers.departed(node)) {
        sources.add(node);
      }
    }
    return sources;
  }

  /**
   * A partition became ready to be confirmed (its stream ended): plans a pass now, or right after
   * the one running, instead of at the next interval.
   */
  void nudge() {
    if (!settings.enabled() || closing) {
      return;
    }
    // A pass may be waiting for a tree still building, which only a tick notices.
    nudged = passRunning;
    scheduler.execute(() -> tick(true));
  }

  private void passDone() {
    if (!passRunning) {
      return;
    }
    passRunning = false;
    if (nudged) {
      nudged = false;
      scheduler.execute(() -> tick(true));
    }
    if (confirmPass) {
      confirmPass = false;
      return; // not a full pass: counts as none, and answers no operator
    }
    fullPasses++;
    lastFullPassMillis = Math.max(0, clock.wallMillis());
    List<CompletableFuture<Void>> done = new ArrayList<>(waitingForThisPass);
    waitingForThisPass.clear();
    int skipped = skippedThisPass;
    skippedThisPass = 0;
    if (!done.isEmpty() && skipped > 0) {
      IllegalStateException partial =
          new IllegalStateException(
              "the anti-entropy pass of "
                  + self
                  + " ended with "
                  + skipped
                  + " exchanges skipped: a replica was unreachable, refused or failed, or a member"
                  + " does not speak anti-entropy yet (see the anti-entropy status section); run"
                  + " repair again once every owner is up");
      done.forEach(f -> f.completeExceptionally(partial));
    } else if (completeness.any()) {
      // An operator waiting for the repair of a node that lost data must not hear "done" while
      // reads of some partitions are still refused.
      IllegalStateException incomplete =
          new IllegalStateException(
              "the anti-entropy pass of "
                  + self
                  + " ended, but "
                  + describeIncomplete()
                  + " partitions are still incomplete: an owner could not be reached or refused"
                  + " (see the anti-entropy status section); run repair again once every owner is"
                  + " up");
      done.forEach(f -> f.completeExceptionally(incomplete));
    } else {
      done.forEach(f -> f.complete(null));
    }
  }

  private String describeIncomplete() {
    int count = completeness.count();
    return count < 0 ? "all its" : Integer.toString(count);
  }

  private void retry(Pair pair, int attempts) {
    if (pair.attempt() + 1 < attempts) {
      pass.add(new Pair(pair.store(), pair.partition(), pair.peer(), pair.attempt() + 1));
    } else {
      skip();
    }
  }

  private void skip() {
    skippedPairs++;
    skippedThisPass++;
  }

  private void exchange(Pair pair, PartitionTree tree) {
    running = pair;
    Ring ring = placement.ring().orElseThrow();
    boolean pullOnly = completeness.isIncomplete(pair.store(), pair.partition());
    TreeExchange exchange =
        new TreeExchange(
            pair.store(),
            pair.partition(),
            ring.version(),
            tree,
            leaves(pair.store()),
            sets,
            request -> send(pair.peer(), request),
            exchangeConfig.withPullOnly(pullOnly),
            scheduler::execute);
    exchange
        .run()
        .whenComplete(
            (result, error) ->
                scheduler.execute(
                    () -> {
                      running = null;
                      if (result != null) {
                        count(result);
                      }
                      if (error != null || result.outcome() != ExchangeStats.Outcome.COMPLETED) {
                        failedExchanges++;
                        Reason why = result == null ? null : result.refusal();
                        if (why == Reason.NOT_AN_OWNER) {
                          skip(); // the rings differ: the next pass plans afresh
                        } else {
                          retry(
                              pair, why == Reason.NOT_READY || why == Reason.BUSY ? 20 : ATTEMPTS);
                        }
                        return;
                      }
                      exchanges++;
                      if (pullOnly
                          && placement.ring().map(Ring::version).orElse(-1L) == ring.version()) {
                        pulled(pair, result.onlyHere());
                      }
                      if (!waitingForThisPass.isEmpty() || completeness.any()) {
                        // An operator waits, or reads are refused: go on at once, within the rate.
                        scheduler.execute(this::tick);
                      }
                    }));
  }

  private void count(ExchangeStats result) {
    keysCompared += result.keysCompared();
    keysDiffering += result.differingKeys();
    keysRepaired += result.repairedHere() + result.repairedThere();
    bytesSent += result.bytesSent();
    bytesReceived += result.bytesReceived();
  }

  /**
   * An incomplete partition was pulled from {@code pair}'s peer; once that holds for every other
   * owner in the current ring, this node holds the partition as completely as the cluster does. A
   * peer that is incomplete too answers no sets: with two owners incomplete at once, a write only
   * the other one kept is hidden from reads until that one completes too.
   */
  private void pulled(Pair pair, List<byte[]> lackedThere) {
    Map<Integer, java.util.Set<Key>> byPartition =
        onlyHere.computeIfAbsent(pair.store(), s -> new TreeMap<>());
    java.util.Set<Key> lacked = new java.util.HashSet<>();
    for (byte[] key : lackedThere) {
      lacked.add(Key.of(key));
    }
    java.util.Set<Key> candidates = byPartition.get(pair.partition());
    if (candidates == null) {
      byPartition.put(pair.partition(), lacked);
    } else {
      candidates.retainAll(lacked);
    }
    Ring ring = placement.ring().orElse(null);
    if (ring == null) {
      return;
    }
    List<NodeId> owners = sources(ring, pair.store(), pair.partition());
    java.util.Set<NodeId> done =
        pulledFrom
            .computeIfAbsent(pair.store(), s -> new TreeMap<>())
            .computeIfAbsent(pair.partition(), p -> new java.util.TreeSet<>());
    done.add(pair.peer());
    for (NodeId owner : owners) {
      if (!owner.equals(self) && !done.contains(owner)) {
        return;
      }
    }
    pulledFrom.get(pair.store()).remove(pair.partition());
    java.util.Set<Key> stale = byPartition.remove(pair.partition());
    // Only a partition regained with old data: a node that lost data may hold, alone, writes the
    // others have not got yet (it did not push them while incomplete), and must keep them.
    if (stale != null && completeness.regained(pair.store(), pair.partition())) {
      dropStale(pair.store(), stale);
    }
    completeness.completed(pair.store(), pair.partition());
  }

  /**
   * Drops the keys this node alone holds in a partition it has just pulled whose newest write is
   * older than the tombstone grace period: every other owner lacks them, which for a value that old
   * means its delete was purged (a value written since is younger; one the others never got would
   * have reached them through anti-entropy long ago). What this node kept from an earlier time it
   * owned the partition thus cannot bring a purged delete back.
   */
  private void dropStale(String store, java.util.Set<Key> keys) {
    StoreDefinition def = config.stores().get(store);
    long graceStart = graceStart();
    for (Key key : keys) {
      try {
        boolean dropped =
            replica.dropIf(def, key.toByteArray(), set -> olderThanGrace(set, graceStart));
        if (dropped) {
          staleDropped++;
        }
      } catch (InvalidContextException undecodable) {
        unreadable++;
      }
    }
  }

  /** The wall time before which a write is older than the tombstone grace period. */
  private long graceStart() {
    return clock.wallMillis() - settings.tombstoneGrace().toMillis();
  }

  /** Whether {@code set} is not empty and its newest write is at or before {@code graceStart}. */
  private static boolean olderThanGrace(Siblings set, long graceStart) {
    return !set.isEmpty() && newestWrite(set) <= graceStart;
  }

  private static long newestWrite(Siblings set) {
    long newest = Long.MIN_VALUE;
    for (io.dynamokv.core.version.Versioned v : set.values()) {
      newest = Math.max(newest, v.wallMillis());
    }
    return newest;
  }

  /**
   * Sends one request of an exchange to {@code peer} once the rate allows, and counts its bytes
   * against the rate.
   */
  private CompletionStage<AntiEntropyMessage> send(NodeId peer, Request request) {
    CompletableFuture<AntiEntropyMessage> reply = new CompletableFuture<>();
    long wait = Math.max(sendAllowedNanos - clock.nanoTime(), background.waitNanos());
    Runnable call =
        () -> {
          try {
            charge(AntiEntropyCodec.PROTOCOL.encode(request).length);
            peers.call(
                peer,
                request,
                AntiEntropyMessage.class,
                config.requestTimeout().multipliedBy(10),
                (answer, error) -> {
                  if (error != null) {
                    reply.completeExceptionally(error);
                  } else {
                    charge(AntiEntropyCodec.PROTOCOL.encode(answer).length);
                    reply.complete(answer);
                  }
                });
          } catch (RuntimeException e) {
            reply.completeExceptionally(e); // the exchange ends; the pass goes on
          }
        };
    if (wait > 0) {
      scheduler.schedule(java.time.Duration.ofNanos(wait), call);
    } else {
      call.run();
    }
    return reply;
  }

  /**
   * Counts {@code bytes} against anti-entropy's own rate and the node's background budget (shared
   * with hinted handoff): later sends wait until both allow them.
   */
  private void charge(long bytes) {
    long now = clock.nanoTime();
    long cost = bytes * 1_000_000_000L / settings.bytesPerSecond();
    sendAllowedNanos = Math.max(sendAllowedNanos, now) + cost;
    background.charge(bytes);
  }

  // ---- tombstone purge ----

  /**
   * One step of the reaper: reads the next page of a partition this node is the first owner of, and
   * purges the tombstones in it that are older than the grace period (see {@link #purge}). One
   * purge at a time; partitions this node does not hold completely, or whose tree is still being
   * built, are left for a later round.
   */
  private void reapStep() {
    if (reaping) {
      return;
    }
    Ring ring = placement.ring().orElseThrow();
    if (reapQueue.isEmpty()) {
      trees.forEach(
          (store, byPartition) -> {
            int n = config.stores().get(store).replicationFactor();
            byPartition.forEach(
                (partition, tree) -> {
                  List<NodeId> owners = ring.preferenceList(partition, n);
                  // Not while the partition moves: a pending owner may still get an old value.
                  if (owners.get(0).equals(self)
                      && owners.size() == n
                      && ring.pendingOwners(partition, n).isEmpty()) {
                    reapQueue.add(new Pair(store, partition, self, 0));
                  }
                });
          });
      reapAfter = null;
      if (reapQueue.isEmpty()) {
        return;
      }
    }
    Pair head = reapQueue.peek();
    PartitionTree tree = readyTree(head.store(), head.partition());
    if (tree == null || completeness.isIncomplete(head.store(), head.partition())) {
      reapQueue.poll();
      reapAfter = null;
      return;
    }
    StoreDefinition def = config.stores().get(head.store());
    List<Replica.Scanned> page = replica.scan(def, tree.range(), reapAfter, settings.scanBatch());
    List<KeyEntry> expired = new ArrayList<>();
    for (Replica.Scanned s : page) {
      if (s.siblings() != null && expiredTombstone(s.siblings())) {
        expired.add(new KeyEntry(s.key(), KeyDigest.of(s.key(), s.siblings())));
      }
    }
    if (page.size() < settings.scanBatch()) {
      reapQueue.poll();
      reapAfter = null;
    } else {
      Replica.Scanned last = page.get(page.size() - 1);
      reapAfter = StorageKeys.storageKey(last.token(), last.key());
    }
    if (!expired.isEmpty()) {
      purge(head.store(), head.partition(), expired);
    }
  }

  /** A set of deletes only whose newest delete is older than the grace period. */
  private boolean expiredTombstone(Siblings set) {
    if (set.isEmpty() || !set.isDeleted()) {
      return false;
    }
    long grace =
        broken == BrokenVariant.PURGE_IGNORES_GRACE ? 0 : settings.tombstoneGrace().toMillis();
    return newestWrite(set) <= clock.wallMillis() - grace;
  }

  /**
   * Purges expired tombstones of {@code partition} (paper-less; Riak's delete_mode and Cassandra's
   * gc_grace): every other owner is asked whether it holds exactly the same set of expired deletes,
   * durably (it flushes before it says yes); the keys every owner vouched for are then dropped by
   * every owner, each only if its set is still the same. An owner that is unreachable, lost data,
   * or holds anything else for a key keeps the key (and its tombstone) for a later round. A purge
   * that reaches only some owners leaves the tombstone on the others, which anti-entropy hands back
   * and a later round purges.
   */
  private void purge(String store, int partition, List<KeyEntry> expired) {
    Ring ring = placement.ring().orElseThrow();
    StoreDefinition def = config.stores().get(store);
    List<NodeId> owners = ring.preferenceList(partition, def.replicationFactor());
    if (owners.size() != def.replicationFactor()
        || !owners.get(0).equals(self)
        || !ring.pendingOwners(partition, def.replicationFactor()).isEmpty()) {
      return; // the ring changed since the page was read: the next round plans afresh
    }
    List<NodeId> others = new ArrayList<>(owners);
    others.remove(self);
    for (NodeId other : others) {
      if (!peers.reachable(other)) {
        purgeVetoed += expired.size();
        return;
      }
    }
    reaping = true;
    long version = ring.version();
    CompletableFuture<boolean[]> vouched;
    if (broken == BrokenVariant.PURGE_WITHOUT_VOTES) {
      boolean[] all = new boolean[expired.size()];
      java.util.Arrays.fill(all, true);
      vouched = CompletableFuture.completedFuture(all);
    } else {
      vouched = askAll(others, new PurgeCheck(store, partition, version, expired));
    }
    vouched.whenComplete(
        (votes, error) ->
            scheduler.execute(
                () -> {
                  try {
                    finishPurge(store, partition, version, others, expired, votes, error);
                  } catch (RuntimeException e) {
                    purgeVetoed += expired.size();
                    reaping = false; // the reaper goes on with the next page
                  }
                }));
  }

  private void finishPurge(
      String store,
      int partition,
      long version,
      List<NodeId> others,
      List<KeyEntry> expired,
      boolean[] votes,
      Throwable error) {
    if (error != null) {
      purgeVetoed += expired.size();
      reaping = false;
      return;
    }
    List<KeyEntry> agreed = new ArrayList<>();
    for (int i = 0; i < expired.size(); i++) {
      KeyEntry e = expired.get(i);
      if (votes[i] && sets.holdsExpiredTombstone(store, e.key(), e.digest())) {
        agreed.add(e);
      } else {
        purgeVetoed++;
      }
    }
    if (agreed.isEmpty()) {
      reaping = false;
      return;
    }
    askAll(others, new Purge(store, partition, version, agreed))
        .whenComplete((dropped, failed) -> scheduler.execute(() -> reaping = false));
    for (KeyEntry e : agreed) {
      sets.dropIf(store, e.key(), e.digest());
    }
  }

  /**
   * Sends {@code request} to every node of {@code targets}; completes with, per entry, whether
   * every one of them answered yes, or fails if any did not answer.
   */
  private CompletableFuture<boolean[]> askAll(List<NodeId> targets, Request request) {
    int entries =
        request instanceof PurgeCheck c ? c.entries().size() : ((Purge) request).entries().size();
    boolean[] all = new boolean[entries];
    java.util.Arrays.fill(all, true);
    CompletableFuture<boolean[]> done = new CompletableFuture<>();
    if (targets.isEmpty()) {
      done.complete(all);
      return done;
    }
    int[] left = {targets.size()};
    for (NodeId target : targets) {
      send(target, request)
          .whenComplete(
              (reply, error) ->
                  scheduler.execute(
                      () -> {
                        if (done.isDone()) {
                          return;
                        }
                        if (closing) {
                          done.completeExceptionally(new IllegalStateException("stopping"));
                          return;
                        }
                        if (error != null
                            || !(reply instanceof PurgeReply r)
                            || r.answers().size() != entries) {
                          done.completeExceptionally(
                              error != null
                                  ? error
                                  : new IllegalStateException("unexpected reply " + reply));
                          return;
                        }
                        for (int i = 0; i < entries; i++) {
                          all[i] &= r.answers().get(i);
                        }
                        if (--left[0] == 0) {
                          done.complete(all);
                        }
                      }));
    }
    return done;
  }

  // ---- serving ----

  /** Serves a request of another node's exchange, on the scheduler. */
  CompletionStage<PeerMessage> handle(NodeId from, PeerMessage message) {
    CompletableFuture<PeerMessage> reply = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          try {
            if (!(message instanceof Request request)) {
              throw new InvalidRequestException(
                  "unexpected anti-entropy message " + message.getClass().getSimpleName());
            }
            responder
                .serve(request)
                .whenComplete(
                    (answer, error) -> {
                      if (error != null) {
                        reply.complete(Failure.of(error));
                      } else {
                        reply.complete(answer);
                      }
                    });
          } catch (RuntimeException e) {
            reply.complete(Failure.of(e));
          }
        });
    return reply;
  }

  /** The tree a request names, if this node may serve it. */
  private TreeResponder.Served lookup(String store, int partition, long ringVersion) {
    Ring ring = placement.ring().orElse(null);
    long mine = ring == null ? 0 : ring.version();
    if (!settings.enabled() || !config.stores().containsKey(store)) {
      return TreeResponder.Served.refused(Reason.UNKNOWN_STORE, mine);
    }
    if (ring == null || ring.version() != ringVersion) {
      return TreeResponder.Served.refused(Reason.RING_VERSION, mine);
    }
    if (tree(store, partition) == null) {
      return TreeResponder.Served.refused(Reason.NOT_AN_OWNER, mine);
    }
    PartitionTree tree = readyTree(store, partition);
    if (tree == null) {
      return TreeResponder.Served.refused(Reason.NOT_READY, mine);
    }
    if (completeness.isIncomplete(store, partition)) {
      // It takes what the initiator sends (it pulls while incomplete) and answers no set: nothing
      // it holds leaves it until it holds the partition completely.
      return TreeResponder.Served.pullOnly(tree, leaves(store));
    }
    return TreeResponder.Served.of(tree, leaves(store));
  }

  /** The keys of {@code store} with their digests, scanned a page at a time. */
  private LeafSource leaves(String store) {
    StoreDefinition def = config.stores().get(store);
    return (range, sink) -> {
      byte[] after = null;
      while (true) {
        List<Replica.Scanned> page = replica.scan(def, range, after, settings.scanBatch());
        for (Replica.Scanned s : page) {
          if (s.siblings() != null && !s.siblings().isEmpty()) {
            sink.accept(s.key(), s.token(), KeyDigest.of(s.key(), s.siblings()));
          }
        }
        if (page.size() < settings.scanBatch()) {
          return;
        }
        Replica.Scanned last = page.get(page.size() - 1);
        after = StorageKeys.storageKey(last.token(), last.key());
      }
    };
  }

  /** The sets both sides of an exchange read and merge: this node's replica. */
  private final class ReplicaSets implements LocalSets {
    // A record that does not decode (damaged, or of a newer format) is left as it is: it reads
    // as absent and takes no merge, so the exchange goes on with the other keys. It is counted.
    @Override
    public Siblings read(String store, byte[] key) {
      try {
        return replica.read(config.stores().get(store), key);
      } catch (InvalidContextException undecodable) {
        unreadable++;
        return Siblings.empty();
      }
    }

    @Override
    public Siblings merge(String store, byte[] key, Siblings incoming) {
      try {
        return replica.merge(config.stores().get(store), key, incoming);
      } catch (InvalidContextException undecodable) {
        unreadable++;
        return incoming;
      }
    }

    @Override
    public boolean holdsExpiredTombstone(String store, byte[] key, long digest) {
      Siblings set = read(store, key);
      return expiredTombstone(set) && KeyDigest.of(key, set) == digest;
    }

    @Override
    public void flush() {
      replica.flush();
    }

    @Override
    public boolean dropIf(String store, byte[] key, long digest) {
      try {
        boolean dropped =
            replica.dropIf(
                config.stores().get(store),
                key,
                set -> expiredTombstone(set) && KeyDigest.of(key, set) == digest);
        if (dropped) {
          tombstonesPurged++;
        }
        return dropped;
      } catch (InvalidContextException undecodable) {
        unreadable++;
        return false;
      }
    }
  }

  // ---- status ----

  /** Tombstones this node dropped in purges since it started. */
  long tombstonesPurged() {
    return tombstonesPurged;
  }

  /** Full passes completed since the node started. */
  long fullPasses() {
    return fullPasses;
  }

  /** The {@code anti-entropy} status section. */
  StatusSection section() {
    List<Stat> stats = new ArrayList<>();
    long now = Math.max(0, clock.wallMillis());
    stats.add(
        Stat.gauge(
            "trees", heldTrees, "Partition trees this node keeps (one per store and partition)"));
    stats.add(Stat.gauge("trees.building", buildingTrees, "Trees still being built from the data"));
    stats.add(Stat.counter("trees.built", treesBuilt, "Tree builds completed"));
    stats.add(Stat.counter("passes", fullPasses, "Full passes completed"));
    stats.add(
        Stat.gauge(
            "last.pass.age.ms",
            lastFullPassMillis < 0 ? -1 : Math.max(0, now - lastFullPassMillis),
            "Time since the last full pass completed (-1: none yet)"));
    stats.add(Stat.gauge("pass.remaining", passRemaining, "Exchanges left in the current pass"));
    stats.add(Stat.counter("exchanges", exchanges, "Exchanges completed"));
    stats.add(Stat.counter("exchanges.failed", failedExchanges, "Exchanges that failed"));
    stats.add(Stat.counter("pairs.skipped", skippedPairs, "Pairs skipped in a pass"));
    stats.add(Stat.counter("keys.compared", keysCompared, "Keys listed and compared"));
    stats.add(Stat.counter("keys.differing", keysDiffering, "Keys found to differ"));
    stats.add(Stat.counter("keys.repaired", keysRepaired, "Keys synced by exchanges"));
    stats.add(Stat.counter("bytes.sent", bytesSent, "Payload bytes sent by exchanges"));
    stats.add(Stat.counter("bytes.received", bytesReceived, "Payload bytes received"));
    stats.add(
        Stat.counter(
            "tombstones.purged",
            tombstonesPurged,
            "Keys of deletes only dropped here after every owner vouched for them"));
    stats.add(
        Stat.counter(
            "tombstones.kept",
            purgeVetoed,
            "Expired tombstones a purge kept: an owner was unreachable or held something else"));
    stats.add(
        Stat.counter(
            "stale.dropped",
            staleDropped,
            "Keys a regained or restored partition held alone past the grace period, dropped"));
    stats.add(
        Stat.counter(
            "keys.unreadable", unreadable, "Stored records that did not decode, left as they are"));
    stats.add(
        Stat.gauge(
            "partitions.incomplete",
            completeness.count(),
            "Partitions this node does not hold completely (lost data; -1: all, ring unknown)"));
    return new StatusSection("anti-entropy", stats);
  }
}
