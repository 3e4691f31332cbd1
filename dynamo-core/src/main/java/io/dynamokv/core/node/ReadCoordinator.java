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
 * decode counts as that replica's failure at once. Runs on the node's scheduler.
 */
final class ReadCoordinator {
  private final NodeId self;
  private final ContextSigner contexts;
  private final Replica replica;
  private final PeerCalls peers;
  private final QuorumTimer timer;
  private final ReissuedDots dots;
  private final NodeStats stats;

  ReadCoordinator(
      NodeId self,
      ContextSigner contexts,
      Replica replica,
      PeerCalls peers,
      QuorumTimer timer,
      ReissuedDots dots,
      NodeStats stats) {
    this.self = self;
    this.contexts = contexts;
    this.replica = replica;
    this.peers = peers;
    this.timer = timer;
    this.dots = dots;
    this.stats = stats;
  }

  /**
   * Coordinates the read of {@code key}; completes {@code result} with the synced versions, or with
   * {@link io.dynamokv.core.InsufficientReplicasException} short of {@code r} by {@code timeout}.
   */
  void read(
      StoreDefinition def,
      byte[] key,
      int r,
      Duration timeout,
      List<NodeId> owners,
      CompletableFuture<ReadResult> result) {
    if (owners.size() < r) {
      throw timer.tooFewOwners("get", owners, r, def.writeQuorum());
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
              dots.check(def, key, Siblings.empty(), merged);
              result.complete(
                  new ReadResult(
                      merged.values(),
                      Context.fromBytes(contexts.sign(def.name(), key, merged.context()))));
            }
            case FAILED -> timer.fail(result, "get", quorum);
            case PENDING -> {}
          }
        };
    for (NodeId owner : owners) {
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
