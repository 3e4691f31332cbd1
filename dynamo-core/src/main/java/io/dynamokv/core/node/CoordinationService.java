/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.NodeShuttingDownException;
import io.dynamokv.core.NotAReplicaException;
import io.dynamokv.core.UnavailableException;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.coordination.CoordinationMessage.Flush;
import io.dynamokv.core.coordination.CoordinationMessage.Flushed;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWriteReply;
import io.dynamokv.core.coordination.CoordinationMessage.HintWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaRead;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.handoff.HintId;
import io.dynamokv.core.handoff.HintStore;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.wire.Failure;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The node's side of the coordination protocol: replica reads and writes and hints to hold for
 * other nodes go to the {@link Replica}, forwarded writes to the {@link Forwarder}. Each request
 * runs on the node's scheduler ({@link Scheduler#executeInline}); whatever fails is answered with a
 * {@link Failure}, as is a request after the node closed.
 */
final class CoordinationService implements PeerTransport.PeerHandler {
  private final NodeId self;
  private final Scheduler scheduler;
  private final Placement placement;
  private final Replica replica;
  private final Completeness completeness;
  private final Forwarder forwarder;
  private final BooleanSupplier closed;
  private final NodeConfig config;
  private final NodeStats stats;
  private final BrokenVariant broken;
  private final LongSupplier epoch;

  /**
   * @param epoch the first epoch of this node's incarnation, which {@link Flushed} names
   */
  CoordinationService(
      NodeConfig config,
      Scheduler scheduler,
      Placement placement,
      Replica replica,
      Completeness completeness,
      Forwarder forwarder,
      NodeStats stats,
      BrokenVariant broken,
      LongSupplier epoch,
      BooleanSupplier closed) {
    this.epoch = epoch;
    this.self = config.self();
    this.config = config;
    this.stats = stats;
    this.broken = broken;
    this.scheduler = scheduler;
    this.placement = placement;
    this.replica = replica;
    this.completeness = completeness;
    this.forwarder = forwarder;
    this.closed = closed;
  }

  @Override
  public CompletionStage<PeerMessage> handle(NodeId from, PeerMessage request) {
    CompletableFuture<PeerMessage> reply = new CompletableFuture<>();
    if (closed.getAsBoolean()) {
      reply.complete(Failure.of(new NodeShuttingDownException(self + " is shutting down")));
      return reply;
    }
    scheduler.executeInline(
        () -> {
          try {
            ((CoordinationMessage) request).accept(new Serve(from, reply));
          } catch (Throwable t) {
            reply.complete(Failure.of(t));
          }
        });
    return reply;
  }

  /** Serves one request into {@code reply}. */
  private final class Serve implements CoordinationMessage.Visitor<Void> {
    private final NodeId from;
    private final CompletableFuture<PeerMessage> reply;

    Serve(NodeId from, CompletableFuture<PeerMessage> reply) {
      this.from = from;
      this.reply = reply;
    }

    @Override
    public Void replicaRead(ReplicaRead m) {
      StoreDefinition def = placement.store(m.store());
      if (config.antiEntropy().enabled()) {
        completeness.checkComplete(def.name(), placement.partitionOf(m.key()));
      }
      // A replica of either layout of a moving ring holds the key's data: a pending owner whose
      // copy is complete (checked above) may be read by a node that has seen the switch.
      boolean owner = replicates(def, m.key());
      if (!owner && !config.handoff().enabled()) {
        // Nobody asks a non-owner to stand in without handoff: the reader's ring differs from
        // this node's, and an answer from hints alone ("absent") would count towards R.
        throw notAReplica("the reader's ring is older or newer");
      }
      reply.complete(new ReplicaReadReply(replica.stored(def, m.key(), owner)));
      return null;
    }

    @Override
    public Void replicaWrite(ReplicaWrite m) {
      StoreDefinition def = placement.store(m.store());
      // A coordinator on an older ring may still count this node as an owner of a range it gave
      // up (and dropped): a copy kept here would count towards W but be read by nobody.
      if (!replicates(def, m.key())) {
        throw notAReplica("the sender's ring is older or newer; it will send again");
      }
      replica.mergeLater(def, m.key(), VersionCodec.decodeSiblings(m.siblings()));
      // Acknowledged once durable (at once unless the engine's group commit holds it).
      replica.afterDurable(
          error -> reply.complete(error == null ? new ReplicaWriteReply() : Failure.of(error)));
      return null;
    }

    /**
     * Whether this node replicates {@code key} (either layout of a moving ring), or has no ring.
     */
    private boolean replicates(StoreDefinition def, byte[] key) {
      return placement
          .ring()
          .map(
              r ->
                  r.replicas(io.dynamokv.core.ring.Token.of(key), def.replicationFactor())
                      .contains(self))
          .orElse(true);
    }

    private NotAReplicaException notAReplica(String why) {
      return new NotAReplicaException(
          self
              + " does not replicate this key in its ring (version "
              + placement.ring().orElseThrow().version()
              + "): "
              + why);
    }

    @Override
    public Void hintWrite(HintWrite m) {
      StoreDefinition def = placement.store(m.store());
      if (!config.handoff().enabled()) {
        throw new UnavailableException(
            self + " does not stand in for other nodes: handoff is off", false, null);
      }
      HintStore hints = replica.hints();
      if (!hints.hasRoom() && !hints.holds(HintId.of(def.name(), m.key(), m.owner()))) {
        stats.hintsRefused++;
        throw new UnavailableException(
            self
                + " does not stand in for "
                + m.owner()
                + ": its hints are at their cap of "
                + hints.maxBytes()
                + " bytes",
            false,
            null);
      }
      if (broken != BrokenVariant.STAND_IN_ACKS_WITHOUT_STORING) {
        replica.mergeHint(def, m.key(), m.owner(), VersionCodec.decodeSiblings(m.siblings()));
      }
      stats.hintsStored++;
      reply.complete(new ReplicaWriteReply());
      return null;
    }

    /** Hints delivered here are deleted by their stand-in once this answers: flush first. */
    @Override
    public Void flush(Flush m) {
      replica.flush();
      reply.complete(new Flushed(epoch.getAsLong()));
      return null;
    }

    @Override
    public Void flushed(Flushed m) {
      throw unexpected(m);
    }

    @Override
    public Void forwardedWrite(ForwardedWrite m) {
      forwarder.serve(from, m, reply);
      return null;
    }

    @Override
    public Void replicaReadReply(ReplicaReadReply m) {
      throw unexpected(m);
    }

    @Override
    public Void replicaWriteReply(ReplicaWriteReply m) {
      throw unexpected(m);
    }

    @Override
    public Void forwardedWriteReply(ForwardedWriteReply m) {
      throw unexpected(m);
    }

    private InvalidRequestException unexpected(PeerMessage m) {
      return new InvalidRequestException(
          "unexpected message " + m.getClass().getSimpleName() + " for " + self);
    }
  }
}
