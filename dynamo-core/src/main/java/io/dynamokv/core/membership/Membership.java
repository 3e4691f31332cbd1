/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.wire.WireFormats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

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
 * <p>{@link Reachability} combines phi with this node's own calls (its gossip exchanges and the
 * calls the node's rooms report): a peer whose calls keep failing is unreachable even while relayed
 * gossip keeps phi happy, and is probed directly until a call or probe gets a reply. Such a peer
 * takes no part in the random choice of a live peer; its probes replace it.
 *
 * <h2>Life cycle of this node</h2>
 *
 * <ul>
 *   <li><b>First start</b> (nothing persisted): the lowest configured seed (or a node with no
 *       seeds) founds the cluster: it creates {@link RingPolicy#initialRing} with itself as the
 *       sole {@link NodeStatus#NORMAL} member. Every other node starts {@link NodeStatus#JOINING}
 *       and gossips with seeds until the claimant adds it to the ring; seeing itself in the ring,
 *       it becomes NORMAL.
 *   <li><b>Restart</b>: the generation is bumped and persisted before the node gossips; status,
 *       ring and removals are resumed from the {@code METADATA} keyspace.
 *   <li><b>Claimant</b> (Riak's rule): the lowest-id NORMAL node reachable in a node's own view.
 *       Whenever the ring's owners differ from the target (owners still JOINING/NORMAL plus every
 *       JOINING node) it asks the {@link RingPolicy} for the next ring, version + 1. Racing
 *       claimants produce rings of equal version; {@link RingState#ORDER} picks one and the loser
 *       re-plans from it.
 *   <li>{@link #leave()}: LEAVING; the claimant drops the node from the ring; once out of it and
 *       the {@link HandoffGate} agrees, the node declares itself LEFT.
 * </ul>
 *
 * <h2>Validation</h2>
 *
 * Gossip is untrusted input (SPEC §10). Every message is decoded and checked whole by a {@link
 * GossipValidator} against this node's current knowledge before any of it is applied; a message
 * that fails any check is refused whole: nothing of it is merged, persisted or passed on, a request
 * is answered with {@link GossipRefusedException}, the refusal is counted by reason ({@link
 * Stats#refused()}) and reported to {@link RefusalListener}s at most once per sender and reason per
 * {@link MembershipConfig#refusalReportInterval}. Others' gossip never changes this node's own
 * status, address or ring version; a newer state of this node held by a peer only makes it raise
 * its generation past that one, within {@link MembershipConfig#maxGenerationJump}.
 *
 * <p>Persisted state is untrusted too: at start the node checks its record of itself, each peer
 * state, each removal and the ring as it would gossip, ignores (and reports, as {@link
 * GossipRefusal.Source#DISK}) what fails, and persists what it kept. A node that was a member but
 * has no usable ring asks its peers for theirs like any node without a ring. If, after {@link
 * MembershipConfig#seedContactRounds} rounds, none offered a valid ring, and this node is the
 * claimant and reaches a majority of the NORMAL members, it plans a fresh ring ({@link
 * RingPolicy#freshRing}) in the ring epoch after the highest one it refused: the epoch outranks the
 * version, so the fresh ring wins over the refused one whatever its version, without adding to a
 * version that may sit at the counter limit.
 */
public final class Membership implements AutoCloseable {
  static final byte[] SELF_KEY = "membership/self".getBytes(StandardCharsets.US_ASCII);
  static final byte[] VIEW_KEY = "membership/view".getBytes(StandardCharsets.US_ASCII);

  /** How many (sender, reason) pairs the refusal reports remember. */
  private static final int MAX_REPORT_KEYS = 1024;

  /** How many refusals of persisted state are kept for listeners that register later. */
  private static final int MAX_REFUSED_AT_START = 64;

  private static final GossipRefusal.Reason[] REASONS = GossipRefusal.Reason.values();

  private final MembershipConfig config;
  private final NodeId selfId;
  private final Clock clock;
  private final Scheduler scheduler;
  private final RandomSource random;
  private final PeerTransport transport;
  private final StorageEngine storage;
  private final Keyspace metadata;
  private final RingPolicy planner;
  private final HandoffGate handoffGate;
  private final PhiAccrualFailureDetector detector;
  private final GossipValidator validator;
  private BrokenVariant broken = BrokenVariant.NONE;

  // ---- scheduler-confined state ----
  private NodeState self;
  private long joinGeneration;
  private final TreeMap<NodeId, NodeState> states = new TreeMap<>();
  private final TreeMap<NodeId, Removal> removals = new TreeMap<>();
  private RingState ring;
  private SortedSet<NodeId> owners = Collections.emptySortedSet();

  /** Per peer, the newest state of this node its gossip showed it holds. */
  private final TreeMap<NodeId, VersionStamp> knownOfSelf = new TreeMap<>();

  /** The stamp of this node's last status change (its own state from then on carries it). */
  private VersionStamp statusStamp = new VersionStamp(0, 0);

  private volatile boolean statusKnown;

  /** Whom the failure detector considers alive (this node included). */
  private final TreeSet<NodeId> alive = new TreeSet<>();

  /** The combined opinion ({@link Reachability}): alive and not suspected from calls. */
  private final TreeSet<NodeId> reachable = new TreeSet<>();

  /** This node's calls to each peer with a failed call since its last direct success. */
  private final TreeMap<NodeId, Calls> calls = new TreeMap<>();

  private final TreeSet<NodeId> extraSeeds = new TreeSet<>();
  private long round;
  private long lastSeedRound;
  private boolean started;
  private boolean stopped;
  private boolean lostState;
  private boolean viewDirty;
  private boolean snapshotDirty = true;
  private Scheduler.Cancellable task;

  /** This node was a member before its start but has no ring it can use: see "Validation". */
  private boolean recoverRing;

  /** The highest ring epoch refused at start, or -1. */
  private long refusedEpoch = -1;

  /** What was ignored of the persisted state, for listeners that register later. */
  private final List<GossipRefusal> refusedAtStart = new ArrayList<>();

  private final List<RefusalListener> refusalListeners = new ArrayList<>();

  /** Per (sender, reason): when it was last reported, and how many were refused since. */
  private final LinkedHashMap<ReportKey, long[]> reports =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ReportKey, long[]> eldest) {
          return size() > MAX_REPORT_KEYS;
        }
      };

  // ---- published ----
  private volatile MembershipView snapshot;
  private volatile SortedSet<NodeId> reachableSnapshot = Collections.emptySortedSet();
  private volatile SortedSet<NodeId> suspectedSnapshot = Collections.emptySortedSet();
  private final AtomicLong probesSent = new AtomicLong();
  private final AtomicLong callSuspicions = new AtomicLong();
  private final List<RingListener> ringListeners = new CopyOnWriteArrayList<>();
  private final List<Reachability.Listener> reachabilityListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong messagesSent = new AtomicLong();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLongArray refused = new AtomicLongArray(REASONS.length);
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
      RingPolicy planner,
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
    this.validator = new GossipValidator(config, planner);
    this.snapshot = new MembershipView(selfId, new TreeMap<>(), null);
  }

  /**
   * Deliberately broken behaviours that prove the simulations' invariants bite. Only tests switch
   * them on, with {@link #breakForTests}.
   */
  public enum BrokenVariant {
    NONE,
    /**
     * Gossip is applied first and validated afterwards (what this service did before validation
     * existed): refusals are still counted, but the refused content has already been merged.
     */
    APPLY_BEFORE_VALIDATING,
    /**
     * Reachability ignores call outcomes (what it did before issue 18): only the failure detector,
     * fed by relayed gossip too, decides, so a one-way or partial partition goes unseen.
     */
    GOSSIP_REACHABILITY_ONLY
  }

  /**
   * Switches on a {@link BrokenVariant}, for tests that prove the simulations catch it. MUST be
   * called before {@link #start()}; never in production.
   */
  public void breakForTests(BrokenVariant variant) {
    this.broken = Objects.requireNonNull(variant, "variant");
  }

  /** Notified on the scheduler whenever this node's current ring changes. */
  @FunctionalInterface
  public interface RingListener {
    /** {@code ring} is now this node's current ring. */
    void onRingChange(RingState ring);
  }

  /**
   * Notified of refused gossip and of persisted state ignored at start, on the scheduler: every
   * refusal of persisted state, and a gossip refusal at most once per (sender, reason) per {@link
   * MembershipConfig#refusalReportInterval}. Core has no logging; servers log from here.
   */
  @FunctionalInterface
  public interface RefusalListener {
    /**
     * @param refusal what was refused and why
     * @param suppressed refusals of the same sender and reason since the last report, not reported
     *     one by one
     */
    void onRefused(GossipRefusal refusal, long suppressed);
  }

  /**
   * Gossip counters since start: rounds run, messages (requests and responses) sent by this node
   * with their encoded size, and refusals by reason (gossip and persisted state). Safe to read from
   * any thread.
   *
   * @param bytesSent 0 unless {@link MembershipConfig#measureBytes}
   * @param refused refusals by reason, every reason present
   */
  public record Stats(
      long rounds, long messagesSent, long bytesSent, Map<GossipRefusal.Reason, Long> refused) {
    public Stats {
      refused = Collections.unmodifiableMap(new EnumMap<>(refused));
    }

    /** All refusals, whatever the reason. */
    public long refusedTotal() {
      long sum = 0;
      for (long n : refused.values()) {
        sum += n;
      }
      return sum;
    }
  }

  // ---- life cycle ----

  /**
   * This node ran before but lost its persisted state (an empty or replaced data directory on a
   * machine that ran it): if nothing is persisted when it starts, it founds no cluster, even as the
   * lowest seed, and claims no status; it waits to be handed back its generation by the members
   * that still list it, as a node whose record of itself is unusable does. Call before {@link
   * #start()}.
   */
  public void lostState() {
    scheduler.execute(() -> lostState = true);
  }

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

  /**
   * This node's opinion of its peers: its failure detector's, combined with the outcomes of its own
   * calls ({@link Reachability}).
   */
  public Reachability reachability() {
    return reachabilityView;
  }

  /** Gossip counters. */
  public Stats stats() {
    EnumMap<GossipRefusal.Reason, Long> byReason = new EnumMap<>(GossipRefusal.Reason.class);
    for (GossipRefusal.Reason r : REASONS) {
      byReason.put(r, refused.get(r.ordinal()));
    }
    return new Stats(rounds.get(), messagesSent.get(), bytesSent.get(), byReason);
  }

  /** The gossip counters as this node's {@code gossip} status section. */
  public StatusSection statusSection() {
    List<StatusSection.Stat> stats = new ArrayList<>();
    stats.add(StatusSection.Stat.counter("rounds", rounds.get(), "Gossip rounds this node ran"));
    stats.add(
        StatusSection.Stat.counter(
            "messages.sent",
            messagesSent.get(),
            "Gossip messages (requests and responses) this node sent"));
    stats.add(
        new StatusSection.Stat(
            "suspected.from.calls",
            StatusSection.Kind.GAUGE,
            new TreeMap<>(),
            suspectedSnapshot.size(),
            "Peers unreachable because this node's own calls to them keep failing (see"
                + " suspectedFromCalls), though gossip may still relay their heartbeats"));
    stats.add(
        StatusSection.Stat.counter(
            "call.suspicions",
            callSuspicions.get(),
            "Times a peer became suspected from this node's failed calls"));
    stats.add(
        StatusSection.Stat.counter(
            "probes.sent",
            probesSent.get(),
            "Direct gossip exchanges that probe a peer whose calls failed"));
    for (GossipRefusal.Reason r : REASONS) {
      stats.add(
          StatusSection.Stat.counter(
              "refused",
              "reason",
              r.tag(),
              refused.get(r.ordinal()),
              "Gossip and persisted membership state refused, by reason"));
    }
    return new StatusSection("gossip", stats);
  }

  /**
   * The peers this node currently suspects from its own failed calls ({@link Reachability}), an
   * immutable snapshot; safe from any thread.
   */
  public SortedSet<NodeId> suspectedFromCalls() {
    return suspectedSnapshot;
  }

  /** How many direct probes of peers whose calls failed this node has sent; for tests. */
  public long probesSent() {
    return probesSent.get();
  }

  /** How many refusals of {@code reason} so far; cheap, for metrics. */
  public long refusals(GossipRefusal.Reason reason) {
    return refused.get(reason.ordinal());
  }

  /**
   * Registers a listener for refusals. It also receives, at once, what was ignored of the persisted
   * state if the node has already started.
   */
  public void addRefusalListener(RefusalListener listener) {
    Objects.requireNonNull(listener, "listener");
    scheduler.execute(
        () -> {
          refusalListeners.add(listener);
          for (GossipRefusal r : refusedAtStart) {
            listener.onRefused(r, 0);
          }
        });
  }

  /** Registers a listener for changes of this node's current ring. */
  public void addRingListener(RingListener listener) {
    ringListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * For each format family this node reads, the newest version every member still in the cluster
   * reads too: the most a writer on this node may use ({@link WireFormats#toWrite}). A family some
   * member does not read at all is missing. Safe from any thread.
   */
  public SortedMap<String, Integer> agreedFormats() {
    return snapshot.agreedFormats(config.formats());
  }

  /** What this node gossips of its formats: nothing while they are the baseline. */
  private SortedMap<String, Integer> gossipedFormats() {
    return config.formats().equals(WireFormats.BASELINE) ? new TreeMap<>() : config.formats();
  }

  /**
   * Whether every other member still in the cluster has shown, in its gossip, that it holds this
   * node's current status: what a node that has LEFT waits for before it stops, or the others would
   * keep it LEAVING in their views, a member every later move waits for. Safe from any thread.
   */
  public boolean othersKnowOwnStatus() {
    return statusKnown;
  }

  private boolean computeStatusKnown() {
    for (NodeState s : states.values()) {
      if (s.id().equals(selfId) || !effectiveStatus(s).isActive()) {
        continue;
      }
      VersionStamp theirs = knownOfSelf.get(s.id());
      if (theirs == null || statusStamp.isNewerThan(theirs)) {
        return false;
      }
    }
    return true;
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
          joinNow();
          if (!seed.equals(selfId)) {
            gossipWith(seed);
          }
          return null;
        });
  }

  /**
   * Makes this node ask for partitions through its configured seeds: a {@link NodeStatus#STANDBY}
   * member becomes JOINING; one that left or was removed starts a new generation as JOINING; a
   * JOINING or NORMAL node is already joined (no-op). Persisted and gossiped.
   *
   * @throws IllegalStateException (in the stage) while the node is LEAVING
   */
  public CompletionStage<Void> join() {
    return onScheduler(
        () -> {
          joinNow();
          return null;
        });
  }

  private void joinNow() {
    NodeStatus st = effectiveSelfStatus();
    if (st == NodeStatus.STANDBY) {
      setSelfStatus(NodeStatus.JOINING);
    } else if (st == NodeStatus.LEFT || st == NodeStatus.REMOVED) {
      self =
          new NodeState(
              selfId,
              self.generation() + 1,
              0,
              NodeStatus.JOINING,
              config.address(),
              config.zone(),
              self.ringVersion(),
              gossipedFormats());
      joinGeneration = self.generation();
      states.put(selfId, self);
      persistSelf();
      changed();
    } else if (st == NodeStatus.LEAVING) {
      throw new IllegalStateException(
          selfId + " is LEAVING; wait until it has LEFT, then join again");
    }
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
          // The same view the members table shows: the failure detector and this node's calls.
          if (reachable.contains(node)) {
            throw new IllegalStateException(
                node
                    + " is reachable according to "
                    + selfId
                    + "'s failure detector and calls; stop it first, or run leave() on it");
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
            GossipMessage response = onRequest(from, message);
            count(response);
            f.complete(response);
          } catch (GossipRefusedException e) {
            refuse(GossipRefusal.Source.GOSSIP, from, e);
            f.completeExceptionally(e);
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
          publish();
        });
    return f;
  }

  private GossipMessage onRequest(NodeId from, GossipMessage received) {
    GossipMessage message = decoded(received);
    if (message instanceof GossipMessage.Syn syn) {
      GossipMessage.Ack[] ack = new GossipMessage.Ack[1];
      admit(syn, () -> ack[0] = onSyn(syn));
      VersionStamp ofSelf = syn.digests().get(selfId);
      if (ofSelf != null) {
        knownOfSelf.merge(from, ofSelf, (a, b) -> a.compareTo(b) >= 0 ? a : b);
      }
      return ack[0];
    }
    if (message instanceof GossipMessage.Ack2 ack2) {
      admit(
          ack2,
          () -> {
            ack2.states().forEach(this::mergeState);
            if (ack2.ring() != null) {
              mergeRing(ack2.ring());
            }
            reconcile();
          });
      return new GossipMessage.Ack2Reply();
    }
    throw new GossipRefusedException(
        GossipRefusal.Reason.MALFORMED,
        message.getClass().getSimpleName() + " is a response, not a request");
  }

  /** The message itself, or what {@link GossipMessage.Encoded} bytes decode to. */
  private static GossipMessage decoded(GossipMessage message) {
    if (!(message instanceof GossipMessage.Encoded encoded)) {
      return message;
    }
    try {
      return MembershipCodec.decodeMessage(encoded.bytes());
    } catch (MembershipCodec.MalformedException e) {
      throw new GossipRefusedException(GossipRefusal.Reason.MALFORMED, e.getMessage());
    }
  }

  /**
   * Validates {@code message} whole, then applies it; throws a refusal before applying anything.
   */
  private void admit(GossipMessage message, Runnable apply) {
    if (broken == BrokenVariant.APPLY_BEFORE_VALIDATING) {
      apply.run();
      validator.check(message, states, ring);
      return;
    }
    validator.check(message, states, ring);
    apply.run();
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
    int ringCmp = compareRingDigest(syn.ringEpoch(), syn.ringVersion(), syn.ringAuthor());
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
  private int compareRingDigest(long epoch, long version, NodeId author) {
    if (ring == null) {
      return author == null ? 0 : -1;
    }
    if (author == null) {
      return 1;
    }
    int c = Long.compare(ring.epoch(), epoch);
    if (c == 0) {
      c = Long.compare(ring.version(), version);
    }
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
    probeSuspects();

    // A peer suspected from calls but alive to the failure detector is left to the probes, so
    // that this node's direct traffic to it stays bounded; a dead one is gossiped with as before.
    List<NodeId> live = new ArrayList<>();
    List<NodeId> unreachable = new ArrayList<>();
    for (NodeState s : states.values()) {
      if (s.id().equals(selfId) || !effectiveStatus(s).isActive()) {
        continue;
      }
      if (reachable.contains(s.id())) {
        live.add(s.id());
      } else if (!alive.contains(s.id())) {
        unreachable.add(s.id());
      }
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
    gossipWith(peer, config.gossipTimeout());
  }

  /** Runs a gossip exchange with {@code peer}, waiting {@code timeout} for its reply. */
  private void gossipWith(NodeId peer, Duration timeout) {
    TreeMap<NodeId, VersionStamp> digests = new TreeMap<>();
    states.forEach((id, s) -> digests.put(id, s.stamp()));
    GossipMessage.Syn syn =
        new GossipMessage.Syn(
            digests,
            ring == null ? 0 : ring.epoch(),
            ring == null ? 0 : ring.version(),
            ring == null ? null : ring.author(),
            removals);
    send(peer, syn, timeout)
        .whenComplete(
            (response, error) ->
                scheduler.execute(
                    () -> {
                      if (!stopped) {
                        reportOutcome(peer, error);
                      }
                      if (error == null && !stopped && response instanceof GossipMessage m) {
                        try {
                          onAck(peer, m);
                        } catch (GossipRefusedException e) {
                          refuse(GossipRefusal.Source.GOSSIP, peer, e);
                        }
                        publish();
                      }
                    }));
  }

  private void onAck(NodeId peer, GossipMessage response) {
    if (!(decoded(response) instanceof GossipMessage.Ack ack)) {
      throw new GossipRefusedException(
          GossipRefusal.Reason.MALFORMED,
          "expected an Ack in response to a Syn, found " + decoded(response));
    }
    admit(
        ack,
        () -> {
          ack.removals().values().forEach(this::mergeRemoval);
          ack.states().forEach(this::mergeState);
          if (ack.ring() != null) {
            mergeRing(ack.ring());
          }
        });
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
      send(peer, new GossipMessage.Ack2(send, sendRing))
          .whenComplete(
              (reply, error) ->
                  scheduler.execute(
                      () -> {
                        if (!stopped) {
                          reportOutcome(peer, error);
                          publish();
                        }
                      }));
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
    return send(peer, message, config.gossipTimeout());
  }

  private CompletionStage<PeerMessage> send(NodeId peer, GossipMessage message, Duration timeout) {
    count(message);
    try {
      return transport.call(peer, message, timeout);
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
      probeSoon(id); // it restarted: its suspicion may be stale
    }
    if (existing == null || existing.stamp().compareTo(incoming.stamp()) < 0) {
      detector.heartbeat(id);
      if (!alive.contains(id)) {
        markAlive(id);
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
    recoverRing = false;
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
    } else if (ring == null
        && recoverRing
        && round >= config.seedContactRounds()
        && effectiveSelfStatus() == NodeStatus.NORMAL
        && selfId.equals(claimant())
        && reachesMajority()) {
      planFresh();
    }
  }

  /** Whether this node reaches more than half of the NORMAL members, itself included. */
  private boolean reachesMajority() {
    int normal = 0;
    int reached = 0;
    for (NodeState s : states.values()) {
      if (effectiveStatus(s) == NodeStatus.NORMAL) {
        normal++;
        if (s.id().equals(selfId) || alive.contains(s.id())) {
          reached++;
        }
      }
    }
    return 2 * reached > normal;
  }

  /**
   * No peer offered a ring this node can use: plans a fresh one from the members that want one, in
   * the epoch after the highest refused one (see "Validation").
   */
  private void planFresh() {
    TreeMap<NodeId, NodeState> target = new TreeMap<>();
    for (NodeState s : states.values()) {
      if (effectiveStatus(s) == NodeStatus.NORMAL && target.size() < planner.capacity()) {
        target.put(s.id(), s);
      }
    }
    for (NodeState s : states.values()) {
      if (effectiveStatus(s) == NodeStatus.JOINING && target.size() < planner.capacity()) {
        target.put(s.id(), s);
      }
    }
    long epoch = Math.max(0, refusedEpoch) + 1;
    RingState fresh;
    try {
      fresh = new RingState(planner.freshRing(epoch, target), epoch, 1, selfId);
    } catch (RuntimeException e) {
      refuse(
          new GossipRefusal(
              GossipRefusal.Source.PLANNER,
              selfId,
              GossipRefusal.Reason.INVALID_RING,
              "the planner cannot plan a fresh ring for " + target.keySet() + ": " + e));
      return;
    }
    if (adoptOwnPlan(fresh, target)) {
      reconcile();
    }
  }

  /** Adopts a ring this node planned, unless it fails the checks every peer will apply. */
  private boolean adoptOwnPlan(RingState planned, SortedMap<NodeId, NodeState> target) {
    TreeSet<NodeId> members = new TreeSet<>(states.keySet());
    members.addAll(target.keySet());
    try {
      validator.checkOwnPlan(planned, members);
    } catch (GossipRefusedException e) {
      refuse(GossipRefusal.Source.PLANNER, selfId, e);
      return false;
    }
    setRing(planned);
    return true;
  }

  private void setSelfStatus(NodeStatus status) {
    self = self.withStatus(status);
    statusStamp = self.stamp();
    states.put(selfId, self);
    persistSelf();
    changed();
  }

  /**
   * The lowest-id NORMAL node this node's failure detector considers alive (itself included). Not
   * the combined {@link Reachability}: ring changes travel by gossip, relayed or not, so a node
   * this node cannot call may still plan for it, and racing claimants would only churn the ring.
   */
  private NodeId claimant() {
    for (NodeState s : states.values()) {
      if (effectiveStatus(s) == NodeStatus.NORMAL
          && (s.id().equals(selfId) || alive.contains(s.id()))) {
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
    // Joining nodes in id order, as many as the ring can take: one that cannot join must not stop
    // every other change.
    for (NodeState s : states.values()) {
      if (effectiveStatus(s) == NodeStatus.JOINING
          && !target.containsKey(s.id())
          && target.size() < planner.capacity()) {
        target.put(s.id(), s);
      }
    }
    if (target.isEmpty()) {
      return;
    }
    if (planner.retiring(ring.ringUnsafe())) {
      // The switch is reaching every member: no other change until it has.
      if (handoffGate.moveComplete(ring, activeMembers())) {
        promote();
      }
      return;
    }
    if (target.keySet().equals(planner.targetOwners(ring.ringUnsafe()))) {
      if (planner.moving(ring.ringUnsafe()) && handoffGate.moveComplete(ring, activeMembers())) {
        promote();
      }
      return;
    }
    byte[] next;
    try {
      next = planner.nextRing(ring.ringUnsafe(), Collections.unmodifiableSortedMap(target));
    } catch (RuntimeException e) {
      refuse(
          new GossipRefusal(
              GossipRefusal.Source.PLANNER,
              selfId,
              GossipRefusal.Reason.INVALID_RING,
              "the planner cannot plan the next ring for " + target.keySet() + ": " + e));
      return;
    }
    if (adoptOwnPlan(new RingState(next, ring.epoch(), ring.version() + 1, selfId), target)) {
      reconcile();
    }
  }

  /** Every member not LEFT or REMOVED, this node included. */
  private SortedSet<NodeId> activeMembers() {
    TreeSet<NodeId> active = new TreeSet<>();
    for (NodeState s : states.values()) {
      if (effectiveStatus(s).isActive()) {
        active.add(s.id());
      }
    }
    return active;
  }

  /**
   * The next step of a move, at the next version: every pending owner holds its new partitions, so
   * the ring switches to its pending layout, keeping the previous one as retiring; or every member
   * has the switch, so the retiring layout goes. Nodes only the old layout named (a leaver) are
   * then out of the ring.
   */
  private void promote() {
    byte[] next;
    try {
      next = planner.promote(ring.ringUnsafe());
    } catch (RuntimeException e) {
      refuse(
          new GossipRefusal(
              GossipRefusal.Source.PLANNER,
              selfId,
              GossipRefusal.Reason.INVALID_RING,
              "the planner cannot complete the move of ring version " + ring.version() + ": " + e));
      return;
    }
    TreeMap<NodeId, NodeState> target = new TreeMap<>();
    for (NodeId owner : planner.owners(next)) {
      NodeState s = states.get(owner);
      target.put(owner, s == null ? unknown(owner) : s);
    }
    if (adoptOwnPlan(new RingState(next, ring.epoch(), ring.version() + 1, selfId), target)) {
      reconcile();
    }
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
    for (NodeId id : new ArrayList<>(alive)) {
      if (!id.equals(selfId) && !detector.isAvailable(id)) {
        alive.remove(id);
        refreshReachable(id);
      }
    }
  }

  private void markAlive(NodeId id) {
    alive.add(id);
    probeSoon(id); // new evidence of life: a suspicion from calls deserves a prompt probe
    refreshReachable(id);
  }

  /**
   * Recomputes the combined opinion of {@code id} and, when it changed, publishes it and tells the
   * listeners: the one place transitions are announced, so each is announced exactly once.
   */
  private void refreshReachable(NodeId id) {
    boolean now = id.equals(selfId) || (alive.contains(id) && !suspectedFromCalls(id));
    if (now == reachable.contains(id)) {
      return;
    }
    if (now) {
      reachable.add(id);
    } else {
      reachable.remove(id);
    }
    snapshotDirty = true;
    reachableSnapshot = Collections.unmodifiableSortedSet(new TreeSet<>(reachable));
    for (Reachability.Listener l : reachabilityListeners) {
      if (now) {
        l.onReachable(id);
      } else {
        l.onUnreachable(id);
      }
    }
  }

  // ---- reachability from this node's own calls ----

  /** This node's failed calls to one peer since its last direct success. */
  private static final class Calls {
    int consecutiveFailures;
    long firstFailureNanos;
    boolean suspected;
    long nextProbeNanos;
    long probeDelayNanos;
  }

  private boolean suspectedFromCalls(NodeId id) {
    Calls c = calls.get(id);
    return c != null && c.suspected;
  }

  /** Reports a call's outcome: no answer (timeout, not delivered) or an answer of any kind. */
  private void reportOutcome(NodeId peer, Throwable error) {
    Throwable e = DynamoException.unwrap(error);
    if (e instanceof PeerException.Timeout || e instanceof PeerException.Unreachable) {
      onCallFailed(peer);
    } else if (e == null || e instanceof PeerException) {
      onCallSucceeded(peer);
    }
    // Anything else failed on this side (e.g. encoding): no evidence about the peer.
  }

  private boolean tracksCalls(NodeId peer) {
    return broken != BrokenVariant.GOSSIP_REACHABILITY_ONLY
        && !peer.equals(selfId)
        && states.containsKey(peer);
  }

  private void onCallFailed(NodeId peer) {
    if (!tracksCalls(peer)) {
      return;
    }
    long now = clock.nanoTime();
    Calls c = calls.get(peer);
    if (c == null) {
      // A streak starts: probe next round, to end it early if the peer is fine after all.
      c = new Calls();
      c.firstFailureNanos = now;
      c.nextProbeNanos = now;
      c.probeDelayNanos = config.gossipInterval().toNanos();
      calls.put(peer, c);
    }
    if (c.consecutiveFailures < Integer.MAX_VALUE) {
      c.consecutiveFailures++;
    }
    if (!c.suspected
        && c.consecutiveFailures >= config.callFailuresToSuspect()
        && now - c.firstFailureNanos >= config.callFailureWindow().toNanos()) {
      c.suspected = true;
      callSuspicions.incrementAndGet();
      suspectsChanged();
      refreshReachable(peer);
    }
  }

  private void onCallSucceeded(NodeId peer) {
    if (!tracksCalls(peer)) {
      return;
    }
    Calls c = calls.remove(peer);
    if (c != null && c.suspected) {
      suspectsChanged();
      refreshReachable(peer);
    }
  }

  private void suspectsChanged() {
    TreeSet<NodeId> suspects = new TreeSet<>();
    calls.forEach(
        (id, c) -> {
          if (c.suspected) {
            suspects.add(id);
          }
        });
    suspectedSnapshot = Collections.unmodifiableSortedSet(suspects);
  }

  /** Restarts the probe backoff of {@code id}, if its calls fail: it is probed next round. */
  private void probeSoon(NodeId id) {
    Calls c = calls.get(id);
    if (c != null) {
      c.probeDelayNanos = config.gossipInterval().toNanos();
      c.nextProbeNanos = clock.nanoTime();
    }
  }

  /**
   * Probes, with a direct gossip exchange, each peer whose calls failed since their last direct
   * success, that the failure detector considers alive and whose probe is due: at most one per peer
   * per round; once the peer is suspected, the delay doubles after each probe up to {@link
   * MembershipConfig#callProbeMaxInterval}. A probe waits twice the gossip timeout (so two may be
   * in flight): calls fail fast for latency's sake, a probe asks whether the peer answers at all,
   * so a merely slow reply must not count against it. A dead peer needs no probe: it is unreachable
   * anyway and gets the ordinary gossip with unreachable peers, whose reply is a direct success
   * too.
   */
  private void probeSuspects() {
    long now = clock.nanoTime();
    List<NodeId> due = new ArrayList<>();
    calls.forEach(
        (id, c) -> {
          if (alive.contains(id) && now - c.nextProbeNanos >= 0) {
            c.nextProbeNanos = now + c.probeDelayNanos;
            if (c.suspected) {
              c.probeDelayNanos =
                  Math.min(2 * c.probeDelayNanos, config.callProbeMaxInterval().toNanos());
            }
            due.add(id);
          }
        });
    for (NodeId id : due) {
      probesSent.incrementAndGet();
      gossipWith(id, config.gossipTimeout().multipliedBy(2));
    }
  }

  // ---- persistence ----

  private void load() {
    byte[] selfBytes = metadata.get(SELF_KEY);
    byte[] viewBytes = metadata.get(VIEW_KEY);
    MembershipCodec.SelfRecord rec = selfBytes == null ? null : readSelf(selfBytes);
    if (rec != null) {
      NodeState old = rec.state();
      self =
          new NodeState(
              selfId,
              old.generation() + 1,
              0,
              old.status(),
              config.address(),
              config.zone(),
              old.ringVersion(),
              gossipedFormats());
      joinGeneration = rec.joinGeneration();
    } else if (selfBytes != null || viewBytes != null || lostState) {
      // It was a member, but its record of itself is unusable or lost: it neither founds a cluster
      // nor
      // claims a status; its peers hand it back its generation (mergeState) and the claimant
      // re-adds it if it is not in the ring.
      self =
          new NodeState(
              selfId,
              1,
              0,
              NodeStatus.JOINING,
              config.address(),
              config.zone(),
              0,
              gossipedFormats());
      joinGeneration = 1;
    } else {
      NodeId founder = config.seeds().isEmpty() ? selfId : config.seeds().first();
      boolean founding = founder.equals(selfId);
      self =
          new NodeState(
              selfId,
              1,
              0,
              founding
                  ? NodeStatus.NORMAL
                  : config.joinAtStart() ? NodeStatus.JOINING : NodeStatus.STANDBY,
              config.address(),
              config.zone(),
              0,
              gossipedFormats());
      joinGeneration = 1;
      if (founding) {
        ring = new RingState(planner.initialRing(selfId, config.zone()), 1, selfId);
        owners = ownersOf((ring.ringUnsafe()));
        self = self.withRingVersion(1);
      }
    }
    if (viewBytes != null) {
      readView(viewBytes);
    }
    recoverRing = ring == null && (selfBytes != null || viewBytes != null || lostState);
    states.put(selfId, self);
    statusStamp = self.stamp();
    alive.add(selfId);
    reachable.add(selfId);
    reachableSnapshot = Collections.unmodifiableSortedSet(new TreeSet<>(reachable));
    // What was ignored is not persisted again: the poison leaves the disk.
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

  /** This node's persisted record of itself, or {@code null} (reported) when it is unusable. */
  private MembershipCodec.SelfRecord readSelf(byte[] bytes) {
    try {
      MembershipCodec.SelfRecord rec = MembershipCodec.decodeSelf(bytes);
      if (!rec.state().id().equals(selfId)) {
        throw new GossipRefusedException(
            GossipRefusal.Reason.ILLEGAL_CHANGE,
            "the record is of node " + rec.state().id() + ", this node is " + selfId);
      }
      validator.checkPersisted(rec.state());
      if (rec.joinGeneration() < 0 || rec.joinGeneration() > rec.state().generation()) {
        throw new GossipRefusedException(
            GossipRefusal.Reason.OUT_OF_RANGE,
            "join generation "
                + rec.joinGeneration()
                + " is outside [0, generation "
                + rec.state().generation()
                + "]");
      }
      return rec;
    } catch (MembershipCodec.MalformedException e) {
      ignoredAtStart("this node's record of itself", GossipRefusal.Reason.MALFORMED, e);
    } catch (GossipRefusedException e) {
      ignoredAtStart("this node's record of itself", e.reason(), e);
    }
    return null;
  }

  /** Loads the persisted peers, removals and ring, ignoring (and reporting) what is unusable. */
  private void readView(byte[] bytes) {
    ClusterView v;
    try {
      v = MembershipCodec.decodeView(bytes);
    } catch (MembershipCodec.MalformedException e) {
      ignoredAtStart("the whole view (peers, removals, ring)", GossipRefusal.Reason.MALFORMED, e);
      return;
    }
    if (v.nodes().size() > config.maxMembers()) {
      ignoredAtStart(
          "the whole view (peers, removals, ring)",
          GossipRefusal.Reason.TOO_LARGE,
          new GossipRefusedException(
              GossipRefusal.Reason.TOO_LARGE,
              v.nodes().size() + " members, more than maxMembers=" + config.maxMembers()));
      return;
    }
    for (NodeState s : v.nodes().values()) {
      if (s.id().equals(selfId)) {
        continue;
      }
      try {
        validator.checkPersisted(s);
        states.put(s.id(), s);
      } catch (GossipRefusedException e) {
        ignoredAtStart("the state of " + s.id(), e.reason(), e);
      }
    }
    for (Removal r : v.removals().values()) {
      try {
        validator.checkPersisted(r);
        removals.put(r.node(), r);
      } catch (GossipRefusedException e) {
        ignoredAtStart("the removal of " + r.node(), e.reason(), e);
      }
    }
    if (v.ring() != null) {
      TreeSet<NodeId> members = new TreeSet<>(states.keySet());
      members.add(selfId);
      try {
        owners =
            Collections.unmodifiableSortedSet(
                new TreeSet<>(validator.checkPersisted(v.ring(), members)));
        ring = v.ring();
      } catch (GossipRefusedException e) {
        refusedEpoch =
            Math.max(refusedEpoch, Math.min(v.ring().epoch(), MembershipConfig.COUNTER_LIMIT - 2));
        ignoredAtStart("the ring " + v.ring(), e.reason(), e);
      }
    }
  }

  private void ignoredAtStart(String what, GossipRefusal.Reason reason, RuntimeException why) {
    String detail =
        why instanceof GossipRefusedException g ? g.detail() : String.valueOf(why.getMessage());
    refuse(
        new GossipRefusal(
            GossipRefusal.Source.DISK,
            selfId,
            reason,
            "ignored " + what + " persisted before this start: " + detail));
  }

  // ---- refusals ----

  private void refuse(GossipRefusal.Source source, NodeId from, GossipRefusedException e) {
    refuse(new GossipRefusal(source, from, e.reason(), e.detail()));
  }

  /** Counts a refusal and reports it, rate-limited per (sender, reason) unless it is from disk. */
  private void refuse(GossipRefusal refusal) {
    refused.incrementAndGet(refusal.reason().ordinal());
    long suppressed = 0;
    if (refusal.source() == GossipRefusal.Source.DISK) {
      if (refusedAtStart.size() < MAX_REFUSED_AT_START) {
        refusedAtStart.add(refusal);
      }
    } else {
      ReportKey key = new ReportKey(refusal.from(), refusal.reason());
      long now = clock.nanoTime();
      long[] last = reports.get(key); // {reported at, refused since}
      if (last != null && now - last[0] < config.refusalReportInterval().toNanos()) {
        last[1]++;
        return;
      }
      suppressed = last == null ? 0 : last[1];
      reports.put(key, new long[] {now, 0});
    }
    for (RefusalListener l : refusalListeners) {
      l.onRefused(refusal, suppressed);
    }
  }

  private record ReportKey(NodeId from, GossipRefusal.Reason reason) {}

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
    statusKnown = computeStatusKnown();
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
              reachable.contains(s.id()),
              s.formats()));
    }
    snapshot = new MembershipView(selfId, members, ring);
  }

  private final class ReachabilityView implements Reachability {
    @Override
    public boolean isReachable(NodeId node) {
      return reachableSnapshot.contains(node);
    }

    @Override
    public void callSucceeded(NodeId peer) {
      Objects.requireNonNull(peer, "peer");
      if (started && !stopped) {
        onCallSucceeded(peer);
        publish();
      }
    }

    @Override
    public void callFailed(NodeId peer) {
      Objects.requireNonNull(peer, "peer");
      if (started && !stopped) {
        onCallFailed(peer);
        publish();
      }
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
