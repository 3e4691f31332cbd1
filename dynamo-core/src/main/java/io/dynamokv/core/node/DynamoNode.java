/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.NodeShuttingDownException;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.coordination.CoordinationCodec;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.coordination.CoordinationMessage.Flush;
import io.dynamokv.core.coordination.CoordinationMessage.HintWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.handoff.BackgroundRate;
import io.dynamokv.core.handoff.HintId;
import io.dynamokv.core.handoff.HintStore;
import io.dynamokv.core.handoff.HintedHandoff;
import io.dynamokv.core.handoff.StandIns;
import io.dynamokv.core.membership.HandoffGate;
import io.dynamokv.core.membership.Membership;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.membership.Reachability;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.merkle.AntiEntropyCodec;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.transfer.TransferCodec;
import io.dynamokv.core.version.CausalContext;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.core.wire.PeerProtocol;
import io.dynamokv.core.wire.PeerProtocols;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Dynamo node (paper §4): serves the stores of {@link NodeConfig}, coordinates reads and writes
 * with N/R/W quorums over its {@link Membership}'s ring, and acts as a replica for the coordinators
 * of other nodes.
 *
 * <p>This class is the node's front: its life cycle, the intake of client requests (admission, then
 * the {@link ReadCoordinator}, the {@link WriteCoordinator} or, for a key it does not own, the
 * {@link Forwarder}) and the dispatch of peer requests by protocol ({@link #PROTOCOLS}): gossip to
 * membership, coordination to the {@link CoordinationService}. The {@link Replica} is the one place
 * that changes a key's local state.
 *
 * <p>Everything runs on the node's {@link Scheduler}, one task at a time; public methods may be
 * called from any thread and return stages that complete on the scheduler. Client requests and peer
 * requests enter through {@link Scheduler#executeInline}: a caller may run the node's work on its
 * own thread, storage I/O included, when the node is idle. All I/O goes through the ports, so a
 * whole cluster of nodes runs deterministically inside the simulation harness.
 *
 * <p>Coordination in this version uses strict quorums: the replica set of a key is its N owners.
 *
 * <ul>
 *   <li><b>put/delete</b>: a node that is not an owner forwards the write once to a reachable owner
 *       (a forwarded write is never forwarded again). The coordinator applies the write to its
 *       local sibling set with a fresh dot (dotted version vectors), persists it, sends the new set
 *       to the other owners and answers after W acknowledgements, itself included.
 *   <li><b>get</b>: asks the owners and answers after R with the synced siblings and their context.
 *       An absent key is a normal answer. The answers keep being collected afterwards, within the
 *       request's timeout, and the owners that answered with stale versions get the merge ({@link
 *       ReadRepair}).
 *   <li>Too few answers within the timeout fail with {@link InsufficientReplicasException}; for a
 *       write that means the outcome is unknown.
 * </ul>
 */
public final class DynamoNode implements AutoCloseable {
  /** The peer protocols every node speaks: what its transport must encode and decode. */
  public static final PeerProtocols PROTOCOLS =
      PeerProtocols.of(
          MembershipCodec.PROTOCOL,
          CoordinationCodec.PROTOCOL,
          AntiEntropyCodec.PROTOCOL,
          TransferCodec.PROTOCOL);

  private final NodeConfig config;
  private final NodeId self;
  private final Scheduler scheduler;
  private final Membership membership;
  private final NodeEpochs epochs;
  private final NodeStats stats = new NodeStats();
  private final Placement placement;
  private final ReissuedDots dots;
  private final Replica replica;
  private final GroupCommit commits;
  private final ReadCoordinator reads;
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final WriteCoordinator writes;
  private final Forwarder forwarder;
  private final HintedHandoff handoff;
  private final AntiEntropy antiEntropy;
  private final Transfer transfer;
  private final Completeness completeness;

  /** Who serves each peer protocol, by protocol id. */
  private final Map<Integer, PeerTransport.PeerHandler> handlers = new TreeMap<>();

  private volatile boolean closed;

  /** How long a clean stop waits for a group commit in progress (a stuck disk). */
  private static final long CLEAN_STOP_PATIENCE_MILLIS = 10_000;

  private DynamoNode(
      NodeConfig config,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      PeerTransport transport,
      StorageEngine storage,
      Host host,
      Executor commitWriter,
      BrokenVariant broken) {
    this.config = config;
    this.self = config.self();
    this.scheduler = scheduler;
    RandomSource requestIds = random.split();
    this.epochs =
        new NodeEpochs(
            storage,
            host,
            self,
            clock,
            config.newIncarnation(),
            broken == BrokenVariant.KEEPS_INCARNATION_AFTER_ROLLBACK);
    this.membership =
        new Membership(
            config.membership(),
            clock,
            scheduler,
            random.split(),
            transport,
            storage,
            new RingPlannerPolicy(config.ringPlanner(), broken != BrokenVariant.SWITCH_AT_ONCE),
            new HandoffGate() {
              @Override
              public boolean handoffComplete(byte[] ring) {
                return handoffDrained();
              }

              @Override
              public boolean moveComplete(RingState ring, SortedSet<NodeId> members) {
                return transfer.moveComplete(ring, members);
              }
            });
    if (broken == BrokenVariant.GOSSIP_APPLIED_BEFORE_VALIDATION) {
      membership.breakForTests(Membership.BrokenVariant.APPLY_BEFORE_VALIDATING);
    }
    if (broken == BrokenVariant.GOSSIP_REACHABILITY_ONLY) {
      membership.breakForTests(Membership.BrokenVariant.GOSSIP_REACHABILITY_ONLY);
    }
    ContextSigner contexts = new ContextSigner(config.clusterSecret());
    PeerCalls peers = new PeerCalls(scheduler, transport, membership.reachability(), this::closed);
    QuorumTimer timer = new QuorumTimer(scheduler, stats);
    this.placement = new Placement(self, config);
    this.dots = new ReissuedDots(stats);
    this.completeness =
        new Completeness(config, storage, broken == BrokenVariant.SWITCH_BEFORE_COMPLETE);
    if (config.antiEntropy().enabled()
        && epochs.started().lostData()
        && broken != BrokenVariant.LOST_DATA_ANSWERS_AT_ONCE) {
      completeness.lostData();
    }
    // Handoff's rate is the node's background budget; anti-entropy draws from it too.
    BackgroundRate background = new BackgroundRate(clock, config.handoff().bytesPerSecond());
    HintStore hints =
        new HintStore(storage.keyspace(StorageEngine.HINTS), config.handoff().maxBytes());
    this.commits =
        storage.durability() == Durability.SYNC
            ? new GroupCommit(storage, commitWriter, scheduler, stats)
            : null;
    this.replica =
        new Replica(
            config,
            storage,
            hints,
            clock,
            epochs,
            placement,
            dots,
            broken,
            this::dottedAgreed,
            commits);
    this.reads =
        new ReadCoordinator(
            config,
            placement,
            clock,
            contexts,
            replica,
            completeness,
            peers,
            timer,
            dots,
            stats,
            new ReadRepair(config, scheduler, replica, peers, stats),
            this::dottedAgreed);
    this.writes =
        new WriteCoordinator(
            config,
            placement,
            clock,
            scheduler,
            contexts,
            replica,
            peers,
            timer,
            stats,
            broken,
            this::dottedAgreed);
    this.forwarder = new Forwarder(config, scheduler, requestIds, placement, peers, writes, stats);
    this.handoff =
        new HintedHandoff(
            self,
            config.handoff(),
            hints,
            clock,
            scheduler,
            random.split(),
            peers::reachable,
            new HandoffPlacement(),
            new HandoffDelivery(peers),
            background);
    if (broken == BrokenVariant.HINT_DELETED_BEFORE_ACK) {
      handoff.breakForTests(HintedHandoff.BrokenVariant.DELETE_BEFORE_ACK);
    }
    handoff.leavingWhen(() -> membership.view().status(self) == NodeStatus.LEAVING);
    this.transfer =
        new Transfer(
            config,
            scheduler,
            clock,
            placement,
            replica,
            completeness,
            peers,
            background,
            membership::view,
            broken);
    this.antiEntropy =
        new AntiEntropy(
            config,
            scheduler,
            clock,
            placement,
            replica,
            completeness,
            peers,
            background,
            this::exchangeAgreed,
            transfer,
            broken);
    if (config.antiEntropy().enabled()) {
      replica.addListener(antiEntropy);
      transfer.onStreamEnded(antiEntropy::nudge);
      transfer.handOffWith(antiEntropy::handOff);
    }
    membership
        .reachability()
        .addListener(
            new Reachability.Listener() {
              @Override
              public void onReachable(NodeId node) {
                transport.peerReachable(node);
                handoff.ownerReachable(node);
              }

              @Override
              public void onUnreachable(NodeId node) {}
            });
    handlers.put(MembershipCodec.PROTOCOL_ID, membership::handle);
    handlers.put(AntiEntropyCodec.ID, antiEntropy::handle);
    handlers.put(TransferCodec.ID, transfer::handle);
    handlers.put(
        CoordinationCodec.ID,
        new CoordinationService(
            config,
            scheduler,
            placement,
            replica,
            completeness,
            forwarder,
            stats,
            broken,
            () -> epochs.started().epoch(),
            this::closed));
  }

  /**
   * Whether a leaving node has handed on every hint it held, with no write it coordinates still
   * open (one that ends may leave hints).
   */
  private boolean handoffDrained() {
    if (writes != null && writes.inFlight() > 0) {
      return false;
    }
    // With handoff off nothing delivers hints, and a leave must not wait for them forever.
    return handoff == null || !config.handoff().enabled() || handoff.drained();
  }

  /**
   * Whether this node is out of its ring, holds no hint and coordinates no write: what a node that
   * has left waits for before it stops. Safe from any thread (an estimate off the scheduler).
   */
  public boolean holdsNothingForOthers() {
    // Out of the ring it routes by, too: a node still on a ring that names it coordinates writes
    // as an owner and keeps copies nobody else may have.
    boolean inRing = placement.ring().map(r -> r.allNodes().contains(self)).orElse(false);
    return !inRing && replica.hints().count() == 0 && writes.inFlight() == 0;
  }

  /** Where handoff finds a key's owners: this node's ring. */
  private final class HandoffPlacement implements HintedHandoff.Placement {
    @Override
    public List<NodeId> ownersOf(String store, byte[] key) {
      // Not a node that left or was removed but is still named while the ring moves: it never
      // answers, and a hint whose key moved waits for every target.
      List<NodeId> targets = inRing(store, def -> placement.writeTargets(def, key));
      List<NodeId> live = new ArrayList<>(targets.size());
      for (NodeId node : targets) {
        if (!transfer.departed(node)) {
          live.add(node);
        }
      }
      return live;
    }

    @Override
    public boolean moving(String store, byte[] key) {
      return !inRing(store, def -> placement.pendingOwners(def, key)).isEmpty();
    }

    @Override
    public List<NodeId> extendedOf(String store, byte[] key) {
      return inRing(store, def -> placement.extended(def, key));
    }

    private List<NodeId> inRing(String store, Function<StoreDefinition, List<NodeId>> lookup) {
      StoreDefinition def = config.stores().get(store);
      return def == null || placement.ring().isEmpty() ? List.of() : lookup.apply(def);
    }
  }

  /** How handoff sends: the owner's replica path, or a local merge when this node owns the key. */
  private final class HandoffDelivery implements HintedHandoff.Delivery {
    private final PeerCalls peers;

    HandoffDelivery(PeerCalls peers) {
      this.peers = peers;
    }

    @Override
    public void replicate(
        NodeId target, String store, byte[] key, byte[] siblings, Consumer<Throwable> done) {
      if (target.equals(self)) {
        replica.mergeLater(placement.store(store), key, VersionCodec.decodeSiblings(siblings));
        replica.afterDurable(done);
        return;
      }
      peers.call(
          target,
          new ReplicaWrite(store, key, siblings),
          ReplicaWriteReply.class,
          config.requestTimeout(),
          (reply, error) -> done.accept(error));
    }

    @Override
    public boolean retire(HintId id, byte[] stored) {
      return replica.retireHint(id, stored);
    }

    @Override
    public void flush(NodeId target, HintedHandoff.Flushed done) {
      if (target.equals(self)) {
        // Hints merged here are deleted after the merge; an engine need not keep the order of
        // unflushed commits through a power failure (LMDB without sync does not).
        replica.flush();
        done.flushed(HintedHandoff.Delivery.UNCHECKED, null);
        return;
      }
      if (!readsFlush(target)) {
        // A member of an earlier build cannot be asked: its acknowledgement is taken as it was.
        done.flushed(HintedHandoff.Delivery.UNCHECKED, null);
        return;
      }
      peers.call(
          target,
          new Flush(),
          CoordinationMessage.Flushed.class,
          config.requestTimeout(),
          (reply, error) -> done.flushed(error == null ? reply.epoch() : 0, error));
    }

    @Override
    public List<HintId> expire(HintId id) {
      return replica.expireHint(id);
    }

    @Override
    public void hint(
        NodeId target,
        NodeId owner,
        String store,
        byte[] key,
        byte[] siblings,
        Consumer<Throwable> done) {
      peers.call(
          target,
          new HintWrite(store, key, owner, siblings),
          ReplicaWriteReply.class,
          config.requestTimeout(),
          (reply, error) -> done.accept(error));
    }
  }

  /**
   * Creates a node over the given ports, starts serving peers and gossiping. Before anything else
   * it decides its {@linkplain #incarnation() incarnation} from what {@code storage} and {@code
   * host} hold, durably.
   *
   * @param transport carries at least {@link #PROTOCOLS}
   * @param host the machine: its boot id and the lease record kept outside the data directory
   */
  public static DynamoNode start(
      NodeConfig config,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      PeerTransport transport,
      StorageEngine storage,
      Host host) {
    return start(config, clock, scheduler, random, transport, storage, host, scheduler::execute);
  }

  /**
   * As {@link #start(NodeConfig, Clock, Scheduler, RandomSource, PeerTransport, StorageEngine,
   * Host)}, with the executor that writes group commits.
   *
   * @param commitWriter with a {@link Durability#SYNC} engine, runs each group of changes' synced
   *     write, one at a time ({@link GroupCommit}); a thread of its own lets the node serve other
   *     requests meanwhile. The scheduler's own {@code execute} works too, but stalls the node for
   *     each write. Unused with other durabilities.
   */
  public static DynamoNode start(
      NodeConfig config,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      PeerTransport transport,
      StorageEngine storage,
      Host host,
      Executor commitWriter) {
    return start(
        config,
        clock,
        scheduler,
        random,
        transport,
        storage,
        host,
        commitWriter,
        BrokenVariant.NONE);
  }

  static DynamoNode start(
      NodeConfig config,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      PeerTransport transport,
      StorageEngine storage,
      Host host,
      Executor commitWriter,
      BrokenVariant broken) {
    DynamoNode node =
        new DynamoNode(
            config, clock, scheduler, random, transport, storage, host, commitWriter, broken);
    node.membership.addRingListener(state -> node.useRing(RingCodec.decode(state.ring())));
    byte[] known = node.membership.view().ringBytes();
    if (known != null) {
      node.useRing(RingCodec.decode(known));
    }
    transport.serve(node::handle);
    if (node.epochs.started().lostData()) {
      node.membership.lostState();
    }
    node.membership.start();
    if (config.handoff().enabled()) {
      node.handoff.start();
    }
    if (config.antiEntropy().enabled()) {
      node.antiEntropy.start();
    }
    node.transfer.start();
    // After the start tasks above: membership has loaded and published this node's own entry.
    scheduler.execute(() -> node.started.complete(null));
    return node;
  }

  /**
   * Completes once the node's start tasks have run on its scheduler: from then on its membership
   * view holds its own entry (status, address), which the first requests about the cluster show. A
   * server opens its client port after it.
   */
  public CompletionStage<Void> started() {
    return started.minimalCompletionStage();
  }

  /** Routes by {@code ring} from now on; anti-entropy keeps trees for the partitions it holds. */
  private void useRing(Ring ring) {
    placement.useRing(ring);
    if (config.antiEntropy().enabled()) {
      completeness.useRing(ring, (def, p) -> !replica.scan(def, ring.range(p), null, 1).isEmpty());
      antiEntropy.useRing(ring);
    }
    transfer.useRing(ring);
  }

  /** Whether every member speaks the anti-entropy protocol, so that exchanges may start. */
  private boolean exchangeAgreed() {
    return membership.agreedFormats().containsKey(AntiEntropyCodec.WIRE_FORMAT.family());
  }

  /**
   * Starts a full anti-entropy pass now: every partition this node holds, with each other replica.
   * The stage completes once the pass has started, or with {@code wait} once it is done; it fails
   * when anti-entropy is off. Safe from any thread.
   */
  public CompletionStage<Void> repair(boolean wait) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    scheduler.execute(
        () ->
            antiEntropy
                .repair(wait)
                .whenComplete(
                    (ok, e) -> {
                      if (e != null) {
                        done.completeExceptionally(e);
                      } else {
                        done.complete(null);
                      }
                    }));
    return done;
  }

  /**
   * What {@code change} would move if committed now (the plan an operator reads first). Computed by
   * this node from its ring and membership view; completes on the scheduler. Fails with {@link
   * IllegalStateException} when the change cannot be made now (say, the node to join is already in
   * the ring, or this node has no ring yet).
   */
  public CompletionStage<io.dynamokv.core.transfer.TransferPlan> plan(
      io.dynamokv.core.transfer.ClusterChange change) {
    return onScheduler(result -> result.complete(transfer.plan(change, membership.view())));
  }

  /**
   * Asks the cluster to give this node partitions, through its configured seeds: a member that owns
   * nothing ({@link NodeStatus#STANDBY}), or one that left or was removed, becomes JOINING; the
   * claimant plans a ring naming it a pending owner, the previous owners stream it the ranges, and
   * the ring switches once its copies are confirmed. A no-op for a node already joining or in the
   * ring.
   */
  public CompletionStage<Void> join() {
    return membership.join();
  }

  public NodeId id() {
    return self;
  }

  public NodeConfig config() {
    return config;
  }

  /**
   * Whether every member reads sibling format 3, so that contexts with explicit dots and sets that
   * have seen dots beyond their vector may be handed out, stored and sent.
   */
  private boolean dottedAgreed() {
    return membership.agreedFormats().getOrDefault(VersionCodec.WIRE_FORMAT.family(), 0)
        >= VersionCodec.FORMAT_DOTTED;
  }

  /**
   * Whether {@code node} reads coordination format 2, so that it may be asked to flush (a node this
   * one does not know of is asked: a refusal keeps the hints).
   */
  private boolean readsFlush(NodeId node) {
    MembershipView.Member member = membership.view().members().get(node);
    if (member == null) {
      return true;
    }
    Map<String, Integer> agreed =
        io.dynamokv.core.wire.WireFormats.agreed(
            io.dynamokv.core.wire.WireFormats.CURRENT, List.of(member.formats()));
    return agreed.getOrDefault(CoordinationCodec.WIRE_FORMAT.family(), 0)
        >= CoordinationCodec.FORMAT_FLUSH;
  }

  /** The gossip membership this node runs: views, reachability and the admin operations. */
  public Membership membership() {
    return membership;
  }

  /** The ring this node currently routes by, once it has one. */
  public Optional<Ring> ring() {
    return placement.ring();
  }

  /** Counters of what this node coordinated. Read from the scheduler for exact figures. */
  public NodeStats stats() {
    return stats;
  }

  /**
   * This node's status, one section per part that reports (coordination, gossip, formats). Safe
   * from any thread; the same sections and figures on every call.
   */
  public List<StatusSection> status() {
    return List.of(
        stats.section(),
        handoff.section(stats.hintsStored(), stats.hintsRefused()),
        antiEntropy.section(),
        transfer.statusSection(),
        membership.statusSection(),
        NodeFormats.section(config.membership().formats(), membership.agreedFormats()));
  }

  /** Who the claimant still waits for before it switches a moving ring, and why. */
  java.util.SortedSet<String> transferWaiting() {
    return transfer.waitingFor();
  }

  /** The hints this node holds for others; read from the scheduler. */
  HintStore hints() {
    return replica.hints();
  }

  /** This node's own copy of a key (its data, without hints); read from the scheduler. */
  Siblings dataOf(String store, byte[] key) {
    return replica.read(placement.store(store), key);
  }

  /** This node's replica, for tests; use from the scheduler. */
  Replica replica() {
    return replica;
  }

  /** Anti-entropy, for tests; use from the scheduler. */
  AntiEntropy antiEntropy() {
    return antiEntropy;
  }

  /** Hinted handoff, for tests. */
  HintedHandoff handoff() {
    return handoff;
  }

  /** The incarnation this node started with, and why (for the start-up log). */
  public Incarnation incarnation() {
    return epochs.started();
  }

  /** Notable events a node reports, for logs. Listeners run on the node's scheduler. */
  public interface EventListener {
    /**
     * A sibling set of {@code key} that this node stored or read holds values that share a dot:
     * some node issued a dot twice (e.g. its disk rolled back without it noticing). Both values are
     * kept as siblings, so nothing is lost, but it must never happen. Reported once per key.
     */
    void onReissuedDot(String store, byte[] key, Siblings siblings);
  }

  /** Registers a listener for this node's {@link EventListener events}. */
  public void addEventListener(EventListener listener) {
    dots.addListener(listener);
  }

  /**
   * Registers a listener for what hinted handoff reports: hints discarded unsent because they
   * outlived {@code dynamo.handoff.max-age}. It is added on the scheduler, after the tasks already
   * submitted, and runs there.
   */
  public void addHandoffListener(HintedHandoff.Listener listener) {
    Objects.requireNonNull(listener, "listener");
    scheduler.execute(() -> handoff.addListener(listener));
  }

  /** Registers a listener for every change of a key's local state (see {@link ReplicaListener}). */
  public void addReplicaListener(ReplicaListener listener) {
    replica.addListener(listener);
  }

  // ---- client intake ----

  /** Reads {@code key}: the client's view (live values and context). */
  public CompletionStage<GetResult> get(String store, byte[] key, RequestOptions options) {
    return read(store, key, options).thenApply(ReadResult::toGetResult);
  }

  /** Reads {@code key} with tombstones included. */
  public CompletionStage<ReadResult> read(String store, byte[] key, RequestOptions options) {
    byte[] k = key.clone();
    return onScheduler(
        result -> {
          StoreDefinition def = placement.store(store);
          def.checkKey(k);
          int r = quorum(def, options.quorum(), def.readQuorum(), "R");
          List<NodeId> owners = placement.owners(def, k);
          reads.read(def, k, r, timeout(options), readReplicas(def, owners, k), owners, result);
        });
  }

  /**
   * What this node stores for {@code key} in its own data: its sibling set as it is (tombstones
   * included), and whether it owns the key in its ring. For debugging and tests that must look at
   * one replica on its own: no quorum, no forwarding, no read repair, and no context to write with.
   * Runs on the scheduler like the other requests.
   *
   * @throws io.dynamokv.core.StoreNotFoundException (in the stage) for a store this node does not
   *     serve
   * @throws InvalidRequestException (in the stage) for an empty key; {@link
   *     io.dynamokv.core.LimitExceededException} for one over the store's key limit
   */
  public CompletionStage<LocalCopy> localRead(String store, byte[] key) {
    byte[] k = key.clone();
    return onScheduler(
        result -> {
          StoreDefinition def = placement.store(store);
          def.checkKey(k);
          Ring ring = placement.ring().orElse(null);
          result.complete(
              new LocalCopy(
                  self,
                  replica.read(def, k),
                  ring == null
                      ? List.of()
                      : ring.preferenceList(Token.of(k), def.replicationFactor()),
                  ring == null ? 0 : ring.version()));
        });
  }

  /** Writes {@code value} superseding what {@code context} has seen. */
  public CompletionStage<Context> put(
      String store, byte[] key, byte[] value, Context context, RequestOptions options) {
    return write(store, key, value.clone(), false, context, options, false);
  }

  /** Writes a tombstone superseding what {@code context} has seen. */
  public CompletionStage<Context> delete(
      String store, byte[] key, Context context, RequestOptions options) {
    return write(store, key, new byte[0], true, context, options, false);
  }

  /** {@link #put} of a key reserved for the system, for {@link ServingProbe}. */
  CompletionStage<Context> putReserved(
      String store, byte[] key, byte[] value, Context context, RequestOptions options) {
    return write(store, key, value.clone(), false, context, options, true);
  }

  /** {@link #delete} of a key reserved for the system, for {@link ServingProbe}. */
  CompletionStage<Context> deleteReserved(
      String store, byte[] key, Context context, RequestOptions options) {
    return write(store, key, new byte[0], true, context, options, true);
  }

  /** A delete whose tombstone carries {@code marker}, for tests that must tell deletes apart. */
  CompletionStage<Context> deleteMarked(
      String store, byte[] key, byte[] marker, Context context, RequestOptions options) {
    return write(store, key, marker.clone(), true, context, options, false);
  }

  private CompletionStage<Context> write(
      String store,
      byte[] key,
      byte[] value,
      boolean tombstone,
      Context context,
      RequestOptions options,
      boolean reservedKeyAllowed) {
    byte[] k = key.clone();
    byte[] ctx = context.toBytes();
    return onScheduler(
        result -> {
          if (!reservedKeyAllowed && ServingProbe.isReserved(k)) {
            throw new InvalidRequestException(
                "keys starting with \\0dynamo: are reserved for the system; clients cannot write"
                    + " them");
          }
          StoreDefinition def = placement.store(store);
          CausalContext seen = writes.admit(def, k, value, ctx);
          int w = quorum(def, options.quorum(), def.writeQuorum(), "W");
          Duration timeout = timeout(options);
          List<NodeId> owners = placement.owners(def, k);
          // A pending owner (or one the last move retires) takes the write like an owner.
          if (placement.writeTargets(def, k).contains(self)) {
            writes.write(def, k, value, tombstone, context, seen, w, timeout, owners, result);
          } else {
            forwarder.forward(def, k, value, tombstone, ctx, seen, w, timeout, owners, 0, result);
          }
        });
  }

  /**
   * The replicas a read asks: the key's owners, each unreachable one replaced by its stand-in (the
   * same choice a write makes, so a stand-in that took a write answers from its hint).
   */
  private List<NodeId> readReplicas(StoreDefinition def, List<NodeId> owners, byte[] key) {
    if (!config.handoff().enabled() || owners.stream().allMatch(this::reachable)) {
      return owners;
    }
    List<NodeId> replicas = new ArrayList<>(owners.size());
    for (StandIns.Slot slot :
        StandIns.replicas(placement.extended(def, key), owners.size(), this::reachable)) {
      slot.replica().ifPresentOrElse(replicas::add, () -> replicas.add(slot.owner()));
    }
    return replicas;
  }

  private boolean reachable(NodeId node) {
    return node.equals(self) || membership.reachability().isReachable(node);
  }

  private <T> CompletableFuture<T> onScheduler(Consumer<CompletableFuture<T>> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(new NodeShuttingDownException(self + " is shutting down"));
      return result;
    }
    scheduler.executeInline(
        () -> {
          try {
            body.accept(result);
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
    return result;
  }

  private static int quorum(StoreDefinition def, int override, int standard, String name) {
    return Quorum.required(override, standard, def.replicationFactor(), name, def.name());
  }

  private Duration timeout(RequestOptions options) {
    return options.timeout() == null ? config.requestTimeout() : options.timeout();
  }

  // ---- peer dispatch ----

  /**
   * Serves a request from a peer: the handler of its protocol takes it (gossip goes to membership,
   * coordination to the replica and forwarder). A request of a protocol this node does not serve is
   * answered with a {@link Failure}.
   */
  public CompletionStage<PeerMessage> handle(NodeId from, PeerMessage request) {
    PeerTransport.PeerHandler handler = handlerOf(request);
    if (handler == null) {
      return CompletableFuture.completedFuture(
          Failure.of(
              closed
                  ? new NodeShuttingDownException(self + " is shutting down")
                  : new InvalidRequestException(
                      "unexpected message "
                          + request.getClass().getSimpleName()
                          + " for "
                          + self)));
    }
    return handler.handle(from, request);
  }

  private PeerTransport.PeerHandler handlerOf(PeerMessage request) {
    PeerProtocol<?> protocol;
    try {
      protocol = PROTOCOLS.protocolOf(request);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return handlers.get(protocol.id());
  }

  // ---- life cycle ----

  private boolean closed() {
    return closed;
  }

  /**
   * Stops gossiping and refuses new requests; in-flight ones complete or time out. Idempotent.
   *
   * <p>A clean stop then drains the scheduler and calls {@link #recordCleanStop()} before closing
   * the engine; a node whose stop is not recorded counts as crashed at its next start.
   */
  @Override
  public void close() {
    closed = true;
    membership.stop();
    handoff.stop();
    antiEntropy.stop();
    transfer.stop();
  }

  /**
   * Records, durably, that this node stopped cleanly, so that its next start keeps its incarnation.
   * Call it after {@link #close()}, once the scheduler runs none of the node's tasks any more (a
   * drained {@code shutdown}), and before closing the engine: nothing may write to the engine
   * afterwards.
   *
   * @throws IllegalStateException if the node was not closed first
   */
  public void recordCleanStop() {
    if (!closed) {
      throw new IllegalStateException(self + " must be closed before its clean stop is recorded");
    }
    // With group commit, what is queued must be durable before the record says nothing was lost.
    if (!replica.drain(CLEAN_STOP_PATIENCE_MILLIS)) {
      throw new IllegalStateException(
          self
              + "'s queued writes did not become durable within "
              + CLEAN_STOP_PATIENCE_MILLIS
              + " ms: its stop is not recorded as clean");
    }
    epochs.recordCleanStop();
  }
}
