/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.version.Versioned;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Coordinates a put or delete on an owner of the key (paper §4.5): admits it (limits, signed
 * context), applies it to the local set with a fresh dot through the {@link Replica}, sends the new
 * set to the other owners, and answers after W acknowledgements, itself included, with the context
 * of exactly the written version. Runs on the node's scheduler.
 */
final class WriteCoordinator {
  private final NodeId self;
  private final Clock clock;
  private final Scheduler scheduler;
  private final ContextSigner contexts;
  private final Replica replica;
  private final PeerCalls peers;
  private final QuorumTimer timer;
  private final NodeStats stats;
  private final BrokenVariant broken;

  WriteCoordinator(
      NodeId self,
      Clock clock,
      Scheduler scheduler,
      ContextSigner contexts,
      Replica replica,
      PeerCalls peers,
      QuorumTimer timer,
      NodeStats stats,
      BrokenVariant broken) {
    this.self = self;
    this.clock = clock;
    this.scheduler = scheduler;
    this.contexts = contexts;
    this.replica = replica;
    this.peers = peers;
    this.timer = timer;
    this.stats = stats;
    this.broken = broken;
  }

  /**
   * Checks a write of {@code key} against the store's limits and returns the clock its context
   * carries, once verified as one this cluster signed for this store and key.
   */
  VectorClock admit(StoreDefinition def, byte[] key, byte[] value, byte[] context) {
    def.checkWrite(key, value, context);
    return contexts.verify(def.name(), key, context);
  }

  /**
   * Coordinates the write; completes {@code result} with the written version's context, or with
   * {@link io.dynamokv.core.InsufficientReplicasException} (outcome unknown) short of W by {@code
   * timeout}.
   *
   * @param clientContext the context the client sent, returned when a plain version vector cannot
   *     name exactly the written version
   * @param seen what {@link #admit} returned for it
   * @param owners the key's owners, this node among them
   */
  void write(
      StoreDefinition def,
      byte[] key,
      byte[] value,
      boolean tombstone,
      Context clientContext,
      VectorClock seen,
      int w,
      Duration timeout,
      List<NodeId> owners,
      CompletableFuture<Context> result) {
    String op = tombstone ? "delete" : "put";
    if (owners.size() < w) {
      throw timer.tooFewOwners(op, owners, w, def.readQuorum());
    }
    long now = Math.max(0, clock.wallMillis());
    Versioned version = tombstone ? Versioned.tombstone(value, now) : Versioned.of(value, now);
    Quorum<Boolean> quorum = new Quorum<>(owners, w);
    Context[] written = {clientContext};
    Runnable settle =
        () -> {
          if (result.isDone()) {
            return;
          }
          switch (quorum.status()) {
            case SUCCEEDED -> result.complete(written[0]);
            case FAILED -> timer.fail(result, op, quorum);
            case PENDING -> {}
          }
        };
    Runnable writeAndReplicate =
        () -> {
          Replica.Written local = replica.write(def, key, seen, version);
          written[0] =
              local
                  .siblings()
                  .writtenContext(seen, local.actor())
                  .map(exact -> Context.fromBytes(contexts.sign(def.name(), key, exact)))
                  .orElse(clientContext);
          if (broken != BrokenVariant.ACK_BEFORE_LOCAL_WRITE) {
            quorum.onResponse(self, Boolean.TRUE);
          }
          byte[] encoded = VersionCodec.encode(local.siblings());
          for (NodeId owner : owners) {
            if (owner.equals(self)) {
              continue;
            }
            if (!peers.reachable(owner)) {
              quorum.onFailure(owner, new PeerException.Unreachable(owner, "failure detector"));
              continue;
            }
            peers.call(
                owner,
                new ReplicaWrite(def.name(), key, encoded),
                ReplicaWriteReply.class,
                timeout,
                (reply, error) -> {
                  if (error == null) {
                    quorum.onResponse(owner, Boolean.TRUE);
                  } else {
                    quorum.onFailure(owner, error);
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
      scheduler.schedule(BrokenVariant.LOCAL_WRITE_DELAY, writeAndReplicate);
    } else {
      writeAndReplicate.run();
    }
    timer.failAfter(timeout, result, op, quorum);
  }
}
