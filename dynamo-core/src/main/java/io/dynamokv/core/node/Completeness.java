/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.IncompleteReplicaException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.wire.WireReader;
import io.dynamokv.core.wire.WireWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which partitions this node holds completely. A node that may have lost data it acknowledged (an
 * empty or replaced data directory on a machine that ran it before, a restore from a backup,
 * commits an unclean stop rolled back: {@link Incarnation#lostData()}) does not vouch for its
 * partitions: a replica read of an incomplete one is answered with {@link
 * IncompleteReplicaException}, which the read coordinator does not count towards R (not even
 * through a stand-in), where an answer "absent" would count and could hide an acknowledged write.
 * Anti-entropy completes a partition once it has pulled it from every other owner ({@link
 * AntiEntropy}); meanwhile it pulls into this node and never pushes from it. Writes are taken as
 * usual.
 *
 * <p>The state is per (store, partition) and durable: a node that stops during the repair is still
 * incomplete when it starts again. Until the node knows its ring, "every partition it will hold" is
 * recorded. The ownership-transfer work reuses it for new owners of a moving range.
 *
 * <p>Only with anti-entropy on: without it nothing would ever complete a partition, and R + W > N
 * does not hold after such a stop (README).
 *
 * <p>Changed on the node's scheduler; {@link #any()} is safe from any thread.
 */
final class Completeness {
  private static final byte[] RECORD =
      "anti-entropy/incomplete".getBytes(StandardCharsets.US_ASCII);
  private static final int FORMAT = 2;

  /** Format 2 without the confirmed pending partitions. */
  private static final int FORMAT_WITHOUT_PENDING = 1;

  private final NodeId self;
  private final NodeConfig config;
  private final Keyspace metadata;

  /** Every partition the node will hold is incomplete: it lost data before it knew its ring. */
  private boolean all;

  private final Map<String, SortedSet<Integer>> incomplete = new TreeMap<>();

  /**
   * Incomplete partitions this node regained with data from an earlier time it owned them (not kept
   * across a restart: such a partition then completes without dropping what only it holds).
   */
  private final Map<String, SortedSet<Integer>> regained = new TreeMap<>();

  /** The partitions held in the last ring this process used, by store (none before the first). */
  private final Map<String, SortedSet<Integer>> held = new TreeMap<>();

  /** Partitions this node is a pending owner of in the last ring it used, by store. */
  private final Map<String, SortedSet<Integer>> pending = new TreeMap<>();

  /**
   * Pending partitions this node has confirmed it holds completely (durable): a pending owner's
   * copy starts incomplete, and stays complete once confirmed, across restarts, until the move
   * ends.
   */
  private final Map<String, SortedSet<Integer>> confirmed = new TreeMap<>();

  private volatile int count;
  private boolean changedConfirmed;

  /** The broken variant that trusts a pending owner's copy at once (for the simulation). */
  private final boolean trustPending;

  Completeness(NodeConfig config, StorageEngine storage) {
    this(config, storage, false);
  }

  Completeness(NodeConfig config, StorageEngine storage, boolean trustPending) {
    this.trustPending = trustPending;
    this.self = config.self();
    this.config = config;
    this.metadata = storage.keyspace(StorageEngine.METADATA);
    load();
  }

  /** This node may have lost data: every partition it holds is incomplete until repaired. */
  void lostData() {
    incomplete.clear();
    confirmed.clear();
    all = true;
    store();
  }

  /** Whether this node holds any record in a partition of a store. */
  interface HoldsData {
    boolean holdsData(StoreDefinition def, int partition);
  }

  /**
   * The ring changed: partitions the node no longer holds are forgotten; while "all" is recorded,
   * every partition it holds in {@code ring} becomes incomplete; and so does a partition it gains
   * while it still holds data of it from an earlier time it owned it (it left or was removed, and
   * came back): that data may hold values whose deletes were purged meanwhile, so the partition is
   * pulled, and what no other owner holds any more is dropped, before the node serves it or pushes
   * from it.
   */
  void useRing(Ring ring, HoldsData holds) {
    Map<String, SortedSet<Integer>> next = new TreeMap<>();
    changedConfirmed = false;
    for (StoreDefinition def : config.stores().values()) {
      SortedSet<Integer> was = incomplete.getOrDefault(def.name(), new TreeSet<>());
      SortedSet<Integer> before = held.get(def.name());
      SortedSet<Integer> heldNow = new TreeSet<>();
      SortedSet<Integer> regainedNow =
          new TreeSet<>(regained.getOrDefault(def.name(), new TreeSet<>()));
      SortedSet<Integer> now = new TreeSet<>();
      SortedSet<Integer> pendingNow = new TreeSet<>();
      SortedSet<Integer> confirmedBefore = confirmed.getOrDefault(def.name(), new TreeSet<>());
      SortedSet<Integer> confirmedNow = new TreeSet<>();
      for (int p = 0; p < ring.partitionCount(); p++) {
        if (!ring.replicas(p, def.replicationFactor()).contains(self)) {
          continue;
        }
        heldNow.add(p);
        boolean regained = before != null && !before.contains(p) && holds.holdsData(def, p);
        // A partition this node moves into is incomplete until its copy is confirmed.
        boolean moving =
            !trustPending && ring.incomingOwners(p, def.replicationFactor()).contains(self);
        if (moving) {
          pendingNow.add(p);
          if (confirmedBefore.contains(p) && !was.contains(p)) {
            confirmedNow.add(p);
          }
        }
        if (all || was.contains(p) || regained || (moving && !confirmedNow.contains(p))) {
          now.add(p);
        }
        if (regained) {
          regainedNow.add(p);
        }
      }
      held.put(def.name(), heldNow);
      pending.put(def.name(), pendingNow);
      if (confirmedNow.isEmpty()) {
        confirmed.remove(def.name());
      } else {
        confirmed.put(def.name(), confirmedNow);
      }
      if (!confirmedNow.equals(confirmedBefore)) {
        changedConfirmed = true;
      }
      regainedNow.retainAll(heldNow);
      regained.put(def.name(), regainedNow);
      if (!now.isEmpty()) {
        next.put(def.name(), now);
      }
    }
    boolean changed = all || !next.equals(incomplete) || changedConfirmed;
    all = false;
    incomplete.clear();
    incomplete.putAll(next);
    if (changed) {
      store();
    }
  }

  /**
   * Whether {@code partition} of {@code store} is incomplete because this node regained it with old
   * data (rather than because it lost data).
   */
  boolean regained(String store, int partition) {
    SortedSet<Integer> partitions = regained.get(store);
    return partitions != null && partitions.contains(partition) && isIncomplete(store, partition);
  }

  /**
   * Anti-entropy pulled {@code partition} of {@code store} from every other owner (for a pending
   * partition: from every current owner, after the stream).
   */
  void completed(String store, int partition) {
    SortedSet<Integer> back = regained.get(store);
    if (back != null) {
      back.remove(partition);
    }
    boolean changed = false;
    SortedSet<Integer> moving = pending.get(store);
    if (moving != null && moving.contains(partition)) {
      changed = confirmed.computeIfAbsent(store, s -> new TreeSet<>()).add(partition);
    }
    SortedSet<Integer> partitions = incomplete.get(store);
    if (partitions != null && partitions.remove(partition)) {
      if (partitions.isEmpty()) {
        incomplete.remove(store);
      }
      changed = true;
    }
    if (changed) {
      store();
    }
  }

  /** Whether this node is a pending owner of {@code partition} of {@code store} in its ring. */
  boolean isPending(String store, int partition) {
    SortedSet<Integer> moving = pending.get(store);
    return moving != null && moving.contains(partition);
  }

  /** The partitions this node is a pending owner of, by store (a copy). */
  Map<String, SortedSet<Integer>> pendingPartitions() {
    Map<String, SortedSet<Integer>> copy = new TreeMap<>();
    pending.forEach((store, set) -> copy.put(store, new TreeSet<>(set)));
    return copy;
  }

  /**
   * Whether {@code partition} of {@code store} is incomplete here; a partition of -1 (this node
   * does not know its ring yet) is, while any partition is.
   */
  boolean isIncomplete(String store, int partition) {
    if (count == 0) {
      return false;
    }
    if (all || partition < 0) {
      return true; // -1: no ring yet, so the key's partition may be an incomplete one
    }
    SortedSet<Integer> partitions = incomplete.get(store);
    return partitions != null && partitions.contains(partition);
  }

  /**
   * Refuses a replica read of {@code partition} of {@code store} while this node does not hold it
   * completely.
   *
   * @throws IncompleteReplicaException then
   */
  void checkComplete(String store, int partition) {
    if (isIncomplete(store, partition)) {
      throw new IncompleteReplicaException(
          self
              + " does not hold partition "
              + partition
              + " of store "
              + store
              + " completely: it lost data at its last start and anti-entropy has not restored"
              + " the partition from the other owners yet");
    }
  }

  /** Incomplete partitions, over all stores (-1 while "all" is recorded). */
  int count() {
    return all ? -1 : count;
  }

  /** Whether any partition is incomplete. Safe from any thread. */
  boolean any() {
    return count != 0;
  }

  private void load() {
    byte[] stored = metadata.get(RECORD);
    if (stored == null) {
      return;
    }
    try {
      WireReader in = new WireReader("incomplete partitions", stored);
      int format = in.u8("format");
      if (format != FORMAT && format != FORMAT_WITHOUT_PENDING) {
        throw in.malformed("format " + format + " is not " + FORMAT);
      }
      all = in.bool("all");
      readSets(in, incomplete);
      if (format == FORMAT) {
        readSets(in, confirmed);
      }
      in.end();
    } catch (InvalidRequestException e) {
      // Unreadable: the safe reading is that nothing is known to be complete.
      incomplete.clear();
      confirmed.clear();
      all = true;
    }
    count = all ? -1 : sum();
  }

  private static void readSets(WireReader in, Map<String, SortedSet<Integer>> into) {
    int stores = in.varint("stores", 1 << 16);
    for (int i = 0; i < stores; i++) {
      String store = in.string("store");
      int n = in.varint("partitions", io.dynamokv.core.ring.Ring.MAX_PARTITIONS);
      SortedSet<Integer> partitions = new TreeSet<>();
      for (int j = 0; j < n; j++) {
        partitions.add(in.varint("partition", Integer.MAX_VALUE));
      }
      into.put(store, partitions);
    }
  }

  private static void writeSets(WireWriter out, Map<String, SortedSet<Integer>> sets) {
    out.varint(sets.size());
    sets.forEach(
        (store, partitions) -> {
          out.string(store).varint(partitions.size());
          partitions.forEach(out::varint);
        });
  }

  private void store() {
    if (!all && incomplete.isEmpty() && confirmed.isEmpty()) {
      metadata.delete(RECORD);
    } else {
      WireWriter out = WireWriter.withFormat(FORMAT).bool(all);
      writeSets(out, incomplete);
      writeSets(out, confirmed);
      metadata.put(RECORD, out.toByteArray());
    }
    count = all ? -1 : sum();
  }

  private int sum() {
    int total = 0;
    for (SortedSet<Integer> s : incomplete.values()) {
      total += s.size();
    }
    return total;
  }
}
