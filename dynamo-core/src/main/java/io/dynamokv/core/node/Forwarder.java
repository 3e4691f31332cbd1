/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.NotAReplicaException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWriteReply;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.version.CausalContext;
import io.dynamokv.core.wire.Failure;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Writes whose node is not an owner of the key: {@link #forward} sends one, with a request id, to
 * the first reachable owner (trying the next only when the last was certainly not reached, and
 * coordinating it here as a stand-in when no owner can be reached), and {@link #serve} coordinates
 * one that arrived here, answering a duplicate of a recent forward with the first one's outcome
 * instead of writing twice. A forwarded write is never forwarded again. Runs on the node's
 * scheduler.
 */
final class Forwarder {
  /** What a forwarder waits beyond the write's own timeout: the owner answers first. */
  static final Duration SLACK = Duration.ofMillis(500);

  private static final int MAX_REMEMBERED = 100_000;

  private final NodeId self;
  private final NodeConfig config;
  private final Scheduler scheduler;
  private final RandomSource requestIds;
  private final Placement placement;
  private final PeerCalls peers;
  private final WriteCoordinator writes;
  private final NodeStats stats;

  /** Forwarded writes seen recently, by (forwarder, request id): their outcome, for duplicates. */
  private final Map<ForwardKey, CompletableFuture<PeerMessage>> recent = new LinkedHashMap<>();

  private record ForwardKey(NodeId from, long requestId) {}

  Forwarder(
      NodeConfig config,
      Scheduler scheduler,
      RandomSource requestIds,
      Placement placement,
      PeerCalls peers,
      WriteCoordinator writes,
      NodeStats stats) {
    this.self = config.self();
    this.config = config;
    this.scheduler = scheduler;
    this.requestIds = requestIds;
    this.placement = placement;
    this.peers = peers;
    this.writes = writes;
    this.stats = stats;
  }

  /**
   * Forwards a write to an owner of its key, starting at {@code owners[from]}; completes {@code
   * result} with the owner's answer.
   *
   * @param context the client's encoded context
   */
  void forward(
      StoreDefinition def,
      byte[] key,
      byte[] value,
      boolean tombstone,
      byte[] context,
      CausalContext seen,
      int w,
      Duration timeout,
      List<NodeId> owners,
      int from,
      CompletableFuture<Context> result) {
    for (int i = from; i < owners.size(); i++) {
      NodeId target = owners.get(i);
      if (!peers.reachable(target)) {
        continue;
      }
      int next = i + 1;
      stats.forwarded++;
      ForwardedWrite request =
          new ForwardedWrite(
              requestIds.nextLong(),
              def.name(),
              key,
              value,
              tombstone,
              context,
              w,
              timeout.toMillis());
      peers.call(
          target,
          request,
          ForwardedWriteReply.class,
          timeout.plus(SLACK),
          (reply, error) -> {
            if (error == null) {
              result.complete(Context.fromBytes(reply.context()));
            } else if (error instanceof PeerException.Unreachable) {
              // Certainly not delivered: another owner may take it.
              forward(def, key, value, tombstone, context, seen, w, timeout, owners, next, result);
            } else if (error instanceof PeerException) {
              result.completeExceptionally(
                  new InsufficientReplicasException(
                      "put", 0, w, "forwarded to " + target + ": " + error));
            } else {
              result.completeExceptionally(error); // the owner's own answer, relayed
            }
          });
      return;
    }
    if (config.handoff().enabled()) {
      // No owner is reachable: this node takes the write itself, as a stand-in (paper §4.6).
      // This may run in a peer call's callback, where nothing else would complete the result.
      try {
        writes.write(
            def,
            key,
            value,
            tombstone,
            Context.fromBytes(context),
            seen,
            w,
            timeout,
            owners,
            result);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
      return;
    }
    result.completeExceptionally(
        new InsufficientReplicasException(
            "put", 0, w, "no owner of the key is reachable from " + self + ": " + owners));
  }

  /**
   * Coordinates a write another node forwarded here, answering {@code reply} with the written
   * version's context or a {@link Failure}. A node that does not own the key in its own ring (the
   * rings of two nodes may differ for a moment) coordinates it as a stand-in.
   *
   * @throws NotAReplicaException when this node does not own the key and hinted handoff is off
   */
  void serve(NodeId from, ForwardedWrite fw, CompletableFuture<PeerMessage> reply) {
    ForwardKey id = new ForwardKey(from, fw.requestId());
    CompletableFuture<PeerMessage> first = recent.get(id);
    if (first != null) {
      stats.duplicateForwards++;
      first.whenComplete((r, e) -> reply.complete(r));
      return;
    }
    remember(id, reply, fw.timeoutMillis());
    StoreDefinition def = placement.store(fw.store());
    CausalContext seen = writes.admit(def, fw.key(), fw.value(), fw.context());
    int w =
        Quorum.required(fw.quorum(), def.writeQuorum(), def.replicationFactor(), "W", def.name());
    Duration timeout =
        fw.timeoutMillis() > 0
            ? Duration.ofMillis(Math.min(fw.timeoutMillis(), RequestOptions.MAX_TIMEOUT.toMillis()))
            : config.requestTimeout();
    List<NodeId> owners = placement.owners(def, fw.key());
    if (!placement.writeTargets(def, fw.key()).contains(self) && !config.handoff().enabled()) {
      throw new NotAReplicaException(
          self + " is not an owner of the key in its ring; owners are " + owners);
    }
    CompletableFuture<Context> written = new CompletableFuture<>();
    written.whenComplete(
        (context, error) ->
            reply.complete(
                error == null ? new ForwardedWriteReply(context.toBytes()) : Failure.of(error)));
    writes.write(
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
  }

  /**
   * Keeps a forward's outcome for duplicates that arrive within twice its timeout (network
   * duplicates arrive within milliseconds). The table is bounded; it does not survive a restart, so
   * a duplicate that outlives the window or the coordinator's crash is written again, as a sibling.
   */
  private void remember(ForwardKey id, CompletableFuture<PeerMessage> outcome, long timeoutMillis) {
    if (recent.size() >= MAX_REMEMBERED) {
      var oldest = recent.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    recent.put(id, outcome);
    long keep =
        2
            * Math.max(
                Math.min(timeoutMillis, RequestOptions.MAX_TIMEOUT.toMillis()),
                config.requestTimeout().toMillis());
    scheduler.schedule(Duration.ofMillis(keep).plus(SLACK), () -> recent.remove(id, outcome));
  }
}
