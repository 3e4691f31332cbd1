/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node's membership service (paper §4.8, SPEC §7): gossip of node states and of the ring, the
 * claimant that plans ring changes, the phi accrual failure detector behind {@link Reachability},
 * bootstrap, restart and the admin operations, all over the ports.
 *
 * <h2>Threading</h2>
 *
 * All state lives on the node's {@link Scheduler} and is touched only from its tasks, so it needs
 * no locks; transport completions hop back with {@link Scheduler#execute}. Public methods MAY be
 * called from any thread. Listeners run on the scheduler.
 *
 * <h2>Wiring</h2>
 *
 * The node's {@link PeerTransport.PeerHandler} passes every {@link GossipMessage} to {@link
 * #handle} (see {@link #isGossip}); a node with nothing else to serve may install {@link
 * #handler()}. Call {@link #start()} once the handler is served:
 *
 * <pre>{@code
 * Membership membership = new Membership(config, clock, scheduler, random.split(), transport,
 *     storage, ringPlanner, HandoffGate.ALWAYS);
 * transport.serve((from, request) -> Membership.isGossip(request)
 *     ? membership.handle(from, request)
 *     : replicaHandler.handle(from, request));
 * membership.start();
 * }</pre>
 *
 * <h2>Gossip round</h2>
 *
 * Every {@link MembershipConfig#gossipInterval} the node bumps its heartbeat version, re-evaluates
 * the failure detector, and runs a {@link GossipMessage three-way exchange} with a random live
 * peer; with probability {@code unreachable / (live + 1)} also with a random unreachable peer; and,
 * when the live peer was not a seed, with a random seed if it has no live peer, has not talked to a
 * seed for {@link MembershipConfig#seedContactRounds} rounds, or with probability {@code seeds /
 * (live + unreachable)} (Cassandra's rule). A peer counts as heard from (a phi heartbeat) whenever
 * a newer version of its state arrives, directly or through a third node; the first state learned
 * of a node makes it reachable until phi says otherwise, so a node that learns of a dead peer from
 * someone else considers it reachable for a few seconds.
 *
 * <h2>Life cycle of this node</h2>
 *
 * <ul>
 *   <li><b>First start</b> (nothing persisted): the lowest configured seed (or a node with no
 *       seeds) founds the cluster: it creates {@link RingPlanner#initialRing} with itself as the
 *       sole {@link NodeStatus#NORMAL} member. Every other node starts {@link NodeStatus#JOINING}
 *       and gossips with seeds until the claimant adds it to the ring; seeing itself in the ring,
 *       it becomes NORMAL.
 *   <li><b>Restart</b>: the generation is bumped and persisted before the node gossips; status,
 *       ring and removals are resumed from the {@code METADATA} keyspace.
 *   <li><b>Claimant</b> (Riak's rule): the lowest-id NORMAL node reachable in a node's own view.
 *       Whenever the ring's owners differ from the target (owners still JOINING/NORMAL plus every
 *       JOINING node) it asks the {@link RingPlanner} for the next ring, version + 1. Racing
 *       claimants produce rings of equal version; {@link RingState#ORDER} picks one and the loser
 *       re-plans from it.
 *   <li>{@link #leave()}: LEAVING; the claimant drops the node from the ring; once out of it and
 *       the {@link HandoffGate} agrees, the node declares itself LEFT.
 * </ul>
 */
public final class Membership implements AutoCloseable {
  static final byte[] SELF_KEY = "membership/self".getBytes(StandardCharsets.US_ASCII);
  static final byte[] VIEW_KEY = "membership/view".getBytes(StandardCharsets.US_ASCII);

  private final MembershipConfig config;
  private final NodeId selfId;
  private final Clock clock;
  private final Scheduler scheduler;
  private final RandomSource random;
  private final PeerTransport transport;
  private final StorageEngine storage;
  private final Keyspace metadata;
  private final RingPlanner planner;
  private final HandoffGate handoffGate;
  private final PhiAccrualFailureDetector detector;

  // ---- scheduler-confined state ----
  private NodeState self;
  private long joinGeneration;
  private final TreeMap<NodeId, NodeState> states = new TreeMap<>();
  private final TreeMap<NodeId, Removal> removals = new TreeMap<>();
  private RingState ring;
  private SortedSet<NodeId> owners = Collections.emptySortedSet();
  private final TreeSet<NodeId> reachable = new TreeSet<>();
  private final TreeSet<NodeId> extraSeeds = new TreeSet<>();
  private long round;
  private long lastSeedRound;
  private boolean started;
  private boolean stopped;
  private boolean viewDirty;
  private boolean snapshotDirty = true;
  private Scheduler.Cancellable task;

  // ---- published ----
  private volatile MembershipView snapshot;
  private volatile SortedSet<NodeId> reachableSnapshot = Collections.emptySortedSet();
  private final List<RingListener> ringListeners = new CopyOnWriteArrayList<>();
  private final List<Reachability.Listener> reachabilityListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong messagesSent = new AtomicLong();
  private final AtomicLong bytesSent = new AtomicLong();
  private final ReachabilityView reachabilityView = new ReachabilityView();

  /**
   * Creates the service; nothing happens until {@link #start()}.
   *
   * @param random this component's own source (split it from the node's)
   * @param storage the node's engine; membership keeps {@code membership/*} keys in {@link
   *     StorageEngine#METADATA}
   */
  public Membership(
      MembershipConfig config,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      PeerTransport transport,
      StorageEngine storage,
      RingPlanner planner,
      HandoffGate handoffGate) {
    this.config = Objects.requireNonNull(config, "config");
    this.selfId = config.self();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.random = Objects.requireNonNull(random, "random");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.storage = storage;
    this.metadata = storage.keyspace(StorageEngine.METADATA);
    this.planner = Objects.requireNonNull(planner, "planner");
    this.handoffGate = Objects.requireNonNull(handoffGate, "handoffGate");
    this.detector = new PhiAccrualFailureDetector(config.failureDetector(), clock);
    this.snapshot = new MembershipView(selfId, new TreeMap<>(), null);
  }

  /** Notified on the scheduler whenever this node's current ring changes. */
  @FunctionalInterface
  public interface RingListener {
    /** {@code ring} is now this node's current ring. */
    void onRingChange(RingState ring);
  }

  /**
   * Gossip counters since start: rounds run, and messages (requests and responses) sent by this
   * node with their encoded size.
   *
   * @param bytesSent 0 unless {@link MembershipConfig#measureBytes}
   */
  public record Stats(long rounds, long messagesSent, long bytesSent) {}

  // ---- life cycle ----

  /** Loads or bootstraps this node's state and starts gossiping. Idempotent. */
  public void start() {
    scheduler.execute(
        () -> {
          if (started || stopped) {
            return;
          }
          started = true;
          load();
          long interval = config.gossipInterval().toNanos();
          Duration initial = Duration.ofNanos(1 + (long) (random.nextDouble() * interval));
          task = scheduler.scheduleWithFixedDelay(initial, config.gossipInterval(), this::round);
          publish();
        });
  }

  /** Stops gossiping and answering gossip. The transport stays open (it is not ours). */
  public void stop() {
    scheduler.execute(
        () -> {
          stopped = true;
          if (task != null) {
            task.cancel();
          }
        });
  }

  @Override
  public void close() {
    stop();
  }

  // ---- public queries ----

  /** This node's id. */
  public NodeId self() {
    return selfId;
  }

  /** A read-only snapshot of members, statuses, reachability and the ring. */
  public MembershipView view() {
    return snapshot;
  }

  /** This node's failure detector's opinion of its peers. */
  public Reachability reachability() {
    return reachabilityView;
  }

  /** Gossip counters. */
  public Stats stats() {
    return new Stats(rounds.get(), messagesSent.get(), bytesSent.get());
  }

  /** Registers a listener for changes of this node's current ring. */
  public void addRingListener(RingListener listener) {
    ringListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Whether {@code message} belongs to this service, for a node's dispatching handler. */
  public static boolean isGossip(PeerMessage message) {
    return GossipMessage.isGossip(message);
  }

  /** A handler serving only gossip (for nodes and tests that serve nothing else). */
  public PeerTransport.PeerHandler handler() {
    return this::handle;
  }

  // ---- admin operations ----

  /**
   * Makes this node (re)join the cluster through {@code seed}: a node that has left or was removed
   * starts a new generation as JOINING; a JOINING node just gains a seed to talk to; a NORMAL node
   * is already joined (no-op). Persisted and gossiped.
   */
  public CompletionStage<Void> join(NodeId seed) {
    Objects.requireNonNull(seed, "seed");
    return onScheduler(
        () -> {
          if (!seed.equals(selfId)) {
            extraSeeds.add(seed);
          }
          NodeStatus st = effectiveSelfStatus();
          if (st == NodeStatus.LEFT || st == NodeStatus.REMOVED) {
            self =
                new NodeState(
                    selfId,
                    self.generation() + 1,
                    0,
                    NodeStatus.JOINING,
                    config.address(),
                    config.zone(),
                    self.ringVersion());
            joinGeneration = self.generation();
            states.put(selfId, self);
            persistSelf();
            changed();
          } else if (st == NodeStatus.LEAVING) {
            throw new IllegalStateException(
                selfId + " is LEAVING; wait until it has LEFT, then join again");
          }
          if (!seed.equals(selfId)) {
            gossipWith(seed);
          }
          return null;
        });
  }

  /**
   * Makes this node leave gracefully: it goes LEAVING, the claimant drops it from the ring, and
   * once it is out of the ring and the {@link HandoffGate} agrees it goes LEFT. Persisted and
   * gossiped.
   *
   * @throws IllegalStateException (in the stage) when the node has already left or was removed
   */
  public CompletionStage<Void> leave() {
    return onScheduler(
        () -> {
          NodeStatus st = effectiveSelfStatus();
          if (st == NodeStatus.LEAVING) {
            return null;
          }
          if (!st.wantsRing()) {
            throw new IllegalStateException(selfId + " cannot leave: it is already " + st);
          }
          self = self.withStatus(NodeStatus.LEAVING);
          states.put(selfId, self);
          persistSelf();
          changed();
          return null;
        });
  }

  /**
   * Removes {@code node}, which must be dead: records a {@link Removal} covering its current
   * generation, so the cluster treats it as REMOVED and the claimant drops it from the ring.
   * Persisted and gossiped.
   *
   * @throws IllegalStateException (in the stage) when this node's failure detector considers {@code
   *     node} reachable (stop it first, or have it {@link #leave()}), or when {@code node} is this
   *     node or unknown
   */
  public CompletionStage<Void> remove(NodeId node) {
    Objects.requireNonNull(node, "node");
    return onScheduler(
        () -> {
          if (node.equals(selfId)) {
            throw new IllegalStateException(
                "a node cannot remove itself; use leave() on " + selfId);
          }
          NodeState s = states.get(node);
          if (s == null) {
            throw new IllegalStateException(
                node + " is not a known member; known: " + states.keySet());
          }
          if (reachable.contains(node)) {
            throw new IllegalStateException(
                node
                    + " is reachable according to "
                    + selfId
                    + "'s failure detector; stop it first, or run leave() on it");
          }
          mergeRemoval(new Removal(node, s.generation(), selfId));
          changed();
          return null;
        });
  }

  private <T> CompletionStage<T> onScheduler(java.util.function.Supplier<T> action) {
    CompletableFuture<T> f = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          try {
            if (!started) {
              throw new IllegalStateException("membership of " + selfId + " is not started");
            }
            f.complete(action.get());
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
          publish();
        });
    return f;
  }

  // ---- gossip: handler side ----

  /**
   * Handles a gossip message from {@code from}; completes on the scheduler. Messages of other types
   * fail with {@link IllegalArgumentException}.
   */
  public CompletionStage<PeerMessage> handle(NodeId from, PeerMessage request) {
    if (!(request instanceof GossipMessage message)) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("not a gossip message: " + request));
    }
    CompletableFuture<PeerMessage> f = new CompletableFuture<>();
    scheduler.execute(
        () -> {
          if (!started || stopped) {
            f.completeExceptionally(
                new IllegalStateException("membership of " + selfId + " is not running"));
            return;
          }
          try {
            GossipMessage response = onRequest(message);
            count(response);
            f.complete(response);
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
          publish();
        });
    return f;
  }

  private GossipMessage onRequest(GossipMessage message) {
    if (message instanceof GossipMessage.Syn syn) {
      return onSyn(syn);
    }
    if (message instanceof GossipMessage.Ack2 ack2) {
      ack2.states().forEach(this::mergeState);
      if (ack2.ring() != null) {
        mergeRing(ack2.ring());
      }
      reconcile();
      return new GossipMessage.Ack2Reply();
    }
    throw new IllegalArgumentException(
        message.getClass().getSimpleName() + " is a response, not a request");
  }

  private GossipMessage.Ack onSyn(GossipMessage.Syn syn) {
    syn.removals().values().forEach(this::mergeRemoval);
    List<NodeState> send = new ArrayList<>();
    for (NodeState s : states.values()) {
      VersionStamp theirs = syn.digests().get(s.id());
      if (theirs == null || s.stamp().isNewerThan(theirs)) {
        send.add(s);
      }
    }
    TreeSet<NodeId> requests = new TreeSet<>();
    syn.digests()
        .forEach(
            (id, stamp) -> {
              NodeState mine = states.get(id);
              if (mine == null || stamp.isNewerThan(mine.stamp())) {
                requests.add(id);
              }
            });
    int ringCmp = compareRingDigest(syn.ringVersion(), syn.ringAuthor());
    TreeMap<NodeId, Removal> lacking = new TreeMap<>();
    removals.forEach(
        (id, r) -> {
          if (!r.equals(syn.removals().get(id))) {
            lacking.put(id, r);
          }
        });
    reconcile();
    return new GossipMessage.Ack(send, ringCmp > 0 ? ring : null, lacking, requests, ringCmp < 0);
  }

  /** Compares this node's ring with a digest: > 0 when ours is newer. */
  private int compareRingDigest(long version, NodeId author) {
    if (ring == null) {
      return author == null ? 0 : -1;
    }
    if (author == null) {
      return 1;
    }
    int c = Long.compare(ring.version(), version);
    return c != 0 ? c : author.compareTo(ring.author());
  }

  // ---- gossip: initiator side ----

  private void round() {
    if (stopped) {
      return;
    }
    round++;
    rounds.incrementAndGet();
    self = self.beat();
    states.put(selfId, self);
    checkReachability();
    reconcile();
    if (viewDirty) {
      persistView();
    }

    List<NodeId> live = new ArrayList<>();
    List<NodeId> unreachable = new ArrayList<>();
    for (NodeState s : states.values()) {
      if (s.id().equals(selfId) || !effectiveStatus(s).isActive()) {
        continue;
      }
      (reachable.contains(s.id()) ? live : unreachable).add(s.id());
    }
    boolean gossipedToSeed = false;
    if (!live.isEmpty()) {
      NodeId peer = live.get(random.nextInt(live.size()));
      gossipWith(peer);
      gossipedToSeed = isSeed(peer);
    }
    if (!unreachable.isEmpty() && random.nextDouble() < unreachable.size() / (live.size() + 1.0)) {
      gossipWith(unreachable.get(random.nextInt(unreachable.size())));
    }
    List<NodeId> seeds = new ArrayList<>();
    config.seeds().forEach(s -> addIfOther(seeds, s));
    extraSeeds.forEach(s -> addIfOther(seeds, s));
    if (gossipedToSeed) {
      lastSeedRound = round;
    } else if (!seeds.isEmpty()
        && (live.isEmpty()
            || round - lastSeedRound >= config.seedContactRounds()
            || random.nextDouble() < seeds.size() / (double) (live.size() + unreachable.size()))) {
      gossipWith(seeds.get(random.nextInt(seeds.size())));
      lastSeedRound = round;
    }
    snapshotDirty = true;
    publish();
  }

  private void addIfOther(List<NodeId> list, NodeId id) {
    if (!id.equals(selfId) && !list.contains(id)) {
      list.add(id);
    }
  }

  private boolean isSeed(NodeId id) {
    return config.seeds().contains(id) || extraSeeds.contains(id);
  }

  private void gossipWith(NodeId peer) {
    TreeMap<NodeId, VersionStamp> digests = new TreeMap<>();
    states.forEach((id, s) -> digests.put(id, s.stamp()));
    GossipMessage.Syn syn =
        new GossipMessage.Syn(
            digests,
            ring == null ? 0 : ring.version(),
            ring == null ? null : ring.author(),
            removals);
    send(peer, syn)
        .whenComplete(
            (response, error) ->
                scheduler.execute(
                    () -> {
                      if (error == null && !stopped && response instanceof GossipMessage.Ack a) {
                        onAck(peer, a);
                        publish();
                      }
                    }));
  }

  private void onAck(NodeId peer, GossipMessage.Ack ack) {
    ack.removals().values().forEach(this::mergeRemoval);
    ack.states().forEach(this::mergeState);
    if (ack.ring() != null) {
      mergeRing(ack.ring());
    }
    List<NodeState> send = new ArrayList<>();
    for (NodeId id : ack.requests()) {
      NodeState s = states.get(id);
      if (s != null) {
        send.add(s);
      }
    }
    RingState sendRing = ack.wantRing() ? ring : null;
    reconcile();
    if (!send.isEmpty() || sendRing != null) {
      send(peer, new GossipMessage.Ack2(send, sendRing));
    }
  }

  /** Counts a message this node sends, request or response. */
  private void count(GossipMessage message) {
    messagesSent.incrementAndGet();
    if (config.measureBytes()) {
      bytesSent.addAndGet(MembershipCodec.encodedSize(message));
    }
  }

  private CompletionStage<PeerMessage> send(NodeId peer, GossipMessage message) {
    count(message);
    try {
      return transport.call(peer, message, config.gossipTimeout());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- merging ----

  private void mergeState(NodeState incoming) {
    NodeId id = incoming.id();
    if (id.equals(selfId)) {
      if (incoming.stamp().isNewerThan(self.stamp())) {
        // Someone knows a newer version of us than we do (lost persisted state): jump ahead.
        self = self.withGeneration(incoming.generation() + 1);
        states.put(selfId, self);
        persistSelf();
        changed();
      }
      return;
    }
    NodeState existing = states.get(id);
    if (existing != null && NodeState.ORDER.compare(incoming, existing) <= 0) {
      return;
    }
    states.put(id, incoming);
    if (existing == null
        || existing.generation() != incoming.generation()
        || effectiveStatus(existing) != effectiveStatus(incoming)
        || existing.ringVersion() != incoming.ringVersion()) {
      changed();
    }
    if (existing != null && existing.generation() < incoming.generation()) {
      detector.reset(id);
    }
    if (existing == null || existing.stamp().compareTo(incoming.stamp()) < 0) {
      detector.heartbeat(id);
      if (!reachable.contains(id)) {
        markReachable(id);
      }
    }
  }

  private void mergeRing(RingState incoming) {
    RingState winner = RingState.newer(ring, incoming);
    if (winner != ring) {
      setRing(winner);
    }
  }

  private void mergeRemoval(Removal incoming) {
    Removal existing = removals.get(incoming.node());
    Removal winner = Removal.newer(existing, incoming);
    if (winner != existing) {
      removals.put(incoming.node(), winner);
      viewDirty = true;
      changed();
    }
  }

  private void setRing(RingState newRing) {
    ring = newRing;
    owners = ownersOf((newRing.ringUnsafe()));
    // Durable before anyone routes by it: a node that crashed before its next round would
    // otherwise come back with an older ring and coordinate keys it no longer owns. Flushed too:
    // an OS crash must not roll it back either (rings change rarely).
    persistView();
    storage.flush();
    changed();
    for (RingListener l : ringListeners) {
      l.onRingChange(newRing);
    }
  }

  private NodeStatus effectiveStatus(NodeState s) {
    return ClusterView.effectiveStatus(s, removals.get(s.id()));
  }

  private NodeStatus effectiveSelfStatus() {
    return effectiveStatus(self);
  }

  // ---- local transitions and the claimant ----

  private void reconcile() {
    Removal removal = removals.get(selfId);
    if (removal != null
        && removal.generation() >= joinGeneration
        && self.status() != NodeStatus.REMOVED) {
      setSelfStatus(NodeStatus.REMOVED);
    }
    if (ring != null && self.ringVersion() != ring.version()) {
      self = self.withRingVersion(ring.version());
      states.put(selfId, self);
      changed();
    }
    NodeStatus st = effectiveSelfStatus();
    boolean inRing = owners.contains(selfId);
    if (st == NodeStatus.JOINING && inRing) {
      setSelfStatus(NodeStatus.NORMAL);
    } else if (st == NodeStatus.NORMAL && ring != null && !inRing) {
      // A ring without us won (e.g. the other side of a healed partition): ask to be added again.
      setSelfStatus(NodeStatus.JOINING);
    } else if (st == NodeStatus.LEAVING
        && !inRing
        && handoffGate.handoffComplete(ring == null ? new byte[0] : ring.ring())) {
      setSelfStatus(NodeStatus.LEFT);
    }
    if (ring != null && effectiveSelfStatus() == NodeStatus.NORMAL && selfId.equals(claimant())) {
      plan();
    }
  }

  private void setSelfStatus(NodeStatus status) {
    self = self.withStatus(status);
    states.put(selfId, self);
    persistSelf();
    changed();
  }

  /** The lowest-id NORMAL node this node considers reachable (itself included). */
  private NodeId claimant() {
    for (NodeState s : states.values()) {
      if (effectiveStatus(s) == NodeStatus.NORMAL
          && (s.id().equals(selfId) || reachable.contains(s.id()))) {
        return s.id();
      }
    }
    return null;
  }

  private void plan() {
    TreeMap<NodeId, NodeState> target = new TreeMap<>();
    for (NodeId owner : owners) {
      NodeState s = states.get(owner);
      if (s == null || effectiveStatus(s).wantsRing()) {
        target.put(owner, s == null ? unknown(owner) : s);
      }
    }
    for (NodeState s : states.values()) {
      if (effectiveStatus(s) == NodeStatus.JOINING) {
        target.put(s.id(), s);
      }
    }
    if (target.isEmpty() || target.keySet().equals(owners)) {
      return;
    }
    byte[] next = planner.nextRing(ring.ringUnsafe(), Collections.unmodifiableSortedMap(target));
    setRing(new RingState(next, ring.version() + 1, selfId));
    reconcile();
  }

  /** The ring's owners, sorted so that nothing iterates in a hash-dependent order. */
  private SortedSet<NodeId> ownersOf(byte[] ringBytes) {
    return Collections.unmodifiableSortedSet(new TreeSet<>(planner.owners(ringBytes)));
  }

  private static NodeState unknown(NodeId id) {
    return new NodeState(id, 0, 0, NodeStatus.NORMAL, "", "", 0);
  }

  // ---- failure detection ----

  private void checkReachability() {
    for (NodeId id : new ArrayList<>(reachable)) {
      if (!id.equals(selfId) && !detector.isAvailable(id)) {
        reachable.remove(id);
        snapshotDirty = true;
        reachableSnapshot = Collections.unmodifiableSortedSet(new TreeSet<>(reachable));
        for (Reachability.Listener l : reachabilityListeners) {
          l.onUnreachable(id);
        }
      }
    }
  }

  private void markReachable(NodeId id) {
    reachable.add(id);
    snapshotDirty = true;
    reachableSnapshot = Collections.unmodifiableSortedSet(new TreeSet<>(reachable));
    for (Reachability.Listener l : reachabilityListeners) {
      l.onReachable(id);
    }
  }

  // ---- persistence ----

  private void load() {
    byte[] selfBytes = metadata.get(SELF_KEY);
    if (selfBytes != null) {
      MembershipCodec.SelfRecord rec = MembershipCodec.decodeSelf(selfBytes);
      NodeState old = rec.state();
      self =
          new NodeState(
              selfId,
              old.generation() + 1,
              0,
              old.status(),
              config.address(),
              config.zone(),
              old.ringVersion());
      joinGeneration = rec.joinGeneration();
      byte[] viewBytes = metadata.get(VIEW_KEY);
      if (viewBytes != null) {
        ClusterView v = MembershipCodec.decodeView(viewBytes);
        v.nodes()
            .forEach(
                (id, s) -> {
                  if (!id.equals(selfId)) {
                    states.put(id, s);
                  }
                });
        removals.putAll(v.removals());
        if (v.ring() != null) {
          ring = v.ring();
          owners = ownersOf((ring.ringUnsafe()));
        }
      }
    } else {
      NodeId founder = config.seeds().isEmpty() ? selfId : config.seeds().first();
      boolean founding = founder.equals(selfId);
      self =
          new NodeState(
              selfId,
              1,
              0,
              founding ? NodeStatus.NORMAL : NodeStatus.JOINING,
              config.address(),
              config.zone(),
              0);
      joinGeneration = 1;
      if (founding) {
        ring = new RingState(planner.initialRing(selfId, config.zone()), 1, selfId);
        owners = ownersOf((ring.ringUnsafe()));
        self = self.withRingVersion(1);
      }
    }
    states.put(selfId, self);
    reachable.add(selfId);
    reachableSnapshot = Collections.unmodifiableSortedSet(new TreeSet<>(reachable));
    persistSelf();
    persistView();
    // The new generation is flushed before it is gossiped: a generation that an OS crash rolled
    // back would be announced twice.
    storage.flush();
    if (ring != null) {
      for (RingListener l : ringListeners) {
        l.onRingChange(ring);
      }
    }
    reconcile();
  }

  private void persistSelf() {
    metadata.put(
        SELF_KEY, MembershipCodec.encode(new MembershipCodec.SelfRecord(self, joinGeneration)));
  }

  /** Persists the ring, the removals and the known peers (at most once per round). */
  private void persistView() {
    metadata.put(VIEW_KEY, MembershipCodec.encode(new ClusterView(states, removals, ring)));
    viewDirty = false;
  }

  // ---- publication ----

  private void changed() {
    snapshotDirty = true;
  }

  private void publish() {
    if (!snapshotDirty) {
      return;
    }
    snapshotDirty = false;
    TreeMap<NodeId, MembershipView.Member> members = new TreeMap<>();
    for (NodeState s : states.values()) {
      members.put(
          s.id(),
          new MembershipView.Member(
              s.id(),
              effectiveStatus(s),
              s.generation(),
              s.version(),
              s.address(),
              s.zone(),
              s.ringVersion(),
              reachable.contains(s.id())));
    }
    snapshot = new MembershipView(selfId, members, ring);
  }

  private final class ReachabilityView implements Reachability {
    @Override
    public boolean isReachable(NodeId node) {
      return reachableSnapshot.contains(node);
    }

    @Override
    public SortedSet<NodeId> reachableNodes() {
      return reachableSnapshot;
    }

    @Override
    public void addListener(Listener listener) {
      reachabilityListeners.add(Objects.requireNonNull(listener, "listener"));
    }
  }
}
