/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaRead;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
  private final PeerCalls peers;
  private final QuorumTimer timer;
  private final ReissuedDots dots;
  private final NodeStats stats;
  private final ReadRepair repair;

  ReadCoordinator(
      NodeId self,
      ContextSigner contexts,
      Replica replica,
      PeerCalls peers,
      QuorumTimer timer,
      ReissuedDots dots,
      NodeStats stats,
      ReadRepair repair) {
    this.self = self;
    this.contexts = contexts;
    this.replica = replica;
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
    Runnable repairHook = repair.watch(def, key, quorum, List.copyOf(owners)::contains, timeout);
    Runnable settle =
        () -> {
          if (!result.isDone()) {
            answer(def, key, quorum, result);
          }
          repairHook.run();
        };
    for (NodeId owner : replicas) {
      if (owner.equals(self)) {
        quorum.onResponse(self, replica.readWithHints(def, key));
      } else if (!peers.reachable(owner)) {
        quorum.onFailure(owner, new PeerException.Unreachable(owner, "failure detector"));
      } else {
        peers.call(
            owner,
            new ReplicaRead(def.name(), key),
            ReplicaReadReply.class,
            timeout,
            (reply, error) -> {
              if (error != null) {
                quorum.onFailure(owner, error);
              } else {
                Siblings siblings = decode(owner, reply, quorum);
                if (siblings != null) {
                  quorum.onResponse(owner, siblings);
                }
              }
              settle.run();
            });
      }
    }
    settle.run();
    timer.failAfter(timeout, result, "get", quorum);
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
        result.complete(
            new ReadResult(
                merged.values(),
                Context.fromBytes(contexts.sign(def.name(), key, merged.context()))));
      }
      case FAILED -> timer.fail(result, "get", quorum);
      case PENDING -> {}
    }
  }

  /**
   * The siblings of a replica's reply; {@code null} when they do not decode, which counts as that
   * replica's failure at once (rather than silence until the request's timeout).
   */
  private static Siblings decode(NodeId owner, ReplicaReadReply reply, Quorum<?> quorum) {
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
}
