/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.UnavailableException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.coordination.CoordinationMessage.HintWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import io.dynamokv.core.handoff.HintId;
import io.dynamokv.core.handoff.HintStore;
import io.dynamokv.core.handoff.StandIns;
import io.dynamokv.core.quorum.Quorum;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.version.CausalContext;
import io.dynamokv.core.version.ContextSigner;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.version.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

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
  private final NodeConfig config;
  private final Placement placement;
  private final BooleanSupplier dottedContexts;
  private int inFlight;

  /**
   * @param dottedContexts whether every member reads contexts with explicit dots (and the sets a
   *     write with one may leave): until then a written version's context is a plain vector, or the
   *     client's own context when a vector cannot name exactly the written version
   */
  WriteCoordinator(
      NodeConfig config,
      Placement placement,
      Clock clock,
      Scheduler scheduler,
      ContextSigner contexts,
      Replica replica,
      PeerCalls peers,
      QuorumTimer timer,
      NodeStats stats,
      BrokenVariant broken,
      BooleanSupplier dottedContexts) {
    this.self = config.self();
    this.dottedContexts = dottedContexts;
    this.config = config;
    this.placement = placement;
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
   * Checks a write of {@code key} against the store's limits and returns what its context says the
   * client has seen, once verified as one this cluster signed for this store and key.
   */
  CausalContext admit(StoreDefinition def, byte[] key, byte[] value, byte[] context) {
    def.checkWrite(key, value, context);
    return contexts.verify(def.name(), key, context);
  }

  /**
   * Coordinates the write over a sloppy quorum (paper §4.6); completes {@code result} with the
   * written version's context, or with {@link io.dynamokv.core.InsufficientReplicasException}
   * (outcome unknown) short of W by {@code timeout}.
   *
   * <p>The request has one slot per owner (for a moving partition, per owner on either side). This
   * node serves its own slot when it is one of them (a pending owner writes its data too);
   * otherwise it stands in for the first owner it cannot reach (or, when it reaches them all, for
   * the last one, whose copy it also sends on) and issues the dot from the hint it keeps. Each
   * other slot goes to its owner when reachable, otherwise to a stand-in ({@link StandIns}) that
   * stores the set as a durable hint; a slot whose replica fails, or has not answered by half the
   * timeout, tries the next stand-in while the quorum is undecided. A slot counts towards W once
   * its owner or a stand-in acknowledged. Every owner whose copy did not land (neither it nor a
   * stand-in acknowledged by the end of the request) gets a hint kept here, even after W was
   * reached.
   *
   * @param clientContext the context the client sent
   * @param seen what {@link #admit} returned for it
   * @param owners the key's owners; this node is among them, or it coordinates as a stand-in
   */
  void write(
      StoreDefinition def,
      byte[] key,
      byte[] value,
      boolean tombstone,
      Context clientContext,
      CausalContext seen,
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
    List<NodeId> after = placement.ownersAfterMove(def, key);
    List<NodeId> targets = owners;
    Quorum<Boolean> quorum;
    if (after.equals(owners) || broken == BrokenVariant.W_COUNTS_CURRENT_OWNERS_ONLY) {
      quorum = new Quorum<>(owners, w);
    } else {
      // A moving partition: its pending owners take the write too, and it counts only once W of
      // the owners before the switch and W of those after it hold it.
      targets = new ArrayList<>(owners);
      for (NodeId node : after) {
        if (!targets.contains(node)) {
          targets.add(node);
        }
      }
      // W of the current owners (checked above: there are at least W); all of the other side's
      // when it has fewer (a cluster of one that grows: its old layout names one node).
      quorum = Quorum.ofGroups(List.of(owners, after), w);
    }
    SloppyWrite request = new SloppyWrite(def, key, op, owners, targets, quorum, timeout, result);
    stats.writes++;
    Runnable writeAndReplicate = () -> request.start(clientContext, seen, version);
    if (broken == BrokenVariant.ACK_BEFORE_LOCAL_WRITE && targets.contains(self)) {
      request.written = clientContext; // acknowledged before there is a version to name
      request.quorum.onResponse(self, Boolean.TRUE);
      request.settle();
      scheduler.schedule(BrokenVariant.LOCAL_WRITE_DELAY, writeAndReplicate);
    } else {
      writeAndReplicate.run();
    }
    timer.failAfter(timeout, result, op, request.quorum);
    if (!request.finished) {
      inFlight++;
      request.counted = true;
      request.timers.add(scheduler.schedule(timeout.dividedBy(2), request::hedge));
      request.timers.add(scheduler.schedule(timeout, request::finish));
    }
  }

  /**
   * Writes this node coordinates that have not ended yet: each may still leave hints here (a
   * leaving node declares itself LEFT only once there are none).
   */
  int inFlight() {
    return inFlight;
  }

  /** The state of one slot of a {@link SloppyWrite}: the owner's place in the replica set. */
  private static final class Slot {
    final NodeId owner;
    int pending;
    boolean acked;
    boolean failed;
    boolean standInTried;
    Throwable lastError;

    Slot(NodeId owner) {
      this.owner = owner;
    }
  }

  /** One write in flight: its slots, the nodes it uses, and what is left to do at its end. */
  private final class SloppyWrite {
    final StoreDefinition def;
    final byte[] key;
    final String op;
    final List<NodeId> owners;
    final Quorum<Boolean> quorum;
    final Duration timeout;
    final CompletableFuture<Context> result;
    final Map<NodeId, Slot> slots = new LinkedHashMap<>();
    final Set<NodeId> used = new LinkedHashSet<>();
    final long deadline;
    final List<Scheduler.Cancellable> timers = new ArrayList<>(2);
    List<NodeId> extended;
    Context written;
    byte[] encoded;
    Siblings siblings;
    boolean finished;
    boolean counted;

    /** The local copy is queued for a group commit: nothing was sent yet. */
    boolean awaitingLocal;

    SloppyWrite(
        StoreDefinition def,
        byte[] key,
        String op,
        List<NodeId> owners,
        List<NodeId> targets,
        Quorum<Boolean> quorum,
        Duration timeout,
        CompletableFuture<Context> result) {
      this.def = def;
      this.key = key;
      this.op = op;
      this.owners = owners;
      this.quorum = quorum;
      this.timeout = timeout;
      this.result = result;
      this.deadline = clock.nanoTime() + timeout.toNanos();
      for (NodeId target : targets) {
        slots.put(target, new Slot(target));
      }
      used.addAll(targets);
      used.add(self);
    }

    void start(Context clientContext, CausalContext seen, Versioned version) {
      written = clientContext;
      Replica.Written local;
      NodeId standingFor = null;
      if (slots.containsKey(self)) {
        local = replica.write(def, key, seen, version);
      } else {
        standingFor = owners.get(owners.size() - 1);
        for (NodeId owner : owners) {
          if (!peers.reachable(owner)) {
            standingFor = owner;
            break;
          }
        }
        HintStore hints = replica.hints();
        if (!hints.hasRoom() && !hints.holds(HintId.of(def.name(), key, standingFor))) {
          stats.hintsRefused++; // the hint this write needs here is not kept: the cap
          throw new UnavailableException(
              self
                  + " cannot coordinate this write as a stand-in: its hints are at their cap of "
                  + hints.maxBytes()
                  + " bytes",
              false,
              null);
        }
        local = replica.writeHint(def, key, standingFor, seen, version);
        stats.hintsStored++;
      }
      siblings = local.siblings();
      encoded = VersionCodec.encode(siblings);
      CausalContext exact = siblings.writtenContext(seen, local.actor());
      if (!exact.dots().isEmpty() && !dottedContexts.getAsBoolean()) {
        // A member of an earlier build would refuse a context with dots as damaged. What the
        // client saw, as a vector, names less: the next write becomes this one's sibling.
        exact = CausalContext.of(seen.clock());
      }
      written = Context.fromBytes(contexts.sign(def.name(), key, exact));
      if (standingFor != null) {
        replicate(standingFor, true, null); // a hint is durable when written
      } else {
        // The local copy counts, and its dot leaves this node, once durable: a crash before its
        // group commit must not leave a dot elsewhere that this node could issue again.
        awaitingLocal = true;
        replica.afterDurable(error -> replicate(self, false, error));
      }
    }

    /**
     * The local copy, in slot {@code selfSlot}, is durable (or failed with {@code error}): counts
     * it and sends the set to every other slot.
     */
    void replicate(NodeId selfSlot, boolean standIn, Throwable error) {
      awaitingLocal = false;
      Slot mine = slots.get(selfSlot);
      if (error != null) {
        // Not stored: its dot must not leave this node, which may issue it again.
        encoded = null;
        siblings = null;
        result.completeExceptionally(error);
        finishIfDone();
        return;
      }
      mine.acked = true;
      if (broken != BrokenVariant.ACK_BEFORE_LOCAL_WRITE || standIn) {
        quorum.onResponse(selfSlot, Boolean.TRUE);
      }
      for (Slot slot : slots.values()) {
        if (slot.owner.equals(self)) {
          continue;
        }
        if (peers.reachable(slot.owner)) {
          send(slot, slot.owner);
        } else if (slot != mine) {
          slot.lastError = new PeerException.Unreachable(slot.owner, "failure detector");
          standIn(slot);
        }
      }
      settle();
      finishIfDone();
    }

    /** Sends the set to {@code target}: the slot's owner, or a stand-in holding it as a hint. */
    void send(Slot slot, NodeId target) {
      slot.pending++;
      boolean direct = target.equals(slot.owner);
      PeerMessage request =
          direct
              ? new ReplicaWrite(def.name(), key, encoded)
              : new HintWrite(def.name(), key, slot.owner, encoded);
      long left = deadline - clock.nanoTime();
      peers.call(
          target,
          request,
          ReplicaWriteReply.class,
          // Past the deadline only when the local copy took that long to become durable: the
          // owners still get their copy (the client was answered at the deadline).
          left > 0 ? Duration.ofNanos(left) : timeout,
          (reply, error) -> {
            slot.pending--;
            if (error == null) {
              // A hint this stand-in coordinator keeps for a direct copy's owner stays: handoff
              // deletes it once the owner flushed (an acknowledgement alone does not survive its
              // power failure under write-no-sync).
              if (!direct) {
                stats.standIns++;
              }
              if (!slot.acked) {
                slot.acked = true;
                quorum.onResponse(slot.owner, Boolean.TRUE);
              }
            } else {
              slot.lastError = error;
              if (!slot.acked) {
                standIn(slot);
              }
            }
            settle();
            finishIfDone();
          });
    }

    /** Tries the next stand-in for {@code slot} while the quorum is undecided and time is left. */
    void standIn(Slot slot) {
      slot.standInTried = true;
      if (config.handoff().enabled()
          && !quorum.isDecided()
          && !result.isDone()
          && clock.nanoTime() < deadline) {
        if (extended == null) {
          extended = placement.extended(def, key);
        }
        Optional<NodeId> next =
            StandIns.next(
                extended, owners.size(), used, node -> !node.equals(self) && peers.reachable(node));
        if (next.isPresent()) {
          used.add(next.get());
          send(slot, next.get());
          return;
        }
      }
      if (slot.pending == 0 && !slot.acked && !slot.failed) {
        slot.failed = true;
        quorum.onFailure(
            slot.owner,
            slot.lastError != null
                ? slot.lastError
                : new PeerException.Unreachable(slot.owner, "no stand-in is reachable"));
      }
    }

    /** Half-way through the timeout: a slot still waiting also tries a stand-in. */
    void hedge() {
      if (finished || quorum.isDecided()) {
        return;
      }
      for (Slot slot : slots.values()) {
        if (!slot.acked && slot.pending > 0 && !slot.standInTried) {
          standIn(slot);
        }
      }
      settle();
    }

    void settle() {
      if (result.isDone()) {
        return;
      }
      switch (quorum.status()) {
        case SUCCEEDED -> result.complete(written);
        case FAILED -> timer.fail(result, op, quorum);
        case PENDING -> {}
      }
    }

    void finishIfDone() {
      for (Slot slot : slots.values()) {
        if (slot.pending > 0) {
          return;
        }
      }
      finish();
    }

    /**
     * The end of the request (every reply in, or its timeout): every owner whose copy did not land
     * gets a hint kept here, so replicas converge without waiting for anti-entropy.
     */
    void finish() {
      if (finished || awaitingLocal) {
        return; // a request timed out before its local copy was durable ends once it sent it
      }
      if (encoded == null) {
        if (counted) {
          finished = true;
          inFlight--;
        }
        return;
      }
      finished = true;
      if (counted) {
        inFlight--;
      }
      timers.forEach(Scheduler.Cancellable::cancel);
      if (!config.handoff().enabled()) {
        return;
      }
      for (Slot slot : slots.values()) {
        if (slot.acked || slot.owner.equals(self)) {
          continue;
        }
        HintId id = HintId.of(def.name(), key, slot.owner);
        HintStore hints = replica.hints();
        if (hints.hasRoom() || hints.holds(id)) {
          replica.mergeHint(def, key, slot.owner, siblings);
          stats.hintsStored++;
        } else {
          stats.hintsRefused++;
        }
      }
    }
  }
}
