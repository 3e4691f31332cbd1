/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.NodeShuttingDownException;
import io.dynamokv.core.NotAReplicaException;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWriteReply;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaRead;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.membership.HandoffGate;
import io.dynamokv.core.membership.Membership;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.version.Versioned;
import io.dynamokv.core.wire.Failure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A Dynamo node (paper §4): serves the stores of {@link NodeConfig}, coordinates reads and writes
 * with N/R/W quorums over its {@link Membership}'s ring, and acts as a replica for the coordinators
 * of other nodes.
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
 *       An absent key is a normal answer.
 *   <li>Too few answers within the timeout fail with {@link InsufficientReplicasException}; for a
 *       write that means the outcome is unknown.
 * </ul>
 */
public final class DynamoNode implements AutoCloseable {
  /**
   * Deliberately broken behaviours that prove the simulation's invariants bite. Only tests switch
   * them on.
   */
  enum BrokenVariant {
    NONE,
    /** The coordinator ignores the client's context: every write supersedes every local sibling. */
    UPDATE_IGNORES_CONTEXT,
    /**
     * The coordinator counts its own acknowledgement before its local write, which happens a little
     * later.
     */
    ACK_BEFORE_LOCAL_WRITE,
    /**
     * The node keeps its incarnation after a stop that may have lost commits and skips Riak's check
     * of the client's context, so a node whose disk rolled back reissues dots (the behaviour before
     * issue 14).
     */
    KEEPS_INCARNATION_AFTER_ROLLBACK,
    /** Membership applies gossip before validating it ({@link Membership.BrokenVariant}). */
    GOSSIP_APPLIED_BEFORE_VALIDATION
  }

  static final Duration BROKEN_LOCAL_WRITE_DELAY = Duration.ofMillis(50);
  private static final Duration FORWARD_SLACK = Duration.ofMillis(500);
  private static final int MAX_REMEMBERED_FORWARDS = 100_000;
  private static final int MAX_REPORTED_KEYS = 10_000;

  private final NodeConfig config;
  private final NodeId self;
  private final Clock clock;
  private final Scheduler scheduler;
  private final PeerTransport transport;
  private final StorageEngine storage;
  private final Membership membership;
  private final NodeEpochs epochs;
  private final ContextSigner contexts;
  private final Map<String, Keyspace> keyspaces = new TreeMap<>();
  private final List<EventListener> listeners = new CopyOnWriteArrayList<>();

  /** Keys already reported for reissued dots, so each is reported once. */
  private final Map<String, Boolean> reportedKeys = new LinkedHashMap<>();

  private final BrokenVariant broken;
  private final Stats stats = new Stats();
  private final RandomSource requestIds;

  /** Forwarded writes seen recently, by (forwarder, request id): their outcome, for duplicates. */
  private final Map<ForwardKey, CompletableFuture<PeerMessage>> recentForwards =
      new java.util.LinkedHashMap<>();

  private volatile Ring ring;
  private volatile boolean closed;

  private DynamoNode(
      NodeConfig config,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      PeerTransport transport,
      StorageEngine storage,
      Host host,
      BrokenVariant broken) {
    this.config = config;
    this.self = config.self();
    this.clock = clock;
    this.scheduler = scheduler;
    this.transport = transport;
    this.storage = storage;
    this.broken = broken;
    this.requestIds = random.split();
    this.epochs =
        new NodeEpochs(
            storage,
            host,
            self,
            clock,
            config.newIncarnation(),
            broken == BrokenVariant.KEEPS_INCARNATION_AFTER_ROLLBACK);
    this.contexts = new ContextSigner(config.clusterSecret());
    config.stores().forEach((name, def) -> keyspaces.put(name, storage.keyspace("data-" + name)));
    this.membership =
        new Membership(
            config.membership(),
            clock,
            scheduler,
            random.split(),
            transport,
            storage,
            new RingPlannerPolicy(config.ringPlanner()),
            HandoffGate.ALWAYS);
    if (broken == BrokenVariant.GOSSIP_APPLIED_BEFORE_VALIDATION) {
      membership.breakForTests(Membership.BrokenVariant.APPLY_BEFORE_VALIDATING);
    }
  }

  /**
   * Creates a node over the given ports, starts serving peers and gossiping. Before anything else
   * it decides its {@linkplain #incarnation() incarnation} from what {@code storage} and {@code
   * host} hold, durably.
   *
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
    return start(config, clock, scheduler, random, transport, storage, host, BrokenVariant.NONE);
  }

  static DynamoNode start(
      NodeConfig config,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      PeerTransport transport,
      StorageEngine storage,
      Host host,
      BrokenVariant broken) {
    DynamoNode node =
        new DynamoNode(config, clock, scheduler, random, transport, storage, host, broken);
    node.membership.addRingListener(node::onRingChange);
    byte[] known = node.membership.view().ringBytes();
    if (known != null) {
      node.ring = RingCodec.decode(known);
    }
    transport.serve(node::handle);
    node.membership.start();
    return node;
  }

  public NodeId id() {
    return self;
  }

  public NodeConfig config() {
    return config;
  }

  /** The gossip membership this node runs: views, reachability and the admin operations. */
  public Membership membership() {
    return membership;
  }

  /** The ring this node currently routes by, once it has one. */
  public Optional<Ring> ring() {
    return Optional.ofNullable(ring);
  }

  /** Counters of what this node coordinated. Read from the scheduler for exact figures. */
  public Stats stats() {
    return stats;
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
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  private void onRingChange(RingState state) {
    ring = RingCodec.decode(state.ring());
  }

  // ---- client-facing operations ----

  /** Reads {@code key}: the client's view (live values and context). */
  public CompletionStage<GetResult> get(String store, byte[] key, RequestOptions options) {
    return read(store, key, options).thenApply(ReadResult::toGetResult);
  }

  /** Reads {@code key} with tombstones included. */
  public CompletionStage<ReadResult> read(String store, byte[] key, RequestOptions options) {
    byte[] k = key.clone();
    return onScheduler(result -> coordinateRead(store, k, options, result));
  }

  /** Writes {@code value} superseding what {@code context} has seen. */
  public CompletionStage<Context> put(
      String store, byte[] key, byte[] value, Context context, RequestOptions options) {
    return write(store, key, value.clone(), false, context, options);
  }

  /** Writes a tombstone superseding what {@code context} has seen. */
  public CompletionStage<Context> delete(
      String store, byte[] key, Context context, RequestOptions options) {
    return write(store, key, new byte[0], true, context, options);
  }

  /** A delete whose tombstone carries {@code marker}, for tests that must tell deletes apart. */
  CompletionStage<Context> deleteMarked(
      String store, byte[] key, byte[] marker, Context context, RequestOptions options) {
    return write(store, key, marker.clone(), true, context, options);
  }

  private CompletionStage<Context> write(
      String store,
      byte[] key,
      byte[] value,
      boolean tombstone,
      Context context,
      RequestOptions options) {
    byte[] k = key.clone();
    byte[] ctx = context.toBytes();
    return onScheduler(
        result -> {
          StoreDefinition def = store(store);
          VectorClock seen = validate(def, k, value, ctx);
          int w = quorum(def, options.quorum(), def.writeQuorum(), "W");
          Duration timeout = timeout(options);
          List<NodeId> owners = owners(def, k);
          if (owners.contains(self)) {
            coordinateWrite(def, k, value, tombstone, context, seen, w, timeout, owners, result);
          } else {
            forward(def, k, value, tombstone, ctx, w, timeout, owners, 0, result);
          }
        });
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

  // ---- coordination ----

  private void coordinateRead(
      String store, byte[] key, RequestOptions options, CompletableFuture<ReadResult> result) {
    StoreDefinition def = store(store);
    validateKey(def, key);
    int r = quorum(def, options.quorum(), def.readQuorum(), "R");
    Duration timeout = timeout(options);
    List<NodeId> owners = owners(def, key);
    if (owners.size() < r) {
      throw tooFewOwners("get", owners, r);
    }
    stats.reads++;
    Quorum<Siblings> quorum = new Quorum<>(owners, r);
    Runnable settle =
        () -> {
          if (result.isDone()) {
            return;
          }
          switch (quorum.status()) {
            case SUCCEEDED -> {
              Siblings merged = Siblings.syncAll(quorum.responses().values());
              checkDots(def, key, Siblings.empty(), merged);
              result.complete(
                  new ReadResult(
                      merged.values(),
                      Context.fromBytes(contexts.sign(def.name(), key, merged.context()))));
            }
            case FAILED -> fail(result, "get", quorum);
            case PENDING -> {}
          }
        };
    byte[] storageKey = StorageKeys.storageKey(key);
    for (NodeId owner : owners) {
      if (owner.equals(self)) {
        quorum.onResponse(self, localSiblings(def, storageKey));
      } else if (!membership.reachability().isReachable(owner)) {
        quorum.onFailure(owner, new PeerException.Unreachable(owner, "failure detector"));
      } else {
        call(
            owner,
            new ReplicaRead(def.name(), key),
            timeout,
            (reply, error) -> {
              if (reply instanceof ReplicaReadReply rr) {
                Siblings siblings = decodeReply(owner, rr, quorum);
                if (siblings != null) {
                  quorum.onResponse(owner, siblings);
                }
              } else {
                quorum.onFailure(owner, failureOf(owner, reply, error));
              }
              settle.run();
            });
      }
    }
    settle.run();
    scheduleTimeout(timeout, result, "get", quorum);
  }

  private void coordinateWrite(
      StoreDefinition def,
      byte[] key,
      byte[] value,
      boolean tombstone,
      Context clientContext,
      VectorClock context,
      int w,
      Duration timeout,
      List<NodeId> owners,
      CompletableFuture<Context> result) {
    if (owners.size() < w) {
      throw tooFewOwners(tombstone ? "delete" : "put", owners, w);
    }
    String op = tombstone ? "delete" : "put";
    Versioned version =
        tombstone
            ? Versioned.tombstone(value, Math.max(0, clock.wallMillis()))
            : Versioned.of(value, Math.max(0, clock.wallMillis()));
    byte[] storageKey = StorageKeys.storageKey(key);
    Quorum<Boolean> quorum = new Quorum<>(owners, w);
    Context[] written = {clientContext};
    Runnable settle =
        () -> {
          if (result.isDone()) {
            return;
          }
          switch (quorum.status()) {
            case SUCCEEDED -> result.complete(written[0]);
            case FAILED -> fail(result, op, quorum);
            case PENDING -> {}
          }
        };
    Runnable writeAndReplicate =
        () -> {
          LocalWrite local = applyLocally(def, storageKey, clientContext, context, version);
          written[0] = local.writtenContext();
          if (broken != BrokenVariant.ACK_BEFORE_LOCAL_WRITE) {
            quorum.onResponse(self, Boolean.TRUE);
          }
          byte[] encoded = VersionCodec.encode(local.siblings());
          for (NodeId owner : owners) {
            if (owner.equals(self)) {
              continue;
            }
            if (!membership.reachability().isReachable(owner)) {
              quorum.onFailure(owner, new PeerException.Unreachable(owner, "failure detector"));
              continue;
            }
            call(
                owner,
                new ReplicaWrite(def.name(), key, encoded),
                timeout,
                (reply, error) -> {
                  if (reply instanceof ReplicaWriteReply) {
                    quorum.onResponse(owner, Boolean.TRUE);
                  } else {
                    quorum.onFailure(owner, failureOf(owner, reply, error));
                  }
                  settle.run();
                });
          }
          settle.run();
        };
    stats.writes++;
    if (broken == BrokenVariant.ACK_BEFORE_LOCAL_WRITE) {
      quorum.onResponse(self, Boolean.TRUE);
      settle.run();
      scheduler.schedule(BROKEN_LOCAL_WRITE_DELAY, writeAndReplicate);
    } else {
      writeAndReplicate.run();
    }
    scheduleTimeout(timeout, result, op, quorum);
  }

  /**
   * The coordinator's local step: the new sibling set, persisted, and the written version's
   * context.
   */
  private record LocalWrite(Siblings siblings, Context writtenContext) {}

  private LocalWrite applyLocally(
      StoreDefinition def,
      byte[] storageKey,
      Context clientContext,
      VectorClock context,
      Versioned version) {
    Keyspace data = keyspaces.get(def.name());
    while (true) {
      Siblings[] updated = new Siblings[1];
      Actor[] actor = new Actor[1];
      try {
        data.update(
            storageKey,
            old -> {
              Siblings local = old == null ? Siblings.empty() : VersionCodec.decodeSiblings(old);
              actor[0] =
                  local.actorFor(
                      self,
                      broken == BrokenVariant.KEEPS_INCARNATION_AFTER_ROLLBACK
                          ? VectorClock.empty()
                          : context,
                      epochs);
              VectorClock seen =
                  broken == BrokenVariant.UPDATE_IGNORES_CONTEXT ? local.context() : context;
              Siblings next =
                  local.update(seen, version, actor[0]).pruned(config.maxClockEntries());
              if (next.siblingCount() > def.maxSiblings()) {
                throw new LimitExceededException(
                    "siblings of the key after this write", next.siblingCount(), def.maxSiblings());
              }
              byte[] encoded = VersionCodec.encode(next);
              if (encoded.length > def.maxBytesPerKey()) {
                throw new LimitExceededException(
                    "bytes of the key after this write", encoded.length, def.maxBytesPerKey());
              }
              updated[0] = next;
              return encoded;
            });
      } catch (NodeEpochs.LeaseNeeded needed) {
        epochs.extendLease(needed.epoch);
        continue;
      }
      return new LocalWrite(
          updated[0],
          writtenContext(def.name(), storageKey, clientContext, context, updated[0], actor[0]));
    }
  }

  /**
   * The context of exactly the written version: the client's context plus the new dot, when a plain
   * version vector can say that (the dot directly follows what the context saw of its actor).
   * Otherwise the client's context alone, so that a follow-up write never supersedes a version its
   * client has not seen.
   */
  private Context writtenContext(
      String store,
      byte[] storageKey,
      Context clientContext,
      VectorClock context,
      Siblings updated,
      Actor actor) {
    long counter = updated.context().counter(actor);
    if (counter == context.counter(actor) + 1) {
      VectorClock exact = context.merge(VectorClock.of(Map.of(actor, counter)));
      return Context.fromBytes(contexts.sign(store, StorageKeys.userKey(storageKey), exact));
    }
    return clientContext;
  }

  private void forward(
      StoreDefinition def,
      byte[] key,
      byte[] value,
      boolean tombstone,
      byte[] context,
      int w,
      Duration timeout,
      List<NodeId> owners,
      int from,
      CompletableFuture<Context> result) {
    for (int i = from; i < owners.size(); i++) {
      NodeId target = owners.get(i);
      if (!membership.reachability().isReachable(target)) {
        continue;
      }
      int next = i + 1;
      stats.forwarded++;
      call(
          target,
          new ForwardedWrite(
              requestIds.nextLong(),
              def.name(),
              key,
              value,
              tombstone,
              context,
              w,
              timeout.toMillis()),
          timeout.plus(FORWARD_SLACK),
          (reply, error) -> {
            if (reply instanceof ForwardedWriteReply ok) {
              result.complete(Context.fromBytes(ok.context()));
            } else if (reply instanceof Failure f) {
              result.completeExceptionally(f.toException());
            } else if (error instanceof PeerException.Unreachable) {
              // Certainly not delivered: another owner may take it.
              forward(def, key, value, tombstone, context, w, timeout, owners, next, result);
            } else {
              result.completeExceptionally(
                  new InsufficientReplicasException(
                      "put",
                      0,
                      w,
                      "forwarded to " + target + ": " + failureOf(target, reply, error)));
            }
          });
      return;
    }
    result.completeExceptionally(
        new InsufficientReplicasException(
            "put", 0, w, "no owner of the key is reachable from " + self + ": " + owners));
  }

  /**
   * Fails {@code result} after {@code timeout} unless it completed by then. Nothing is scheduled if
   * it already completed (a quorum that settled synchronously), and the timeout is cancelled as
   * soon as it completes, so finished requests do not pile up in the scheduler's queue.
   */
  private void scheduleTimeout(
      Duration timeout, CompletableFuture<?> result, String op, Quorum<?> quorum) {
    if (result.isDone()) {
      return;
    }
    Scheduler.Cancellable pending = scheduler.schedule(timeout, () -> timeOut(result, op, quorum));
    result.whenComplete((ignored, error) -> pending.cancel());
  }

  private void timeOut(CompletableFuture<?> result, String op, Quorum<?> quorum) {
    if (!result.isDone()) {
      fail(result, op, quorum);
    }
  }

  private void fail(CompletableFuture<?> result, String op, Quorum<?> quorum) {
    stats.quorumFailures++;
    result.completeExceptionally(
        new InsufficientReplicasException(
            op, quorum.responses().size(), quorum.required(), quorum.describe()));
  }

  private InsufficientReplicasException tooFewOwners(String op, List<NodeId> owners, int needed) {
    stats.quorumFailures++;
    return new InsufficientReplicasException(
        op, 0, needed, "the ring has only " + owners.size() + " owners for this key: " + owners);
  }

  // ---- replica side ----

  /** Serves peers: gossip goes to membership, coordination messages are handled here. */
  public CompletionStage<PeerMessage> handle(NodeId from, PeerMessage request) {
    if (Membership.isGossip(request)) {
      return membership.handle(from, request);
    }
    CompletableFuture<PeerMessage> reply = new CompletableFuture<>();
    if (closed) {
      reply.complete(Failure.of(new NodeShuttingDownException(self + " is shutting down")));
      return reply;
    }
    scheduler.executeInline(
        () -> {
          try {
            serve(from, request, reply);
          } catch (Throwable t) {
            reply.complete(Failure.of(t));
          }
        });
    return reply;
  }

  private void serve(NodeId from, PeerMessage request, CompletableFuture<PeerMessage> reply) {
    if (request instanceof ReplicaRead read) {
      StoreDefinition def = store(read.store());
      byte[] stored = keyspaces.get(def.name()).get(StorageKeys.storageKey(read.key()));
      reply.complete(new ReplicaReadReply(stored == null ? new byte[0] : stored));
    } else if (request instanceof ReplicaWrite write) {
      StoreDefinition def = store(write.store());
      Siblings incoming = VersionCodec.decodeSiblings(write.siblings());
      Siblings[] before = new Siblings[2];
      keyspaces
          .get(def.name())
          .update(
              StorageKeys.storageKey(write.key()),
              old -> {
                Siblings local = old == null ? Siblings.empty() : VersionCodec.decodeSiblings(old);
                Siblings merged = Siblings.sync(local, incoming).pruned(config.maxClockEntries());
                before[0] = local;
                before[1] = merged;
                return merged.equals(local) && old != null ? old : VersionCodec.encode(merged);
              });
      checkDots(def, write.key(), before[0], before[1]);
      reply.complete(new ReplicaWriteReply());
    } else if (request instanceof ForwardedWrite fw) {
      ForwardKey id = new ForwardKey(from, fw.requestId());
      CompletableFuture<PeerMessage> first = recentForwards.get(id);
      if (first != null) {
        stats.duplicateForwards++;
        first.whenComplete((r, e) -> reply.complete(r));
        return;
      }
      remember(id, reply, fw.timeoutMillis());
      StoreDefinition def = store(fw.store());
      VectorClock seen = validate(def, fw.key(), fw.value(), fw.context());
      int w = quorum(def, fw.quorum(), def.writeQuorum(), "W");
      Duration timeout =
          fw.timeoutMillis() > 0
              ? Duration.ofMillis(
                  Math.min(fw.timeoutMillis(), RequestOptions.MAX_TIMEOUT.toMillis()))
              : config.requestTimeout();
      List<NodeId> owners = owners(def, fw.key());
      if (!owners.contains(self)) {
        throw new NotAReplicaException(
            self + " is not an owner of the key in its ring; owners are " + owners);
      }
      CompletableFuture<Context> written = new CompletableFuture<>();
      written.whenComplete(
          (context, error) ->
              reply.complete(
                  error == null ? new ForwardedWriteReply(context.toBytes()) : Failure.of(error)));
      coordinateWrite(
          def,
          fw.key(),
          fw.value(),
          fw.delete(),
          Context.fromBytes(fw.context()),
          seen,
          w,
          timeout,
          owners,
          written);
    } else {
      throw new InvalidRequestException(
          "unexpected message " + request.getClass().getSimpleName() + " for " + self);
    }
  }

  private record ForwardKey(NodeId from, long requestId) {}

  /**
   * Keeps a forward's outcome for duplicates that arrive within twice its timeout (network
   * duplicates arrive within milliseconds). The table is bounded; it does not survive a restart, so
   * a duplicate that outlives the window or the coordinator's crash is written again, as a sibling.
   */
  private void remember(ForwardKey id, CompletableFuture<PeerMessage> outcome, long timeoutMillis) {
    if (recentForwards.size() >= MAX_REMEMBERED_FORWARDS) {
      var oldest = recentForwards.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    recentForwards.put(id, outcome);
    long keep =
        2
            * Math.max(
                Math.min(timeoutMillis, RequestOptions.MAX_TIMEOUT.toMillis()),
                config.requestTimeout().toMillis());
    scheduler.schedule(
        Duration.ofMillis(keep).plus(FORWARD_SLACK), () -> recentForwards.remove(id, outcome));
  }

  // ---- helpers ----

  /** Reports a key whose set gained values that share a dot (a dot issued twice). */
  private void checkDots(StoreDefinition def, byte[] key, Siblings before, Siblings after) {
    if (after.reissuedDots() <= before.reissuedDots()) {
      return;
    }
    String id = def.name() + "/" + HexFormat.of().formatHex(key);
    if (reportedKeys.containsKey(id)) {
      return;
    }
    if (reportedKeys.size() >= MAX_REPORTED_KEYS) {
      var oldest = reportedKeys.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    reportedKeys.put(id, Boolean.TRUE);
    stats.reissuedDots++;
    for (EventListener l : listeners) {
      l.onReissuedDot(def.name(), key.clone(), after);
    }
  }

  private void call(
      NodeId target,
      PeerMessage request,
      Duration timeout,
      java.util.function.BiConsumer<PeerMessage, Throwable> onDone) {
    transport
        .call(target, request, timeout)
        .whenComplete(
            (reply, error) ->
                scheduler.execute(
                    () -> {
                      if (!closed) {
                        onDone.accept(reply, error == null ? null : DynamoException.unwrap(error));
                      }
                    }));
  }

  /**
   * The siblings of a replica's read reply; {@code null} when they do not decode, which counts as
   * that replica's failure at once (rather than silence until the request's timeout).
   */
  private static Siblings decodeReply(NodeId owner, ReplicaReadReply reply, Quorum<?> quorum) {
    try {
      return reply.siblings().length == 0
          ? Siblings.empty()
          : VersionCodec.decodeSiblings(reply.siblings());
    } catch (RuntimeException e) {
      quorum.onFailure(
          owner, new PeerException.Remote(owner, "undecodable reply: " + e.getMessage()));
      return null;
    }
  }

  private static Throwable failureOf(NodeId node, PeerMessage reply, Throwable error) {
    if (error != null) {
      return error;
    }
    if (reply instanceof Failure f) {
      return f.toException();
    }
    return new PeerException.Remote(node, "unexpected reply " + reply);
  }

  private Siblings localSiblings(StoreDefinition def, byte[] storageKey) {
    byte[] stored = keyspaces.get(def.name()).get(storageKey);
    return stored == null ? Siblings.empty() : VersionCodec.decodeSiblings(stored);
  }

  private StoreDefinition store(String name) {
    StoreDefinition def = config.stores().get(name);
    if (def == null) {
      throw StoreNotFoundException.forStore(name);
    }
    return def;
  }

  private List<NodeId> owners(StoreDefinition def, byte[] key) {
    Ring current = ring;
    if (current == null) {
      throw new InsufficientReplicasException(
          "request", 0, 1, self + " has not received a ring yet: it is still joining the cluster");
    }
    return new ArrayList<>(current.preferenceList(Token.of(key), def.replicationFactor()));
  }

  private static void validateKey(StoreDefinition def, byte[] key) {
    if (key.length == 0) {
      throw new InvalidRequestException("keys must not be empty");
    }
    if (key.length > def.maxKeyBytes()) {
      throw new LimitExceededException("key bytes", key.length, def.maxKeyBytes());
    }
  }

  /** Checks a write against the store's limits and returns its verified context. */
  private VectorClock validate(StoreDefinition def, byte[] key, byte[] value, byte[] context) {
    validateKey(def, key);
    if (value.length > def.maxValueBytes()) {
      throw new LimitExceededException("value bytes", value.length, def.maxValueBytes());
    }
    if (context.length > def.maxContextBytes()) {
      throw new LimitExceededException("context bytes", context.length, def.maxContextBytes());
    }
    return contexts.verify(def.name(), key, context);
  }

  private static int quorum(StoreDefinition def, int override, int standard, String name) {
    if (override == 0) {
      return standard;
    }
    if (override > def.replicationFactor()) {
      throw new InvalidRequestException(
          name
              + "="
              + override
              + " exceeds N="
              + def.replicationFactor()
              + " of store "
              + def.name());
    }
    return override;
  }

  private Duration timeout(RequestOptions options) {
    return options.timeout() == null ? config.requestTimeout() : options.timeout();
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
    epochs.recordCleanStop();
  }

  /**
   * What this node coordinated since it started. Safe to read from any thread (metrics, status
   * requests). Only the node's scheduler writes the counters, one task at a time and in
   * happens-before order (see {@link Scheduler}), so a volatile field that one writer increments
   * loses no update and shows readers its latest value, without the cost of an atomic
   * read-modify-write on the request path.
   */
  public static final class Stats {
    private volatile long reads;
    private volatile long writes;
    private volatile long forwarded;
    private volatile long quorumFailures;
    private volatile long duplicateForwards;
    private volatile long reissuedDots;

    public long reads() {
      return reads;
    }

    public long writes() {
      return writes;
    }

    public long forwarded() {
      return forwarded;
    }

    public long quorumFailures() {
      return quorumFailures;
    }

    /** Duplicated forwarded writes answered from the first one's outcome. */
    public long duplicateForwards() {
      return duplicateForwards;
    }

    /**
     * Keys found with two values under one dot (a dot issued twice somewhere), each counted once
     * (see {@link EventListener#onReissuedDot}). Must stay 0.
     */
    public long reissuedDots() {
      return reissuedDots;
    }
  }
}
