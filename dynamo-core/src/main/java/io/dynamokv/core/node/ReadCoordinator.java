/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.IncompleteReplicaException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaRead;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.handoff.StandIns;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.version.CausalContext;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Coordinates a get (paper §4.5): asks the key's owners, itself through the {@link Replica}, and
 * answers after R of them with their synced siblings and one signed context. A reply that does not
 * decode counts as that replica's failure at once. It keeps collecting answers after the client got
 * its own, for {@link ReadRepair}. Runs on the node's scheduler.
 */
final class ReadCoordinator {
  private final NodeId self;
  private final ContextSigner contexts;
  private final Replica replica;
  private final Completeness completeness;
  private final PeerCalls peers;
  private final QuorumTimer timer;
  private final ReissuedDots dots;
  private final NodeStats stats;
  private final ReadRepair repair;
  private final BooleanSupplier dottedContexts;
  private final NodeConfig config;
  private final Placement placement;
  private final Clock clock;

  ReadCoordinator(
      NodeConfig config,
      Placement placement,
      Clock clock,
      ContextSigner contexts,
      Replica replica,
      Completeness completeness,
      PeerCalls peers,
      QuorumTimer timer,
      ReissuedDots dots,
      NodeStats stats,
      ReadRepair repair,
      BooleanSupplier dottedContexts) {
    this.dottedContexts = dottedContexts;
    this.self = config.self();
    this.config = config;
    this.placement = placement;
    this.clock = clock;
    this.contexts = contexts;
    this.replica = replica;
    this.completeness = completeness;
    this.peers = peers;
    this.timer = timer;
    this.dots = dots;
    this.stats = stats;
    this.repair = repair;
  }

  /**
   * Coordinates the read of {@code key}; completes {@code result} with the synced versions, or with
   * {@link io.dynamokv.core.InsufficientReplicasException} short of {@code r} by {@code timeout}.
   * Read repair then writes the merge of all answers back to the stale ones among {@code owners}.
   *
   * @param replicas the replicas to ask
   * @param owners the key's owners: the only replicas read repair writes to
   */
  void read(
      StoreDefinition def,
      byte[] key,
      int r,
      Duration timeout,
      List<NodeId> replicas,
      List<NodeId> owners,
      CompletableFuture<ReadResult> result) {
    if (replicas.size() < r) {
      throw timer.tooFewOwners("get", replicas, r, def.writeQuorum());
    }
    stats.reads++;
    Quorum<Siblings> quorum = new Quorum<>(replicas, r);
    SloppyRead read = new SloppyRead(def, key, replicas, owners, quorum, timeout);
    Runnable repairHook =
        repair.watch(
            def,
            key,
            quorum,
            node -> owners.contains(node) && !read.substituted.contains(node),
            timeout);
    read.settle =
        () -> {
          if (!result.isDone()) {
            answer(def, key, quorum, result);
          }
          repairHook.run();
        };
    Runnable settle = read.settle;
    for (NodeId target : replicas) {
      if (target.equals(self)) {
        if (config.antiEntropy().enabled()
            && completeness.isIncomplete(def.name(), placement.partitionOf(key))) {
          quorum.onFailure(
              self,
              new IncompleteReplicaException(
                  self + " does not hold the key's partition completely yet"));
        } else {
          quorum.onResponse(self, replica.readAsReplica(def, key, owners.contains(self)));
        }
      } else if (!peers.reachable(target)) {
        read.failed(target, target, new PeerException.Unreachable(target, "failure detector"));
      } else {
        read.ask(target, target);
      }
    }
    settle.run();
    timer.failAfter(timeout, result, "get", quorum);
    timer.unlessDone(timeout.dividedBy(2), result, read::hedge);
  }

  /**
   * One read in flight. Its quorum counts one place per replica asked; when a replica fails, or has
   * not answered by half the timeout, while the quorum is undecided, the next stand-in of the key's
   * extended preference list is asked in its place (its answer, from the hints it holds, counts for
   * that place), as a write would. The first answer for a place counts; the place fails only when
   * no attempt for it is out and no stand-in is left. An owner whose reply does not decode fails
   * its place at once: it answered, and nothing else may speak for it.
   */
  private final class SloppyRead {
    final StoreDefinition def;
    final byte[] key;
    final List<NodeId> owners;
    final Quorum<Siblings> quorum;
    final long deadline;
    final Set<NodeId> used = new HashSet<>();

    /** Places whose counted answer came from a stand-in: read repair leaves them alone. */
    final Set<NodeId> substituted = new HashSet<>();

    /** Places a stand-in was asked for. */
    final Set<NodeId> standInAsked = new HashSet<>();

    /** Attempts in flight per place, in the order the places were asked. */
    final Map<NodeId, Integer> pending = new LinkedHashMap<>();

    List<NodeId> extended;
    Runnable settle = () -> {};

    SloppyRead(
        StoreDefinition def,
        byte[] key,
        List<NodeId> replicas,
        List<NodeId> owners,
        Quorum<Siblings> quorum,
        Duration timeout) {
      this.def = def;
      this.key = key;
      this.owners = owners;
      this.quorum = quorum;
      this.deadline = clock.nanoTime() + timeout.toNanos();
      used.addAll(replicas);
      used.addAll(owners);
    }

    /** Asks {@code target} for the place of {@code place}, for the time the request has left. */
    void ask(NodeId target, NodeId place) {
      pending.merge(place, 1, Integer::sum);
      long left = deadline - clock.nanoTime();
      peers.call(
          target,
          new ReplicaRead(def.name(), key),
          ReplicaReadReply.class,
          Duration.ofNanos(Math.max(1, left)),
          (reply, error) -> {
            pending.merge(place, -1, Integer::sum);
            if (error != null) {
              failed(target, place, error);
            } else {
              Siblings siblings = null;
              try {
                siblings = decode(reply);
              } catch (RuntimeException e) {
                Throwable undecodable =
                    new PeerException.Remote(target, "undecodable reply: " + e.getMessage());
                if (target.equals(place)) {
                  quorum.onFailure(place, undecodable);
                } else {
                  failed(target, place, undecodable);
                }
              }
              if (siblings != null) {
                answered(target, place, siblings);
              }
            }
            settle.run();
          });
    }

    /** Records {@code from}'s answer for {@code place}; the first word for a place counts. */
    void answered(NodeId from, NodeId place, Siblings siblings) {
      boolean first = !quorum.heardFrom(place);
      quorum.onResponse(place, siblings);
      if (first && !from.equals(place)) {
        substituted.add(place);
      }
    }

    /**
     * {@code target}'s attempt for {@code place} failed. A failed stand-in is replaced by the next
     * one at once; an owner that failed while a stand-in is out waits for it; with nothing out, the
     * next stand-in takes the place, or the place fails.
     */
    void failed(NodeId target, NodeId place, Throwable error) {
      if (quorum.heardFrom(place)) {
        return;
      }
      if (target.equals(place) && error instanceof IncompleteReplicaException) {
        // An owner that lost data: a stand-in's answer (from hints) cannot speak for what it held.
        quorum.onFailure(place, error);
        return;
      }
      if (pending.getOrDefault(place, 0) > 0) {
        if (!target.equals(place)) {
          standIn(place);
        }
        return;
      }
      if (!standIn(place)) {
        quorum.onFailure(place, error);
      }
    }

    /** Asks the next stand-in for {@code place}; false when handoff is off or none is left. */
    boolean standIn(NodeId place) {
      if (!config.handoff().enabled() || quorum.isDecided()) {
        return false;
      }
      if (extended == null) {
        extended = placement.extended(def, key);
      }
      Optional<NodeId> next =
          StandIns.next(extended, owners.size(), used, n -> n.equals(self) || peers.reachable(n));
      if (next.isEmpty()) {
        return false;
      }
      NodeId standIn = next.get();
      used.add(standIn);
      standInAsked.add(place);
      if (standIn.equals(self)) {
        answered(self, place, replica.readAsReplica(def, key, owners.contains(self)));
      } else {
        ask(standIn, place);
      }
      return true;
    }

    /**
     * Half-way through the timeout: each place still waiting on its owner alone asks a stand-in.
     */
    void hedge() {
      for (Map.Entry<NodeId, Integer> e : List.copyOf(pending.entrySet())) {
        NodeId place = e.getKey();
        if (e.getValue() > 0 && !standInAsked.contains(place) && !quorum.heardFrom(place)) {
          standIn(place);
        }
      }
      settle.run();
    }
  }

  /** Answers the client once the quorum is decided: the synced answers, or the quorum's failure. */
  private void answer(
      StoreDefinition def,
      byte[] key,
      Quorum<Siblings> quorum,
      CompletableFuture<ReadResult> result) {
    switch (quorum.status()) {
      case SUCCEEDED -> {
        Siblings merged = Siblings.syncAll(quorum.responses().values());
        dots.check(def, key, Siblings.empty(), merged);
        CausalContext seen = merged.causalContext();
        if (!seen.dots().isEmpty() && !dottedContexts.getAsBoolean()) {
          seen = CausalContext.of(merged.context()); // names less: a write with it supersedes less
        }
        result.complete(
            new ReadResult(
                merged.siblings(), Context.fromBytes(contexts.sign(def.name(), key, seen))));
      }
      case FAILED -> timer.fail(result, "get", quorum);
      case PENDING -> {}
    }
  }

  /**
   * The siblings of a replica's reply.
   *
   * @throws RuntimeException when they do not decode
   */
  private static Siblings decode(ReplicaReadReply reply) {
    return reply.siblings().length == 0
        ? Siblings.empty()
        : VersionCodec.decodeSiblings(reply.siblings());
  }
}
