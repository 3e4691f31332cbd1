/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The versions of one key as a dotted version vector set (DVVSet, Preguiça et al., arXiv 1011.5808;
 * Riak's {@code dvvset.erl}): every causally maximal value with its own {@link Dot}, plus one
 * causal context for all of them. This is what a replica stores for a key and what replicas
 * exchange.
 *
 * <p>The set is a sorted list of entries {@code (actor, counter, values)}: the {@link #context()}
 * has seen events {@code 1..counter} of {@code actor}, and {@code values} are the still-live values
 * written by that actor, newest first, with dots {@code counter, counter - 1, ...}. Those dots are
 * always the newest ones of the actor, because a context that covers one event of an actor also
 * covers all its older events.
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>A coordinator MUST create new versions only with {@link #update} on its own local set,
 *       using the actor {@link #actorFor} returns; a dot MUST never be issued twice.
 *   <li>{@link #sync} is commutative, associative and idempotent and keeps exactly the values no
 *       other value's write has seen (given unique dots). Replicas MUST use it on every write,
 *       read, repair and handoff instead of replacing a stored set.
 *   <li>Instances are immutable and thread-safe.
 * </ul>
 */
public final class Siblings {
  private static final Siblings EMPTY = new Siblings(new Entry[0], -1);
  private static final Comparator<Entry> PRUNE_ORDER =
      Comparator.comparingLong(Entry::lastMillis).thenComparing(Entry::actor);

  /**
   * One actor's part of the set.
   *
   * @param counter events {@code 1..counter} of {@code actor} have been seen; {@code >= 1}
   * @param values live values of {@code actor}, newest first: the i-th has dot {@code counter - i}
   * @param lastMillis the latest write time seen for this actor (0 if unknown); orders pruning
   */
  record Entry(Actor actor, long counter, List<Versioned> values, long lastMillis) {
    Entry {
      values = List.copyOf(values);
      if (counter < 1 || values.size() > counter || lastMillis < 0) {
        throw new IllegalArgumentException(
            "invalid entry for "
                + actor
                + ": counter "
                + counter
                + ", "
                + values.size()
                + " values, time "
                + lastMillis);
      }
    }
  }

  private final Entry[] entries;
  private final long prunedEpochFloor;

  private Siblings(Entry[] entries, long prunedEpochFloor) {
    this.entries = entries;
    this.prunedEpochFloor = prunedEpochFloor;
  }

  /** The set of a key that has never been written. */
  public static Siblings empty() {
    return EMPTY;
  }

  /** From entries with strictly ascending actors (checked). */
  static Siblings of(List<Entry> entries, long prunedEpochFloor) {
    Entry[] e = entries.toArray(new Entry[0]);
    for (int i = 1; i < e.length; i++) {
      if (e[i - 1].actor().compareTo(e[i].actor()) >= 0) {
        throw new IllegalArgumentException("entries must have strictly ascending actors");
      }
    }
    if (prunedEpochFloor < -1) {
      throw new IllegalArgumentException("pruned epoch floor must be >= -1");
    }
    return e.length == 0 && prunedEpochFloor == -1 ? EMPTY : new Siblings(e, prunedEpochFloor);
  }

  List<Entry> entries() {
    return List.of(entries);
  }

  /**
   * The highest epoch of any clock entry ever pruned from this set or from a set it was synced
   * with; -1 if none. Actors with an epoch at or below it are never reused by {@link #actorFor}.
   */
  public long prunedEpochFloor() {
    return prunedEpochFloor;
  }

  /**
   * The actor {@code node} MUST use to coordinate the next write of this key on this, its local,
   * set: its highest-epoch actor in the set when that epoch is at least {@code
   * epochs.incarnation()} and above {@link #prunedEpochFloor()}; otherwise a fresh epoch leased
   * from {@code epochs}.
   *
   * <p>Why no dot is ever reused: a node issues dots of an actor only through {@link #update} of
   * its local set, so the local entry of an actor the node reuses holds the highest counter the
   * actor has issued for this key, and {@code update} continues above it. The local entry can fall
   * behind only if it was lost: with the data directory (then the epoch is below the incarnation),
   * by pruning (then the floor is at least the epoch, and the floor only grows), or because the key
   * had no entry at all. In each case the node leases a new epoch instead, whose counters start at
   * 1 without meeting any earlier dot.
   *
   * @throws IllegalStateException if {@code epochs} breaks its contract
   */
  public Actor actorFor(NodeId node, EpochSource epochs) {
    long highest = -1;
    for (Entry e : entries) {
      if (e.actor().node().equals(node)) {
        highest = Math.max(highest, e.actor().epoch());
      }
    }
    if (highest >= 0 && highest >= epochs.incarnation() && highest > prunedEpochFloor) {
      return new Actor(node, highest);
    }
    long floor = Math.max(highest, prunedEpochFloor);
    long fresh = epochs.leaseAbove(floor);
    if (fresh <= floor || fresh < epochs.incarnation()) {
      throw new IllegalStateException(
          "epoch source leased "
              + fresh
              + " but must lease above "
              + floor
              + " and at least the incarnation "
              + epochs.incarnation());
    }
    return new Actor(node, fresh);
  }

  /**
   * Applies a new write coordinated by {@code actor}, on the coordinator's local set: drops every
   * local value {@code context} has seen, keeps the others as siblings, and adds {@code value} with
   * the dot {@code (actor, max(local counter, context counter) + 1)}. The result's context has seen
   * everything the local set and {@code context} had seen, plus the new dot.
   *
   * @param context the causal context the client read (empty for a blind write)
   * @param value the new value or tombstone
   * @param actor from {@link #actorFor}; using any other actor MAY reissue a dot and lose writes
   */
  public Siblings update(VectorClock context, Versioned value, Actor actor) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(actor, "actor");
    List<Entry> out = new ArrayList<>(entries.length + context.size() + 1);
    int i = 0;
    int j = 0;
    while (i < entries.length || j < context.size()) {
      int cmp =
          i == entries.length
              ? 1
              : j == context.size() ? -1 : entries[i].actor().compareTo(context.actorAt(j));
      if (cmp < 0) {
        out.add(entries[i++]);
      } else if (cmp > 0) {
        out.add(new Entry(context.actorAt(j), context.counterAt(j), List.of(), 0));
        j++;
      } else {
        Entry e = entries[i++];
        long seen = context.counterAt(j++);
        if (seen >= e.counter()) {
          out.add(new Entry(e.actor(), seen, List.of(), e.lastMillis()));
        } else {
          int keep = (int) Math.min(e.values().size(), e.counter() - seen);
          out.add(new Entry(e.actor(), e.counter(), e.values().subList(0, keep), e.lastMillis()));
        }
      }
    }
    int at = 0;
    while (at < out.size() && out.get(at).actor().compareTo(actor) < 0) {
      at++;
    }
    if (at < out.size() && out.get(at).actor().equals(actor)) {
      Entry e = out.get(at);
      List<Versioned> values = new ArrayList<>(e.values().size() + 1);
      values.add(value);
      values.addAll(e.values());
      out.set(
          at,
          new Entry(
              actor,
              Math.addExact(e.counter(), 1),
              values,
              Math.max(e.lastMillis(), value.wallMillis())));
    } else {
      out.add(at, new Entry(actor, 1, List.of(value), value.wallMillis()));
    }
    return new Siblings(out.toArray(new Entry[0]), prunedEpochFloor);
  }

  /**
   * Merges two replicas' sets of the same key: the result has seen everything either has seen and
   * keeps exactly the values neither context has superseded. Commutative, associative and
   * idempotent when dots are unique.
   */
  public static Siblings sync(Siblings a, Siblings b) {
    if (a == b || b == EMPTY) {
      return a;
    }
    if (a == EMPTY) {
      return b;
    }
    List<Entry> out = new ArrayList<>(a.entries.length + b.entries.length);
    int i = 0;
    int j = 0;
    while (i < a.entries.length || j < b.entries.length) {
      int cmp =
          i == a.entries.length
              ? 1
              : j == b.entries.length ? -1 : a.entries[i].actor().compareTo(b.entries[j].actor());
      if (cmp < 0) {
        out.add(a.entries[i++]);
      } else if (cmp > 0) {
        out.add(b.entries[j++]);
      } else {
        out.add(merge(a.entries[i++], b.entries[j++]));
      }
    }
    return new Siblings(
        out.toArray(new Entry[0]), Math.max(a.prunedEpochFloor, b.prunedEpochFloor));
  }

  /** {@link #sync} of all the given sets; the empty set if there are none. */
  public static Siblings syncAll(Iterable<Siblings> sets) {
    Siblings result = EMPTY;
    for (Siblings s : sets) {
      result = sync(result, s);
    }
    return result;
  }

  // The values of an entry carry the dots (counter - size, counter]; a value survives iff it is
  // in both lists, or in the one list whose counter the other has not reached.
  private static Entry merge(Entry x, Entry y) {
    Entry big = x.counter() >= y.counter() ? x : y;
    Entry small = big == x ? y : x;
    long time = Math.max(x.lastMillis(), y.lastMillis());
    long bigFirst = big.counter() - big.values().size();
    long smallFirst = small.counter() - small.values().size();
    List<Versioned> values =
        bigFirst >= smallFirst
            ? big.values()
            : big.values().subList(0, (int) (big.counter() - smallFirst));
    return new Entry(big.actor(), big.counter(), values, time);
  }

  /**
   * Removes clock entries without live values, oldest {@code lastMillis} first (ties by actor),
   * until at most {@code maxEntries} remain or only entries carrying a value are left; never
   * removes an entry that carries a value, so the result may keep more entries than the threshold.
   * Raises {@link #prunedEpochFloor()} to the highest removed epoch.
   *
   * <p>Pruning forgets history only: it can make a superseded value reappear as a (false) sibling
   * when synced with a replica that still holds it, but it can never make a value disappear.
   *
   * @param maxEntries the threshold ({@code >= 1}; the paper uses 10)
   */
  public Siblings pruned(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("prune threshold must be >= 1, found: " + maxEntries);
    }
    int excess = entries.length - maxEntries;
    if (excess <= 0) {
      return this;
    }
    List<Entry> candidates = new ArrayList<>();
    for (Entry e : entries) {
      if (e.values().isEmpty()) {
        candidates.add(e);
      }
    }
    if (candidates.isEmpty()) {
      return this;
    }
    candidates.sort(PRUNE_ORDER);
    List<Entry> removed = candidates.subList(0, Math.min(excess, candidates.size()));
    long floor = prunedEpochFloor;
    List<Entry> kept = new ArrayList<>(entries.length - removed.size());
    for (Entry e : entries) {
      if (removed.contains(e)) {
        floor = Math.max(floor, e.actor().epoch());
      } else {
        kept.add(e);
      }
    }
    return new Siblings(kept.toArray(new Entry[0]), floor);
  }

  /** The causal context covering every sibling: what a read hands to the client. */
  public VectorClock context() {
    Actor[] a = new Actor[entries.length];
    long[] c = new long[entries.length];
    for (int i = 0; i < entries.length; i++) {
      a[i] = entries[i].actor();
      c[i] = entries[i].counter();
    }
    return VectorClock.ofSorted(a, c);
  }

  /** Every sibling, tombstones included, ordered by dot (actor, then counter). */
  public List<Sibling> siblings() {
    List<Sibling> out = new ArrayList<>();
    for (Entry e : entries) {
      List<Versioned> v = e.values();
      for (int k = v.size() - 1; k >= 0; k--) {
        out.add(new Sibling(new Dot(e.actor(), e.counter() - k), v.get(k)));
      }
    }
    return List.copyOf(out);
  }

  /** Every sibling's payload, tombstones included, in {@link #siblings()} order. */
  public List<Versioned> values() {
    return values(true);
  }

  /** The siblings' payloads without tombstones, in {@link #siblings()} order. */
  public List<Versioned> liveValues() {
    return values(false);
  }

  // On the read path: a plain loop, without the Sibling and Dot objects of siblings().
  private List<Versioned> values(boolean tombstones) {
    List<Versioned> out = new ArrayList<>();
    for (Entry e : entries) {
      List<Versioned> v = e.values();
      for (int k = v.size() - 1; k >= 0; k--) {
        Versioned value = v.get(k);
        if (tombstones || !value.isTombstone()) {
          out.add(value);
        }
      }
    }
    return List.copyOf(out);
  }

  /** True if the key has no version at all (never written, or its record was purged). */
  public boolean isEmpty() {
    return entries.length == 0;
  }

  /** True if no sibling is a live value: the key is absent or deleted. */
  public boolean isDeleted() {
    for (Entry e : entries) {
      for (Versioned v : e.values()) {
        if (!v.isTombstone()) {
          return false;
        }
      }
    }
    return true;
  }

  /** The number of siblings, tombstones included (for the siblings-per-key limit). */
  public int siblingCount() {
    int n = 0;
    for (Entry e : entries) {
      n += e.values().size();
    }
    return n;
  }

  /** The sum of the siblings' value sizes in bytes (for the bytes-per-key limit). */
  public long totalValueBytes() {
    long n = 0;
    for (Entry e : entries) {
      for (Versioned v : e.values()) {
        n += v.size();
      }
    }
    return n;
  }

  /** The number of clock entries (actors), the quantity {@link #pruned} bounds. */
  public int clockSize() {
    return entries.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Siblings other
        && prunedEpochFloor == other.prunedEpochFloor
        && Arrays.equals(entries, other.entries);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(entries) * 31 + Long.hashCode(prunedEpochFloor);
  }

  @Override
  public String toString() {
    return "Siblings" + siblings() + " context " + context();
  }
}
