/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.Key;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.handoff.HintId;
import io.dynamokv.core.handoff.HintStore;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.ring.TokenRange;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.CausalContext;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.version.Versioned;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * This node's copy of the data: the one place that reads and changes a key's local state, and so
 * the only room of the node that does storage I/O for data. Every change goes through one path
 * ({@link #change}): decode the stored set, apply the change, prune the clock, check the store's
 * limits where the change asks for it, store the result in one atomic {@link Keyspace#update}, then
 * report reissued dots and tell the {@link ReplicaListener}s.
 *
 * <p>With {@link GroupCommit group commit} (a sync engine), a client write's local step and a
 * replica's merge ({@link #write}, {@link #mergeLater}) are queued instead and become durable with
 * the next group; their acknowledgement waits for {@link #afterDurable}, and the listeners hear of
 * them once durable. Every other change first {@linkplain #drain drains} the queue.
 *
 * <p>The changes: a client write's local step ({@link #write}, the coordinator's), merging a set
 * from elsewhere ({@link #mergeLater}: replica writes, hints delivered here and read repair; {@link
 * #merge}: anti-entropy and range transfer), and dropping a key ({@link #drop}, {@link #dropIf}:
 * tombstone purge and ranges handed away). The hints this node holds for others are a second kind
 * of record of a key ({@link #writeHint}, {@link #mergeHint}, kept in the {@link HintStore}): they
 * change through the same steps, and count in every dot this node issues for the key. Runs on the
 * node's scheduler.
 */
final class Replica {
  private final NodeId self;
  private final NodeConfig config;
  private final NodeEpochs epochs;
  private final Placement placement;
  private final ReissuedDots dots;
  private final BrokenVariant broken;
  private final Clock clock;
  private final HintStore hints;
  private final BooleanSupplier dottedAgreed;
  private final Map<String, Keyspace> keyspaces = new TreeMap<>();
  private final StorageEngine storage;
  private final List<ReplicaListener> listeners = new CopyOnWriteArrayList<>();
  private final GroupCommit commits;

  Replica(
      NodeConfig config,
      StorageEngine storage,
      HintStore hints,
      Clock clock,
      NodeEpochs epochs,
      Placement placement,
      ReissuedDots dots,
      BrokenVariant broken,
      BooleanSupplier dottedAgreed,
      GroupCommit commits) {
    this.self = config.self();
    this.commits = commits;
    this.dottedAgreed = dottedAgreed;
    this.config = config;
    this.epochs = epochs;
    this.placement = placement;
    this.dots = dots;
    this.broken = broken;
    this.hints = hints;
    this.clock = clock;
    this.storage = storage;
    config
        .stores()
        .forEach((name, def) -> keyspaces.put(name, storage.keyspace(keyspaceName(def))));
  }

  void addListener(ReplicaListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The local sibling set of {@code key}, empty when absent. */
  Siblings read(StoreDefinition def, byte[] key) {
    byte[] stored = data(def, key);
    return stored.length == 0 ? Siblings.empty() : VersionCodec.decodeSiblings(stored);
  }

  private byte[] data(StoreDefinition def, byte[] key) {
    byte[] stored = keyspaces.get(def.name()).get(StorageKeys.storageKey(key));
    return stored == null ? new byte[0] : stored;
  }

  /**
   * The stored encoding of {@code key}'s set as it is (empty when absent), for a coordinator that
   * decodes it itself: one that does not decode counts as this replica's failure there. When this
   * node also holds hints of the key, the answer is the data synced with them: a stand-in in a
   * read's replica set answers from its hints.
   */
  byte[] stored(StoreDefinition def, byte[] key) {
    return stored(def, key, true);
  }

  /**
   * As {@link #stored(StoreDefinition, byte[])}; a node that does not own {@code key} ({@code
   * owner} false) answers from its hints alone: data it holds of the key is left from an earlier
   * time it owned it, and may hold values whose deletes were purged since.
   */
  byte[] stored(StoreDefinition def, byte[] key, boolean owner) {
    if (!owner) {
      return VersionCodec.encode(storable(withHints(def, key, Siblings.empty())));
    }
    if (!hints.ownersOf(def.name(), key).isEmpty()) {
      return VersionCodec.encode(storable(withHints(def, key, read(def, key))));
    }
    byte[] stored = data(def, key);
    if (stored.length > 0
        && stored[0] == VersionCodec.FORMAT_DOTTED
        && !dottedAgreed.getAsBoolean()) {
      return VersionCodec.encode(VersionCodec.decodeSiblings(stored).withoutDotsBeyond());
    }
    return stored;
  }

  /**
   * One key of a {@link #scan}: its user key, token and stored set, or null for a record that does
   * not decode (damaged, or of a newer format).
   */
  record Scanned(byte[] key, Token token, Siblings siblings) {}

  /**
   * Up to {@code limit} keys of {@code def} whose token lies in {@code range}, in the range's order
   * (clockwise from its start), beginning after the storage key {@code after} (exclusive; {@code
   * null} from the start). Fewer than {@code limit} keys means the range is done. Reads this node's
   * data only, not its hints. A bounded page: callers scan a large range in several tasks.
   */
  List<Scanned> scan(StoreDefinition def, TokenRange range, byte[] after, int limit) {
    // What a scan reads has been announced to the listeners: a tree built from it stays exact.
    if (commits != null) {
      commits.hold();
      try {
        return scanEngine(def, range, after, limit);
      } finally {
        commits.release();
      }
    }
    return scanEngine(def, range, after, limit);
  }

  private List<Scanned> scanEngine(StoreDefinition def, TokenRange range, byte[] after, int limit) {
    List<Scanned> out = new java.util.ArrayList<>();
    Keyspace data = keyspaces.get(def.name());
    boolean started = after == null;
    for (StorageKeys.KeyRange piece : StorageKeys.scanRanges(range)) {
      byte[] from = piece.fromInclusive();
      if (!started) {
        if (!piece.contains(after)) {
          continue;
        }
        started = true;
        from = java.util.Arrays.copyOf(after, after.length + 1); // the next storage key
      }
      data.scan(
          from,
          piece.toExclusive(),
          (storageKey, value) -> {
            Siblings set;
            try {
              set = VersionCodec.decodeSiblings(value);
            } catch (RuntimeException undecodable) {
              set = null;
            }
            out.add(
                new Scanned(StorageKeys.userKey(storageKey), StorageKeys.tokenOf(storageKey), set));
            return out.size() < limit;
          });
      if (out.size() >= limit) {
        break;
      }
    }
    return out;
  }

  /**
   * {@code set} as this node may store or send it: without the dots it has seen beyond its vector
   * while some member does not read sibling format 3 (forgetting them can only add false siblings).
   */
  private Siblings storable(Siblings set) {
    return set.hasDotsBeyond() && !dottedAgreed.getAsBoolean() ? set.withoutDotsBeyond() : set;
  }

  /** Everything this node holds of {@code key}: its data synced with every hint of the key. */
  Siblings readWithHints(StoreDefinition def, byte[] key) {
    return withHints(def, key, read(def, key));
  }

  /**
   * What this node answers for {@code key} as a replica of a read: everything it holds as an owner,
   * its hints alone as a stand-in (see {@link #stored(StoreDefinition, byte[], boolean)}).
   */
  Siblings readAsReplica(StoreDefinition def, byte[] key, boolean owner) {
    return owner ? readWithHints(def, key) : withHints(def, key, Siblings.empty());
  }

  private Siblings withHints(StoreDefinition def, byte[] key, Siblings local) {
    Siblings all = local;
    for (NodeId owner : hints.ownersOf(def.name(), key)) {
      all = Siblings.sync(all, hints.read(HintId.of(def.name(), key, owner)));
    }
    return all;
  }

  /** What a client write left: the key's new set and the actor whose next dot the write took. */
  record Written(Siblings siblings, Actor actor) {}

  /**
   * A coordinator's local step of a client write: drops the siblings {@code seen} covers and adds
   * {@code version} with the next dot of this node's actor for the key ({@link Siblings#actorFor},
   * a fresh epoch when the key's record cannot be trusted). Checks the store's sibling and size
   * limits before anything is stored.
   */
  Written write(StoreDefinition def, byte[] key, CausalContext seen, Versioned version) {
    Actor[] actor = new Actor[1];
    Siblings held = withHints(def, key, Siblings.empty());
    Siblings next =
        change(
            def,
            key,
            data -> {
              // The next dot comes from everything this node holds of the key, hints included:
              // an actor's counter may have advanced in a hint this node wrote as a stand-in.
              Siblings local = Siblings.sync(data, held);
              actor[0] =
                  local.actorFor(
                      self,
                      broken == BrokenVariant.KEEPS_INCARNATION_AFTER_ROLLBACK
                          ? CausalContext.empty()
                          : seen,
                      epochs);
              CausalContext covered =
                  broken == BrokenVariant.UPDATE_IGNORES_CONTEXT
                      ? CausalContext.of(local.context())
                      : seen;
              return local.update(covered, version, actor[0]);
            },
            true,
            true);
    return new Written(next, actor[0]);
  }

  /**
   * A stand-in coordinator's local step of a client write: as {@link #write}, but the result is
   * stored as the hint this node holds for {@code owner}, and the dot comes from everything this
   * node holds of the key (its data and every hint of it). Since a hint may hold the highest dot of
   * an actor, a hint is only ever deleted through {@link #retireHint}, which keeps its dots in
   * another record of the key, so that no dot is issued twice.
   */
  Written writeHint(
      StoreDefinition def, byte[] key, NodeId owner, CausalContext seen, Versioned version) {
    drain(); // the dot comes from the key's latest data
    Actor[] actor = new Actor[1];
    Siblings held = readWithHints(def, key);
    Siblings next =
        changeHint(
            HintId.of(def.name(), key, owner),
            hint -> {
              Siblings local = Siblings.sync(hint, held);
              actor[0] = local.actorFor(self, seen, epochs);
              Siblings updated = local.update(seen, version, actor[0]);
              Siblings pruned = updated.pruned(config.maxClockEntries());
              def.checkStored(pruned.siblingCount(), VersionCodec.encode(pruned).length);
              return updated;
            });
    dots.check(def, key, held, next);
    return new Written(next, actor[0]);
  }

  /**
   * Merges {@code incoming} into the hint this node holds for {@code owner} of {@code key},
   * creating it if needed (the caller decides whether the hint store has room).
   */
  Siblings mergeHint(StoreDefinition def, byte[] key, NodeId owner, Siblings incoming) {
    return changeHint(HintId.of(def.name(), key, owner), local -> Siblings.sync(local, incoming));
  }

  /**
   * Deletes hint {@code id} once delivered, if it still holds exactly {@code delivered} (its stored
   * bytes). When this node holds other records of the key (another hint, or data), the hint's set
   * is first merged into one of them: the next dot of the key is computed from what remains, and
   * the hint may hold an actor's highest counter. The owner has the set already, so carrying it in
   * another record costs a redundant copy at most.
   *
   * @return whether the hint was deleted
   */
  boolean retireHint(HintId id, byte[] delivered) {
    drain();
    HintStore.Hint hint = hints.get(id);
    if (hint == null || !java.util.Arrays.equals(hint.stored(), delivered)) {
      return false;
    }
    StoreDefinition def = config.stores().get(id.store());
    if (def != null) {
      byte[] key = id.key().toByteArray();
      Siblings set = VersionCodec.decodeSiblings(hint.siblings());
      List<NodeId> others = new java.util.ArrayList<>(hints.ownersOf(def.name(), key));
      others.remove(id.owner());
      if (!others.isEmpty()) {
        // Keeps the retired hint's age: what it carried must not outlive max-age elsewhere.
        changeHint(
            HintId.of(def.name(), key, others.get(0)),
            hint.firstMillis(),
            local -> Siblings.sync(local, set));
      } else if (data(def, key).length > 0) {
        merge(def, key, set);
      }
    }
    return hints.deleteIfUnchanged(id, delivered);
  }

  /**
   * Discards hint {@code id} unsent (it expired), with every other hint of the key this node holds:
   * the others may hold lower counters of the actors its dots carry, and a dot continued from them
   * could be issued twice. Returns the ids discarded.
   */
  List<HintId> expireHint(HintId id) {
    List<HintId> gone = new java.util.ArrayList<>();
    byte[] key = id.key().toByteArray();
    for (NodeId owner : hints.ownersOf(id.store(), key)) {
      HintId each = HintId.of(id.store(), key, owner);
      hints.delete(each);
      gone.add(each);
    }
    return gone;
  }

  /** The hints this node holds, and their index. */
  HintStore hints() {
    return hints;
  }

  private Siblings changeHint(HintId id, UnaryOperator<Siblings> change) {
    return changeHint(id, Math.max(0, clock.wallMillis()), change);
  }

  private Siblings changeHint(HintId id, long originMillis, UnaryOperator<Siblings> change) {
    return leased(
        () ->
            hints.update(
                id,
                originMillis,
                local -> storable(change.apply(local).pruned(config.maxClockEntries()))));
  }

  /**
   * Merges {@code incoming} into the local set of {@code key} ({@link Siblings#sync}) and stores
   * the result. Never refused for the store's limits: the set was accepted elsewhere, and a replica
   * that refused it would diverge.
   */
  Siblings merge(StoreDefinition def, byte[] key, Siblings incoming) {
    return change(def, key, local -> Siblings.sync(local, incoming), false, false);
  }

  /**
   * As {@link #merge}, but with group commit the result may not be durable yet when this returns:
   * whoever acknowledges it waits for {@link #afterDurable}.
   */
  Siblings mergeLater(StoreDefinition def, byte[] key, Siblings incoming) {
    return change(def, key, local -> Siblings.sync(local, incoming), false, true);
  }

  /**
   * Runs {@code then} on the node's scheduler once every change made so far is durable (with null)
   * or failed to be (with the error): at once without group commit, where every change is durable
   * when it returns. {@link #write} and {@link #mergeLater} are acknowledged through it.
   */
  void afterDurable(java.util.function.Consumer<Throwable> then) {
    if (commits == null) {
      then.accept(null);
    } else {
      commits.afterDurable(then);
    }
  }

  /**
   * Writes every queued change before returning (group commit), so that a change made directly on
   * the engine applies on top of it. A clean stop drains before it records itself.
   */
  void drain() {
    if (commits != null) {
      commits.drain();
    }
  }

  /**
   * As {@link #drain()}, waiting about {@code patienceMillis} at most for each write in progress.
   *
   * @return whether everything queued was written
   */
  boolean drain(long patienceMillis) {
    return commits == null || commits.drain(patienceMillis);
  }

  /** Makes every change so far durable (an fsync of the engine). */
  void flush() {
    drain();
    storage.flush();
  }

  /** Drops everything this node holds for {@code key}. */
  void drop(StoreDefinition def, byte[] key) {
    dropIf(def, key, set -> true);
  }

  /**
   * Drops this node's data of {@code key} if its stored set passes {@code condition} (checked and
   * dropped in one atomic update: a write in between keeps the key). Returns whether it dropped it.
   */
  boolean dropIf(
      StoreDefinition def, byte[] key, java.util.function.Predicate<Siblings> condition) {
    drain();
    byte[][] before = new byte[1][];
    keyspaces
        .get(def.name())
        .update(
            StorageKeys.storageKey(key),
            old -> {
              if (old == null || !condition.test(VersionCodec.decodeSiblings(old))) {
                return old;
              }
              before[0] = old;
              return null;
            });
    if (before[0] != null) {
      int partition = placement.partitionOf(key);
      Key k = Key.of(key);
      Siblings held = VersionCodec.decodeSiblings(before[0]);
      for (ReplicaListener l : listeners) {
        l.onDropped(def.name(), partition, k, held);
      }
    }
    return before[0] != null;
  }

  /**
   * The one path that changes a key: {@code change} maps the local set (empty when absent) to the
   * next one, which is pruned and, with {@code limits}, checked against the store's limits. An
   * unchanged set is not written again. A change that needs a new epoch lease ({@link
   * NodeEpochs.LeaseNeeded}) is retried once the lease is extended, outside the storage update.
   */
  private Siblings change(
      StoreDefinition def,
      byte[] key,
      UnaryOperator<Siblings> change,
      boolean limits,
      boolean grouped) {
    if (commits != null) {
      if (grouped) {
        return changeGrouped(def, key, change, limits);
      }
      commits.drain();
    }
    Keyspace data = keyspaces.get(def.name());
    byte[] storageKey = StorageKeys.storageKey(key);
    Step step =
        leased(
            () -> {
              Step[] computed = new Step[1];
              data.update(
                  storageKey,
                  old -> {
                    computed[0] = step(def, old, change, limits);
                    return computed[0].encoded == null ? old : computed[0].encoded;
                  });
              return computed[0];
            });
    dots.check(def, key, step.before, step.after);
    if (step.encoded != null) {
      announceStored(def, key, step.before, step.after);
    }
    return step.after;
  }

  /**
   * {@link #change} with group commit: computed on the key's latest set (queued or stored) and
   * queued; the listeners hear of it once it is durable.
   */
  private Siblings changeGrouped(
      StoreDefinition def, byte[] key, UnaryOperator<Siblings> change, boolean limits) {
    String keyspace = keyspaceName(def);
    byte[] storageKey = StorageKeys.storageKey(key);
    Keyspace data = keyspaces.get(def.name());
    Step step = leased(() -> step(def, commits.latest(keyspace, data, storageKey), change, limits));
    dots.check(def, key, step.before, step.after);
    if (step.encoded != null) {
      commits.put(
          keyspace,
          storageKey,
          step.encoded,
          () -> announceStored(def, key, step.before, step.after));
    }
    return step.after;
  }

  /**
   * One change of a key, computed from its stored bytes ({@code old}, null when absent): the set
   * before and after, and the bytes to store (null when the set is unchanged, so nothing is
   * written). Throws when {@code limits} apply and the result exceeds them.
   */
  private Step step(
      StoreDefinition def, byte[] old, UnaryOperator<Siblings> change, boolean limits) {
    Siblings local = old == null ? Siblings.empty() : VersionCodec.decodeSiblings(old);
    Siblings next = storable(change.apply(local).pruned(config.maxClockEntries()));
    if (old != null && next.equals(local)) {
      return new Step(local, next, null);
    }
    byte[] encoded = VersionCodec.encode(next);
    if (limits) {
      def.checkStored(next.siblingCount(), encoded.length);
    }
    return new Step(local, next, encoded);
  }

  private record Step(Siblings before, Siblings after, byte[] encoded) {}

  /**
   * Runs {@code attempt} until it needs no new epoch lease: a change that does ({@link
   * NodeEpochs.LeaseNeeded}) is retried once the lease is extended, outside the storage update.
   */
  private <T> T leased(java.util.function.Supplier<T> attempt) {
    while (true) {
      try {
        return attempt.get();
      } catch (NodeEpochs.LeaseNeeded needed) {
        epochs.extendLease(needed.epoch);
      }
    }
  }

  private void announceStored(StoreDefinition def, byte[] key, Siblings before, Siblings after) {
    int partition = placement.partitionOf(key);
    Key k = Key.of(key);
    for (ReplicaListener l : listeners) {
      l.onStored(def.name(), partition, k, before, after);
    }
  }

  /** The engine keyspace that holds {@code def}'s data. */
  private static String keyspaceName(StoreDefinition def) {
    return "data-" + def.name();
  }
}
