/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StatusSection.Stat;
import io.dynamokv.core.handoff.BackgroundRate;
import io.dynamokv.core.handoff.HintId;
import io.dynamokv.core.handoff.HintStore;
import io.dynamokv.core.membership.HandoffGate;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.transfer.ClusterChange;
import io.dynamokv.core.transfer.TransferMessage;
import io.dynamokv.core.transfer.TransferMessage.Batch;
import io.dynamokv.core.transfer.TransferMessage.Entry;
import io.dynamokv.core.transfer.TransferMessage.Fetch;
import io.dynamokv.core.transfer.TransferMessage.ReadyQuery;
import io.dynamokv.core.transfer.TransferMessage.ReadyReply;
import io.dynamokv.core.transfer.TransferMessage.Refused;
import io.dynamokv.core.transfer.TransferPlan;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.wire.Failure;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Ownership transfer (SPEC §8): moves partitions to their pending owners while the cluster keeps
 * serving. The ring names, per moving partition, its current owners and its pending ones; writes go
 * to both and count W on each side ({@link WriteCoordinator}); reads go to current owners only, and
 * a pending owner's copy is {@linkplain Completeness incomplete} until confirmed.
 *
 * <ol>
 *   <li><b>Stream</b>: once every member has applied the moving ring (plus one request timeout, so
 *       that no write coordinated under the ring before it, which knew no pending owner, is still
 *       in flight), a pending owner fetches each partition it gains from a current owner, an
 *       ordered range scan in bounded batches ({@link Fetch}), merged through the replica's single
 *       apply path while writes keep arriving. The donor charges the node's shared background
 *       budget. A failed batch goes to the next current owner; a restart streams again (merges are
 *       idempotent).
 *   <li><b>Confirm</b>: once the stream has ended and every member has applied the moving ring
 *       (plus one request timeout, so that no write coordinated under the ring before it is still
 *       in flight), anti-entropy pulls the partition from every current owner, a tree comparison
 *       that fetches whatever the stream missed; then the copy is complete (durably).
 *   <li><b>Switch</b>: the claimant asks every member ({@link ReadyQuery}); a node is ready when
 *       each partition it gains is complete and it holds no hint in a moving partition (whatever
 *       the hint's owner). Once all are, the claimant switches ({@link HandoffGate#moveComplete}):
 *       the new layout becomes current and the old one {@linkplain Ring#retiring() retiring} (still
 *       written, no longer read), until every member has the switch and one request timeout has
 *       passed; then the claimant plans the new layout alone.
 *   <li><b>Drop</b>: a node drops (through the replica, so its trees follow) every partition it no
 *       longer replicates, once every member has applied its ring and one request timeout has
 *       passed since: no coordinator still reads or writes it there. The same sweep removes
 *       orphaned copies left by a crash. Before it drops a partition that holds any key, it {@link
 *       HandOff hands the copy} to a current owner, so that what only this copy holds survives it:
 *       a pending owner of a plan that changed holds writes whose other copies may be gone, and no
 *       stream reads a node that is not a current owner. A partition whose hand-off fails is kept
 *       for now; the sweep goes on and passes again later. With anti-entropy off the copy is
 *       dropped unverified: the owners keep no trees to compare it with.
 * </ol>
 *
 * <p>Runs on the node's scheduler; {@link #statusSection()} is safe from any thread.
 */
final class Transfer implements AntiEntropy.Transfers {
  /** The most bytes of records one batch carries. */
  static final int BATCH_BYTES = 1 << 20;

  /** The most hints for one node a readiness check looks at. */
  private static final int MAX_HINTS_CHECKED = 65_536;

  /** How long a sweep that kept a partition (its hand-off failed) waits before it passes again. */
  static final Duration HAND_OFF_RETRY = Duration.ofSeconds(10);

  /** The most keys one sweep step drops. */
  private static final int DROP_BATCH = 256;

  private final NodeId self;
  private final NodeConfig config;
  private final Scheduler scheduler;
  private final Clock clock;
  private final Placement placement;
  private final Replica replica;
  private final Completeness completeness;
  private final PeerCalls peers;
  private final BackgroundRate background;
  private final Supplier<MembershipView> view;
  private final BrokenVariant broken;

  /** Called when a stream ends: anti-entropy confirms the copy (see {@link #onStreamEnded}). */
  private Runnable streamEnded = () -> {};

  /** (store, partition) this node gains and has not streamed yet, in order. */
  private final ArrayDeque<Part> toStream = new ArrayDeque<>();

  /** Streams that ended, for the ring version they were streamed under. */
  private final java.util.Set<Part> streamed = new java.util.HashSet<>();

  private Part streaming;
  private byte[] cursor;
  private int donorIndex;

  /** The current owner the stream of {@link #streaming} reads from now, or null. */
  private NodeId donor;

  /** The donors {@link #streaming} was streamed from in full. */
  private final java.util.Set<NodeId> streamedFrom = new TreeSet<>();

  private volatile long streamFailures;

  /** The partitions this node moves into in its ring, by store then partition (cached per ring). */
  private List<Part> gaining = List.of();

  /** Since when every member has applied {@link #settledVersion} (nanos), or -1. */
  private long settledSinceNanos = -1;

  private long settledVersion = -1;

  /** The claimant's view of who is ready for which ring. */
  private long readyFor = -1;

  /** Per member, when it last answered "ready" for {@link #readyFor} (nanos). */
  private final Map<NodeId, Long> readyAt = new TreeMap<>();

  /** Since when every member has said it is ready for {@link #readyFor} (nanos), or -1. */
  private long allReadySinceNanos = -1;

  private final java.util.Set<NodeId> asking = new TreeSet<>();
  private final Map<NodeId, String> notReady = new TreeMap<>();

  private boolean sweepNeeded = true;

  /** Where the sweep goes on: the index of a (store, partition) pair, stores in config order. */
  private int sweepAt;

  private boolean sweeping;

  /** Bumped by every ring change: steps and hand-offs of an older sweep stop at it. */
  private long sweepGeneration;

  /** Whether this pass of the sweep kept a partition whose hand-off failed. */
  private boolean sweepKept;

  /** Whether the sweep waits until {@link #sweepRetryAtNanos} to pass again. */
  private boolean sweepWaits;

  /** When a sweep that kept a partition may pass again (nanos). */
  private long sweepRetryAtNanos;

  /**
   * Null with anti-entropy off: the owners keep no trees to compare with, and a copy given up is
   * dropped unverified.
   */
  private HandOff handOff;

  /** The partitions handed off since the ring last changed: the sweep drops them. */
  private final java.util.Set<Part> handedOff = new java.util.HashSet<>();

  /** Rotates the owner a failed hand-off tries next. */
  private int handOffAttempt;

  private Scheduler.Cancellable ticks;
  private volatile boolean closing;

  private volatile long recordsReceived;
  private volatile long bytesReceived;
  private volatile long recordsSent;
  private volatile long bytesSent;
  private volatile long partitionsDropped;
  private volatile long keysDropped;
  private volatile long handOffs;
  private volatile long handOffFailures;
  private volatile long switchesAsked;
  private volatile int pendingGauge;
  private volatile int streamedGauge;
  private volatile int completeGauge;
  private volatile boolean readyGauge;
  private volatile boolean movingGauge;
  private volatile long ringVersionGauge;

  /** A partition of a store. */
  record Part(String store, int partition) {}

  /**
   * Gives a partition's copy this node no longer replicates to one of its current owners.
   * Implemented by {@link AntiEntropy#handOff}: a tree exchange that pushes to the owner whatever
   * it lacks, cheap when the owner holds it all already.
   */
  @FunctionalInterface
  interface HandOff {
    /**
     * Completes with true once {@code owner} holds every set of {@code partition} of {@code def}
     * that this node held when the hand-off started, except sets older than the tombstone grace
     * period when they would be sent (a value that old may have been deleted and purged), with
     * false when it could not tell (the owner refused, was unreachable, or routes by another ring);
     * called on the scheduler, completes on any thread.
     */
    CompletionStage<Boolean> handOff(StoreDefinition def, Ring ring, int partition, NodeId owner);
  }

  Transfer(
      NodeConfig config,
      Scheduler scheduler,
      Clock clock,
      Placement placement,
      Replica replica,
      Completeness completeness,
      PeerCalls peers,
      BackgroundRate background,
      Supplier<MembershipView> view,
      BrokenVariant broken) {
    this.self = config.self();
    this.config = config;
    this.scheduler = scheduler;
    this.clock = clock;
    this.placement = placement;
    this.replica = replica;
    this.completeness = completeness;
    this.peers = peers;
    this.background = background;
    this.view = view;
    this.broken = broken;
  }

  /** Sets how a partition is handed to an owner before it is dropped (none: it is not). */
  void handOffWith(HandOff handOff) {
    this.handOff = handOff;
  }

  /** Runs {@code action} on the scheduler each time a partition's stream ends. */
  void onStreamEnded(Runnable action) {
    streamEnded = action;
  }

  void start() {
    Duration every = config.membership().gossipInterval();
    ticks = scheduler.scheduleWithFixedDelay(every, every, this::tick);
  }

  void stop() {
    closing = true;
    if (ticks != null) {
      ticks.cancel();
    }
  }

  // ---- the ring ----

  /** The ring changed: plan the streams of the partitions this node gains, sweep what it lost. */
  void useRing(Ring ring) {
    toStream.clear();
    List<Part> gains = new ArrayList<>();
    java.util.Set<Part> keep = new java.util.HashSet<>();
    if (ring.moving() && !ring.retiring()) {
      for (StoreDefinition def : config.stores().values()) {
        for (int p = 0; p < ring.partitionCount(); p++) {
          if (ring.incomingOwners(p, def.replicationFactor()).contains(self)) {
            Part part = new Part(def.name(), p);
            gains.add(part);
            boolean confirmed =
                config.antiEntropy().enabled() && !completeness.isIncomplete(def.name(), p);
            if (streamed.contains(part) || confirmed) {
              keep.add(part); // a restart does not stream a confirmed copy again
            } else if (!(streaming != null && streaming.equals(part))) {
              toStream.add(part);
            }
          }
        }
      }
    }
    gaining = List.copyOf(gains);
    streamed.retainAll(keep);
    streamed.addAll(keep);
    if (streaming != null && !gaining.contains(streaming)) {
      streaming = null;
      cursor = null;
      donor = null;
      streamedFrom.clear();
    }
    sweepNeeded = true;
    sweepAt = 0;
    sweepGeneration++;
    sweeping = false;
    sweepKept = false;
    sweepWaits = false;
    handedOff.clear();
    readyFor = -1;
    readyAt.clear();
    notReady.clear();
    updateGauges(ring);
  }

  private int n(Part part) {
    return config.stores().get(part.store()).replicationFactor();
  }

  private void tick() {
    if (closing) {
      return;
    }
    Ring ring = placement.ring().orElse(null);
    if (ring == null) {
      return;
    }
    settle(ring);
    if (settled(ring)) {
      // Not before every member routes by the moving ring: a write coordinated under the ring
      // before it (which knows no pending owner) could land behind the stream's position.
      streamNext(ring);
    }
    if (awaitsConfirmation()) {
      streamEnded.run(); // an exchange may have failed: anti-entropy tries again
    }
    sweep(ring);
    updateGauges(ring);
  }

  /** Tracks since when every member has applied this node's ring. */
  private void settle(Ring ring) {
    if (settledVersion != ring.version()) {
      settledVersion = ring.version();
      settledSinceNanos = -1;
    }
    if (settledSinceNanos < 0 && everyMemberHas(ring.version())) {
      settledSinceNanos = clock.nanoTime();
    }
  }

  /** Whether the ring has reached every member, and one request timeout has passed since. */
  private boolean settled(Ring ring) {
    return settledVersion == ring.version()
        && settledSinceNanos >= 0
        && clock.nanoTime() - settledSinceNanos >= config.requestTimeout().toNanos();
  }

  private boolean everyMemberHas(long version) {
    MembershipView v = view.get();
    for (MembershipView.Member m : v.members().values()) {
      if (m.status().isActive() && !m.id().equals(self) && m.ringVersion() < version) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean departed(NodeId node) {
    NodeStatus status = view.get().status(node);
    return status == NodeStatus.LEFT || status == NodeStatus.REMOVED;
  }

  @Override
  public boolean mayConfirm(String store, int partition) {
    if (!completeness.isPending(store, partition)) {
      return true;
    }
    Ring ring = placement.ring().orElse(null);
    return ring != null && settled(ring) && streamed.contains(new Part(store, partition));
  }

  // ---- streaming, the pending owner's side ----

  private void streamNext(Ring ring) {
    if (streaming == null) {
      streaming = toStream.poll();
      cursor = null;
      donor = null;
      streamedFrom.clear();
      donorIndex = 0;
      if (streaming == null) {
        return;
      }
    }
    if (fetchInFlight) {
      return;
    }
    Part part = streaming;
    List<NodeId> donors = donors(ring, part);
    // With anti-entropy on, one current owner's copy suffices: the confirmation pulls from every
    // one. Without it, the stream itself must read every current owner's copy.
    boolean fromEvery = !config.antiEntropy().enabled();
    boolean done =
        donors.isEmpty()
            || (!fromEvery && !streamedFrom.isEmpty())
            || (fromEvery && streamedFrom.containsAll(donors));
    if (done) {
      streamed.add(part);
      streaming = null;
      donor = null;
      streamedFrom.clear();
      streamEnded.run();
      if (!toStream.isEmpty()) {
        scheduler.execute(() -> continueStream(null)); // the next partition, at once
      }
      return;
    }
    if (donor == null || !donors.contains(donor)) {
      List<NodeId> left = new ArrayList<>(donors);
      left.removeAll(streamedFrom);
      donor = left.get(donorIndex % left.size());
      cursor = null; // every donor's copy is read from its start
    }
    NodeId from = donor;
    fetchInFlight = true;
    long version = ring.version();
    peers.call(
        from,
        new Fetch(part.store(), part.partition(), ring.epoch(), version, cursor, BATCH_BYTES),
        TransferMessage.class,
        config.requestTimeout(),
        (reply, error) -> {
          fetchInFlight = false;
          if (closing || streaming == null || !streaming.equals(part)) {
            return;
          }
          if (error != null || !(reply instanceof Batch batch)) {
            streamFailures++;
            donorIndex++;
            donor = null;
            return; // the next tick tries the next current owner
          }
          apply(part, batch);
          if (batch.done()) {
            streamedFrom.add(from);
            donor = null;
            cursor = null;
          }
          scheduler.execute(() -> continueStream(part));
        });
  }

  /** Fetches the next batch (of {@code part}; null: of the next partition) at once. */
  private void continueStream(Part part) {
    Ring ring = placement.ring().orElse(null);
    if (!closing && ring != null && Objects.equals(part, streaming) && settled(ring)) {
      streamNext(ring);
    }
  }

  private boolean fetchInFlight;

  /** Whether a partition this node streamed is still incomplete. */
  private boolean awaitsConfirmation() {
    for (Part part : streamed) {
      if (completeness.isIncomplete(part.store(), part.partition())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The current owners of {@code part} to stream from, or to hand a given-up copy to: reachable,
   * not this node (all of them while none is reachable).
   */
  private List<NodeId> donors(Ring ring, Part part) {
    List<NodeId> donors = new ArrayList<>();
    for (NodeId owner : ring.preferenceList(part.partition(), n(part))) {
      if (!owner.equals(self) && !departed(owner) && peers.reachable(owner)) {
        donors.add(owner);
      }
    }
    if (donors.isEmpty()) {
      for (NodeId owner : ring.preferenceList(part.partition(), n(part))) {
        if (!owner.equals(self) && !departed(owner)) {
          donors.add(owner); // none reachable now: wait for one rather than give up
        }
      }
    }
    return donors;
  }

  private void apply(Part part, Batch batch) {
    StoreDefinition def = config.stores().get(part.store());
    long bytes = 0;
    for (Entry e : batch.entries()) {
      replica.merge(def, e.key(), VersionCodec.decodeSiblings(e.siblings()));
      bytes += e.key().length + e.siblings().length;
      cursor = e.key();
    }
    recordsReceived += batch.entries().size();
    bytesReceived += bytes;
  }

  // ---- serving ----

  CompletionStage<PeerMessage> handle(NodeId from, PeerMessage message) {
    CompletableFuture<PeerMessage> reply = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          try {
            if (message instanceof Fetch fetch) {
              reply.complete(serveFetch(from, fetch));
            } else if (message instanceof ReadyQuery query) {
              reply.complete(serveReady(query));
            } else {
              throw new InvalidRequestException(
                  "unexpected transfer message " + message.getClass().getSimpleName());
            }
          } catch (RuntimeException e) {
            reply.complete(Failure.of(e));
          }
        });
    return reply;
  }

  private TransferMessage serveFetch(NodeId from, Fetch fetch) {
    Ring ring = placement.ring().orElse(null);
    long mine = ring == null ? 0 : ring.version();
    StoreDefinition def = placement.store(fetch.store());
    if (ring == null
        || ring.epoch() != fetch.ringEpoch()
        || ring.version() != fetch.ringVersion()) {
      return new Refused(TransferMessage.Reason.STALE_RING, mine, "ring versions differ");
    }
    if (fetch.partition() < 0 || fetch.partition() >= ring.partitionCount()) {
      throw new InvalidRequestException(
          "partition " + fetch.partition() + " is outside the ring's " + ring.partitionCount());
    }
    int n = def.replicationFactor();
    if (!ring.preferenceList(fetch.partition(), n).contains(self)
        || !ring.incomingOwners(fetch.partition(), n).contains(from)) {
      return new Refused(
          TransferMessage.Reason.NOT_AN_OWNER,
          mine,
          self + " is not a current owner of the partition, or " + from + " not a pending one");
    }
    if (config.antiEntropy().enabled()
        && completeness.isIncomplete(def.name(), fetch.partition())) {
      return new Refused(TransferMessage.Reason.INCOMPLETE, mine, self + " is incomplete too");
    }
    if (background.waitNanos() > 0) {
      // The node's background budget (shared with handoff and anti-entropy) is spent for now.
      return new Refused(TransferMessage.Reason.BUSY, mine, self + " is at its background rate");
    }
    int maxBytes = Math.min(fetch.maxBytes(), BATCH_BYTES);
    byte[] after = fetch.after() == null ? null : StorageKeys.storageKey(fetch.after());
    List<Entry> entries = new ArrayList<>();
    long bytes = 0;
    boolean done = false;
    int page = Math.max(1, config.antiEntropy().scanBatch());
    scanning:
    while (true) {
      List<Replica.Scanned> scanned = replica.scan(def, ring.range(fetch.partition()), after, page);
      for (Replica.Scanned s : scanned) {
        after = StorageKeys.storageKey(s.token(), s.key());
        if (s.siblings() == null) {
          continue; // undecodable here: anti-entropy's comparison fetches it elsewhere
        }
        byte[] set = VersionCodec.encode(s.siblings());
        entries.add(new Entry(s.key(), set));
        bytes += s.key().length + set.length;
        if (bytes >= maxBytes) {
          break scanning; // the next batch goes on after this key (and may find nothing more)
        }
      }
      if (scanned.size() < page) {
        done = true;
        break;
      }
    }
    background.charge(bytes);
    recordsSent += entries.size();
    bytesSent += bytes;
    if (done
        && broken == BrokenVariant.TRANSFER_DROPS_AT_STREAM_END
        && !ring.pending().orElseThrow().preferenceList(fetch.partition(), n).contains(self)) {
      dropPartition(def, ring, fetch.partition(), Integer.MAX_VALUE);
    }
    return new Batch(entries, done);
  }

  private TransferMessage serveReady(ReadyQuery query) {
    Ring ring = placement.ring().orElse(null);
    if (ring == null
        || ring.epoch() != query.ringEpoch()
        || ring.version() != query.ringVersion()) {
      return new ReadyReply(
          false,
          self
              + " has ring version "
              + (ring == null ? 0 : ring.version())
              + ", not the asked one");
    }
    String why = notReadyBecause(ring);
    return new ReadyReply(why == null, why == null ? "" : why);
  }

  /** Why this node is not ready for its moving ring to switch, or null when it is. */
  private String notReadyBecause(Ring ring) {
    if (!ring.moving() || ring.retiring()) {
      return null; // a retiring ring waits only for every member to have it
    }
    if (broken == BrokenVariant.SWITCH_BEFORE_COMPLETE) {
      return null;
    }
    int waiting = 0;
    for (Part part : gaining) {
      boolean done =
          config.antiEntropy().enabled()
              ? !completeness.isIncomplete(part.store(), part.partition())
              : streamed.contains(part) && settled(ring);
      if (!done) {
        waiting++;
      }
    }
    if (waiting > 0) {
      return self + " has " + waiting + " partitions still to stream or confirm";
    }
    // A hint in a moving partition: a write there counted its stand-in, and its copy must reach
    // the partition's owners before the switch: a copy delivered to an owner that gives the
    // partition up afterwards would be dropped with it, and one delivered after the move to an
    // owner that keeps it would never reach the new owner, whose stream has passed the key.
    HintStore hints = replica.hints();
    for (NodeId node : ring.allNodes()) {
      if (node.equals(self)) {
        continue;
      }
      HintId after = null;
      int scanned = 0;
      while (true) {
        List<HintId> page = hints.hintsFor(node, after, 256);
        for (HintId id : page) {
          StoreDefinition def = config.stores().get(id.store());
          if (def != null && moves(ring, def, id.key().toByteArray())) {
            return self + " still holds hints for " + node + " in a moving partition";
          }
          after = id;
        }
        scanned += page.size();
        if (page.size() < 256) {
          break;
        }
        if (scanned >= MAX_HINTS_CHECKED) {
          return self + " holds more than " + MAX_HINTS_CHECKED + " hints for " + node;
        }
      }
    }
    return null;
  }

  /** Whether {@code key}'s partition changes owners in the moving {@code ring}. */
  private static boolean moves(Ring ring, StoreDefinition def, byte[] key) {
    int p = ring.partitionOf(io.dynamokv.core.ring.Token.of(key));
    int n = def.replicationFactor();
    List<NodeId> now = ring.preferenceList(p, n);
    List<NodeId> after = ring.pending().orElseThrow().preferenceList(p, n);
    return !new java.util.HashSet<>(now).equals(new java.util.HashSet<>(after));
  }

  // ---- the claimant's gate ----

  /**
   * Whether every node of the moving ring {@code state} is ready for the switch. Asks the others in
   * the background and answers from what they said; asked once per gossip round.
   */
  boolean moveComplete(RingState state, SortedSet<NodeId> members) {
    Ring ring = placement.ring().orElse(null);
    if (ring == null || ring.version() != state.version() || ring.epoch() != state.epoch()) {
      return false;
    }
    if (readyFor != ring.version()) {
      readyFor = ring.version();
      readyAt.clear();
      notReady.clear();
      allReadySinceNanos = -1;
    }
    long now = clock.nanoTime();
    // An answer counts for a few rounds only: a node that said "ready" may hold new hints since.
    long fresh = config.membership().gossipInterval().multipliedBy(3).toNanos();
    String mine = notReadyBecause(ring);
    boolean all = mine == null;
    if (mine != null) {
      notReady.put(self, mine);
    } else {
      notReady.remove(self);
    }
    // Every member, not only the ring's nodes: any may hold a hint for a pending owner.
    for (NodeId node : members) {
      if (node.equals(self)) {
        continue;
      }
      Long at = readyAt.get(node);
      if (at == null || now - at > fresh) {
        all = false;
      }
      if (asking.add(node)) {
        switchesAsked++;
        long version = ring.version();
        peers.call(
            node,
            new ReadyQuery(ring.epoch(), version),
            TransferMessage.class,
            config.requestTimeout(),
            (reply, error) -> {
              asking.remove(node);
              if (readyFor != version) {
                return;
              }
              if (error == null && reply instanceof ReadyReply r && r.ready()) {
                readyAt.put(node, clock.nanoTime());
                notReady.remove(node);
              } else {
                readyAt.remove(node);
                notReady.put(
                    node,
                    error != null
                        ? String.valueOf(error.getMessage())
                        : reply instanceof ReadyReply r ? r.detail() : reply.toString());
              }
            });
      }
    }
    if (!all) {
      allReadySinceNanos = -1;
      return false;
    }
    if (!ring.retiring()) {
      return true;
    }
    // Every member has the switch; the retiring owners go once requests begun before it are over.
    if (allReadySinceNanos < 0) {
      allReadySinceNanos = now;
    }
    return now - allReadySinceNanos >= config.requestTimeout().toNanos();
  }

  // ---- dropping what this node no longer replicates ----

  private void sweep(Ring ring) {
    // Strategy-1 rings switch owners at once, with nothing streamed: the old copies stay.
    if (!sweepNeeded
        || sweeping
        || ring.strategy() == io.dynamokv.core.ring.PartitionStrategy.RANDOM_TOKENS
        || !settled(ring)
        || sweepWaits && clock.nanoTime() - sweepRetryAtNanos < 0) {
      return;
    }
    sweeping = true;
    sweepStep(sweepGeneration);
  }

  /**
   * Drops up to {@link #DROP_BATCH} keys of the partitions this node no longer replicates, from
   * where the last step stopped, then yields to requests and goes on, until every such partition is
   * empty. A partition that holds a key is handed to an owner first; one whose hand-off fails is
   * kept, and the sweep passes again {@link #HAND_OFF_RETRY} later.
   */
  private void sweepStep(long generation) {
    if (generation != sweepGeneration) {
      return; // the ring changed: a new sweep runs
    }
    Ring ring = placement.ring().orElse(null);
    if (closing || ring == null || !sweepNeeded) {
      sweeping = false;
      return;
    }
    try {
      List<StoreDefinition> defs = List.copyOf(config.stores().values());
      int q = ring.partitionCount();
      int budget = DROP_BATCH;
      while (sweepAt < defs.size() * q && budget > 0) {
        StoreDefinition def = defs.get(sweepAt / q);
        int p = sweepAt % q;
        if (ring.replicas(p, def.replicationFactor()).contains(self)) {
          sweepAt++;
          continue;
        }
        if (replica.scan(def, ring.range(p), null, 1).isEmpty()) {
          sweepAt++; // nothing here to hand off or drop
          continue;
        }
        Part part = new Part(def.name(), p);
        if (handOff != null && !handedOff.contains(part)) {
          startHandOff(ring, def, part, generation);
          return;
        }
        int dropped = dropPartition(def, ring, p, budget);
        budget -= dropped;
        if (dropped > 0) {
          partitionsDropped++;
        }
        if (budget > 0) {
          sweepAt++; // the partition is empty now
        }
      }
      if (sweepAt >= defs.size() * q) {
        sweeping = false;
        if (sweepKept) {
          sweepKept = false;
          sweepAt = 0;
          sweepWaits = true;
          sweepRetryAtNanos = clock.nanoTime() + HAND_OFF_RETRY.toNanos();
        } else {
          sweepNeeded = false; // everything not held is gone
        }
        return;
      }
    } catch (RuntimeException e) {
      sweeping = false; // a storage failure: the next tick goes on from here
      return;
    }
    scheduler.execute(() -> sweepStep(generation));
  }

  /**
   * Hands {@code part} to one of its reachable current owners, then goes on with the sweep, which
   * drops it; if that fails, the sweep keeps the partition for now and goes on with the next.
   */
  private void startHandOff(Ring ring, StoreDefinition def, Part part, long generation) {
    List<NodeId> owners = donors(ring, part);
    CompletionStage<Boolean> handed;
    if (owners.isEmpty()) {
      handed = CompletableFuture.completedFuture(false);
    } else {
      NodeId owner = owners.get(Math.floorMod(handOffAttempt, owners.size()));
      try {
        handed = handOff.handOff(def, ring, part.partition(), owner);
      } catch (RuntimeException e) {
        handed = CompletableFuture.completedFuture(false);
      }
    }
    handed.whenComplete(
        (done, error) ->
            scheduler.execute(
                () -> {
                  if (generation != sweepGeneration) {
                    return;
                  }
                  if (Boolean.TRUE.equals(done) && error == null) {
                    handOffs++;
                    handedOff.add(part);
                  } else {
                    handOffFailures++;
                    handOffAttempt++;
                    sweepKept = true;
                    sweepAt++; // kept for now: the next pass tries it again
                  }
                  sweepStep(generation);
                }));
  }

  /** Drops up to {@code max} keys of {@code partition}; returns how many. */
  private int dropPartition(StoreDefinition def, Ring ring, int partition, int max) {
    int dropped = 0;
    while (dropped < max) {
      List<Replica.Scanned> page =
          replica.scan(def, ring.range(partition), null, Math.min(DROP_BATCH, max - dropped));
      if (page.isEmpty()) {
        break;
      }
      for (Replica.Scanned s : page) {
        replica.drop(def, s.key());
        dropped++;
      }
    }
    keysDropped += dropped;
    return dropped;
  }

  // ---- plans ----

  /** The sample of partitions that estimates a partition's size, and its bound in keys. */
  private static final int SAMPLE_PARTITIONS = 8;

  private static final int SAMPLE_KEYS = 20_000;

  /**
   * What {@code change} would move if committed now, planned as the claimant would plan it from
   * this node's ring and view (see {@link io.dynamokv.core.membership.Membership}).
   *
   * @throws IllegalStateException when the change makes no sense now
   */
  TransferPlan plan(ClusterChange change, MembershipView view) {
    Ring ring =
        placement
            .ring()
            .orElseThrow(
                () -> new IllegalStateException(self + " has no ring yet: it cannot plan"));
    NodeId node = change.node();
    NodeStatus status = view.status(node);
    if (status == null) {
      throw new IllegalStateException(node + " is not a member known to " + self);
    }
    TreeMap<NodeId, String> target = new TreeMap<>();
    for (NodeId owner : ring.allNodes()) {
      NodeStatus s = view.status(owner);
      if (s == null || s.wantsRing()) {
        target.put(owner, zoneOf(view, owner));
      }
    }
    for (NodeId joining : view.withStatus(NodeStatus.JOINING)) {
      target.put(joining, zoneOf(view, joining));
    }
    if (change instanceof ClusterChange.Join) {
      if (ring.nodes().contains(node) && status != NodeStatus.LEAVING) {
        throw new IllegalStateException(node + " already owns partitions");
      }
      target.put(node, zoneOf(view, node));
    } else if (change instanceof ClusterChange.Leave) {
      if (!ring.allNodes().contains(node)) {
        throw new IllegalStateException(node + " owns nothing: there is nothing to leave");
      }
      target.remove(node);
    } else {
      if (node.equals(self)) {
        throw new IllegalStateException("a node cannot remove itself; use leave on " + self);
      }
      target.remove(node);
    }
    if (target.isEmpty()) {
      throw new IllegalStateException("the change would leave no node owning partitions");
    }
    TreeMap<NodeId, String> zones = new TreeMap<>();
    target.forEach(
        (id, zone) -> {
          if (!zone.isEmpty()) {
            zones.put(id, zone);
          }
        });
    Ring base = ring.withoutPending();
    Ring next =
        target.keySet().equals(base.nodes())
            ? base
            : config.ringPlanner().move(ring, new TreeSet<>(target.keySet()), zones);
    Ring after = next.pending().orElse(next);
    TreeMap<NodeId, Long> incoming = new TreeMap<>();
    TreeMap<NodeId, Long> outgoing = new TreeMap<>();
    int moving = 0;
    long transfers = 0;
    for (StoreDefinition def : config.stores().values()) {
      int n = def.replicationFactor();
      for (int p = 0; p < base.partitionCount(); p++) {
        List<NodeId> was = base.preferenceList(p, n);
        List<NodeId> will = after.preferenceList(p, n);
        if (was.equals(will)) {
          continue;
        }
        boolean changed = false;
        for (NodeId gain : will) {
          if (!was.contains(gain)) {
            incoming.merge(gain, 1L, Long::sum);
            transfers++;
            changed = true;
          }
        }
        for (NodeId loss : was) {
          if (!will.contains(loss)) {
            outgoing.merge(loss, 1L, Long::sum);
            changed = true;
          }
        }
        moving += changed ? 1 : 0;
      }
    }
    return new TransferPlan(
        change,
        ring.version(),
        ring.allNodes(),
        new TreeSet<>(target.keySet()),
        moving,
        transfers,
        estimateBytes(base, transfers),
        incoming,
        outgoing);
  }

  private static String zoneOf(MembershipView view, NodeId node) {
    MembershipView.Member m = view.members().get(node);
    return m == null || m.zone() == null ? "" : m.zone();
  }

  /** {@code copies} times the average size of a partition this node holds, from a sample. */
  private long estimateBytes(Ring ring, long copies) {
    long bytes = 0;
    long keys = 0;
    long keysPerPartition = 0;
    int sampled = 0;
    for (StoreDefinition def : config.stores().values()) {
      for (int p = 0; p < ring.partitionCount() && sampled < SAMPLE_PARTITIONS; p++) {
        if (!ring.preferenceList(p, def.replicationFactor()).contains(self)) {
          continue;
        }
        sampled++;
        byte[] after = null;
        int here = 0;
        while (here < SAMPLE_KEYS / SAMPLE_PARTITIONS) {
          List<Replica.Scanned> page = replica.scan(def, ring.range(p), after, 1000);
          for (Replica.Scanned s : page) {
            bytes +=
                s.key().length
                    + (s.siblings() == null ? 0 : VersionCodec.encode(s.siblings()).length);
            after = StorageKeys.storageKey(s.token(), s.key());
          }
          here += page.size();
          if (page.size() < 1000) {
            break;
          }
        }
        keys += here;
        // A partition cut short at the cap holds at least that many keys: the estimate is low.
        keysPerPartition += here;
      }
    }
    if (sampled == 0) {
      return -1;
    }
    long perKey = keys == 0 ? 0 : bytes / keys;
    return perKey * (keysPerPartition / sampled) * copies;
  }

  // ---- status ----

  private void updateGauges(Ring ring) {
    int streamedNow = 0;
    int complete = 0;
    for (Part part : gaining) {
      if (streamed.contains(part)) {
        streamedNow++;
      }
      if (!completeness.isIncomplete(part.store(), part.partition())) {
        complete++;
      }
    }
    pendingGauge = gaining.size();
    streamedGauge = streamedNow;
    completeGauge = complete;
    movingGauge = ring.moving();
    readyGauge = ring.moving() && notReadyBecause(ring) == null;
    ringVersionGauge = ring.version();
  }

  /** Who the claimant still waits for, and why (empty on other nodes). */
  SortedSet<String> waitingFor() {
    TreeSet<String> out = new TreeSet<>();
    notReady.forEach((node, why) -> out.add(node + ": " + why));
    return out;
  }

  /** The {@code transfer} status section. */
  StatusSection statusSection() {
    List<Stat> stats = new ArrayList<>();
    stats.add(Stat.gauge("moving", movingGauge ? 1 : 0, "1 while the ring has pending owners"));
    stats.add(Stat.gauge("ring_version", ringVersionGauge, "The version of this node's ring"));
    stats.add(
        Stat.gauge(
            "partitions_pending", pendingGauge, "Partitions this node moves into, all stores"));
    stats.add(
        Stat.gauge("partitions_streamed", streamedGauge, "Of those, streamed from an old owner"));
    stats.add(
        Stat.gauge("partitions_complete", completeGauge, "Of those, confirmed complete here"));
    stats.add(Stat.gauge("ready", readyGauge ? 1 : 0, "1 when this node is ready for the switch"));
    stats.add(Stat.counter("records_received", recordsReceived, "Records streamed in"));
    stats.add(Stat.counter("bytes_received", bytesReceived, "Bytes of records streamed in"));
    stats.add(Stat.counter("records_sent", recordsSent, "Records streamed out"));
    stats.add(Stat.counter("bytes_sent", bytesSent, "Bytes of records streamed out"));
    stats.add(
        Stat.counter("stream_failures", streamFailures, "Batches that failed or were refused"));
    stats.add(
        Stat.counter("partitions_dropped", partitionsDropped, "Partitions given up and emptied"));
    stats.add(Stat.counter("keys_dropped", keysDropped, "Keys dropped from partitions given up"));
    stats.add(
        Stat.counter(
            "hand_offs", handOffs, "Partitions given up whose copy an owner took before the drop"));
    stats.add(
        Stat.counter(
            "hand_off_failures",
            handOffFailures,
            "Hand-offs that failed or were refused (tried again, the copy kept meanwhile)"));
    stats.add(Stat.counter("switch_queries", switchesAsked, "Readiness queries the claimant sent"));
    return new StatusSection("transfer", stats);
  }
}
