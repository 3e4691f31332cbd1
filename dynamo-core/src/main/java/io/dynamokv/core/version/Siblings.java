/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The versions of one key: every causally maximal value with its own {@link Dot}, plus one causal
 * context for all of them (dotted version vectors, Preguiça et al., arXiv 1011.5808; the same shape
 * as Riak's DVVSet, with the dots written out). This is what a replica stores for a key and what
 * replicas exchange.
 *
 * <p>The set holds:
 *
 * <ul>
 *   <li>its {@link #context()}: for each {@link Actor}, how many of its events the set has seen,
 *       with the latest write time seen for the actor, or the time of the write whose context
 *       taught the set of it (which orders {@link #pruned pruning});
 *   <li>its siblings, each a value or tombstone with the dot of the write that made it, covered by
 *       the context. Normally no two siblings share a dot; if a dot was issued twice (a node whose
 *       disk rolled back, Riak's kv679) {@link #sync} keeps both values rather than silently drop
 *       one, and {@link #reissuedDots()} counts such dots;
 *   <li>per node, the highest epoch of that node's actors ever {@link #pruned pruned} from the set
 *       or from a set it was synced with ({@link #prunedEpoch}).
 * </ul>
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>A coordinator MUST create new versions only with {@link #update} on its own local set,
 *       using the actor {@link #actorFor} returns; a dot MUST never be issued twice.
 *   <li>{@link #sync} is commutative, associative and idempotent, whatever the dots (within {@link
 *       #MAX_CLOUD} dots seen beyond the vector). With unique dots it keeps exactly the values no
 *       other value's write has seen; a value is only ever dropped because a context saw its dot
 *       and the set holding that context no longer holds the dot. Replicas MUST use it on every
 *       write, read, repair and handoff instead of replacing a stored set.
 *   <li>{@link #pruned} is a function of the set alone, so replicas holding the same set store the
 *       same pruned set. Whoever stores a set (coordinator and replica alike) prunes it.
 *   <li>Instances are immutable and thread-safe. Iteration orders never depend on hash codes.
 * </ul>
 */
public final class Siblings {
  private static final long[] NO_LONGS = new long[0];
  private static final Sibling[] NO_SIBLINGS = new Sibling[0];
  private static final NodeId[] NO_NODES = new NodeId[0];
  private static final Dot[] NO_DOTS = new Dot[0];
  private static final Siblings EMPTY =
      new Siblings(VectorClock.empty(), NO_LONGS, NO_DOTS, NO_SIBLINGS, NO_NODES, NO_LONGS);

  /**
   * The most dots a set keeps seen beyond its vector. Beyond it the lowest are forgotten: like
   * pruning, forgetting history can make a superseded value reappear as a false sibling, never make
   * a value disappear, but past it {@link #sync} is no longer exactly associative. Sets stay far
   * below it: a dot leaves once the vector reaches it, or when pruning forgets its actor.
   */
  static final int MAX_CLOUD = 256;

  /** How siblings are ordered: by dot, then by value (values before tombstones, time, bytes). */
  static final Comparator<Sibling> ORDER = Siblings::compare;

  private final VectorClock context;
  private final long[] lastMillis; // aligned with context's entries
  private final Dot[] cloud; // seen beyond context: ascending, none covered by it or following it
  private final Sibling[] siblings; // in ORDER, no two equal
  private final NodeId[] floorNodes; // ascending
  private final long[] floorEpochs; // aligned with floorNodes, >= 0

  private Siblings(
      VectorClock context,
      long[] lastMillis,
      Dot[] cloud,
      Sibling[] siblings,
      NodeId[] floorNodes,
      long[] floorEpochs) {
    this.context = context;
    this.lastMillis = lastMillis;
    this.cloud = cloud;
    this.siblings = siblings;
    this.floorNodes = floorNodes;
    this.floorEpochs = floorEpochs;
  }

  /** The set of a key that has never been written. */
  public static Siblings empty() {
    return EMPTY;
  }

  /**
   * A set from its parts, validated (for the codec).
   *
   * @param lastMillis the latest write time per entry of {@code context}, in its order, {@code >=
   *     0}
   * @param siblings strictly ascending in {@link #ORDER}, each dot covered by {@code context}
   * @param prunedEpochs per node, the highest pruned epoch ({@code >= 0})
   * @throws IllegalArgumentException if the parts do not make a valid set
   */
  static Siblings of(
      VectorClock context,
      long[] lastMillis,
      List<Sibling> siblings,
      SortedMap<NodeId, Long> prunedEpochs) {
    return of(context, lastMillis, List.of(), siblings, prunedEpochs);
  }

  /**
   * A set from its parts, validated (for the codec).
   *
   * @param cloud dots seen beyond {@code context}: strictly ascending, at most {@link #MAX_CLOUD},
   *     none covered by {@code context} or directly following what it covers
   * @throws IllegalArgumentException if the parts do not make a valid set
   */
  static Siblings of(
      VectorClock context,
      long[] lastMillis,
      List<Dot> cloud,
      List<Sibling> siblings,
      SortedMap<NodeId, Long> prunedEpochs) {
    Dot[] c = cloud.toArray(NO_DOTS);
    if (c.length > MAX_CLOUD) {
      throw new IllegalArgumentException(
          c.length + " dots beyond the context, at most " + MAX_CLOUD + " allowed");
    }
    for (int i = 0; i < c.length; i++) {
      if (i > 0 && c[i - 1].compareTo(c[i]) >= 0) {
        throw new IllegalArgumentException(
            "dots beyond the context must be strictly ascending: " + c[i - 1] + ", " + c[i]);
      }
      if (c[i].counter() - 1 <= context.counter(c[i].actor())) {
        throw new IllegalArgumentException(
            "dot " + c[i] + " beyond the context " + context + " is covered by it or follows it");
      }
    }
    if (lastMillis.length != context.size()) {
      throw new IllegalArgumentException(
          lastMillis.length + " write times for " + context.size() + " clock entries");
    }
    for (long t : lastMillis) {
      if (t < 0) {
        throw new IllegalArgumentException("write times must be >= 0, found " + t);
      }
    }
    Sibling[] s = siblings.toArray(NO_SIBLINGS);
    for (int i = 0; i < s.length; i++) {
      if (i > 0 && compare(s[i - 1], s[i]) >= 0) {
        throw new IllegalArgumentException(
            "siblings must be strictly ascending by dot and value: " + s[i - 1] + ", " + s[i]);
      }
      if (!context.covers(s[i].dot())) {
        throw new IllegalArgumentException(
            "sibling " + s[i].dot() + " is not covered by the context " + context);
      }
    }
    NodeId[] nodes = prunedEpochs.keySet().toArray(NO_NODES);
    long[] epochs = new long[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      epochs[i] = prunedEpochs.get(nodes[i]);
      if (epochs[i] < 0) {
        throw new IllegalArgumentException("pruned epochs must be >= 0, found " + epochs[i]);
      }
    }
    if (context.isEmpty() && c.length == 0 && s.length == 0 && nodes.length == 0) {
      return EMPTY;
    }
    return new Siblings(context, lastMillis.clone(), c, s, nodes, epochs);
  }

  // ---- the coordinator's write ----

  /**
   * The actor {@code node} MUST use to coordinate the next write of this key on this, its local,
   * set, given the (verified) context the write carries: its highest-epoch actor in the set if that
   * actor's record is trustworthy, otherwise a fresh epoch leased from {@code epochs}.
   *
   * <p>The highest-epoch actor {@code (node, e)} is trusted when all of these hold:
   *
   * <ul>
   *   <li>{@code e >= epochs.incarnation()}: the entry is not from a life of the node whose data it
   *       may have lost or rolled back;
   *   <li>{@code e > prunedEpoch(node)}: no actor of the node at or above {@code e} was ever
   *       pruned, since a pruned entry can come back from a stale replica with a lower counter;
   *   <li>the counter has room for one more event;
   *   <li>Riak's check: {@code context} shows no actor of {@code node} that this record could
   *       continue (of this incarnation, above the pruned epoch) with a counter above this set's,
   *       which would prove that this record lost commits.
   * </ul>
   *
   * <p>Epochs of the node at or above {@code epochs.leasedBelow()} were never leased (forged, or
   * from a forgotten life): they are never candidates. Epochs at or above {@code epochs.ceiling()}
   * cannot be from any life of the node: forged, they are not even a floor to lease above, so no
   * context can push the node's epochs to the end of their range.
   *
   * <p>Why no dot is ever reused: a node issues dots only through {@link #update} of its local set,
   * so a trusted entry holds the highest counter the actor issued for this key, and {@code update}
   * continues above it. A fresh epoch has never issued a dot; it is leased above every epoch of the
   * node this set or the context knows of, and is never one the context already names.
   *
   * @param context the write's verified context (empty for a blind write)
   * @throws IllegalStateException if {@code epochs} breaks its contract
   */
  public Actor actorFor(NodeId node, VectorClock context, EpochSource epochs) {
    Objects.requireNonNull(context, "context");
    long leasedBelow = epochs.leasedBelow();
    long ceiling = epochs.ceiling();
    long floor = prunedEpoch(node);
    Actor highest = null;
    long known = -1;
    for (int i = 0; i < this.context.size(); i++) {
      Actor a = this.context.actorAt(i);
      if (a.node().equals(node)) {
        if (a.epoch() < leasedBelow) {
          highest = a; // entries are in actor order: the last one has the highest epoch
        }
        known = plausibleMax(known, a.epoch(), ceiling);
      }
    }
    boolean lostCommits = false;
    for (int i = 0; i < context.size(); i++) {
      Actor a = context.actorAt(i);
      if (a.node().equals(node)) {
        known = plausibleMax(known, a.epoch(), ceiling);
        // Only actors this record could still continue count: older or pruned ones never are.
        boolean continuable =
            a.epoch() >= epochs.incarnation() && a.epoch() > floor && a.epoch() < leasedBelow;
        lostCommits |= continuable && context.counterAt(i) > this.context.counter(a);
      }
    }
    for (Dot d : cloud) { // seen here beyond the vector: as telling as a context's counter
      Actor a = d.actor();
      if (a.node().equals(node)) {
        known = plausibleMax(known, a.epoch(), ceiling);
        boolean continuable =
            a.epoch() >= epochs.incarnation() && a.epoch() > floor && a.epoch() < leasedBelow;
        lostCommits |= continuable && d.counter() > this.context.counter(a);
      }
    }
    if (highest != null
        && !lostCommits
        && highest.epoch() >= epochs.incarnation()
        && highest.epoch() > floor
        && this.context.counter(highest) < Long.MAX_VALUE) {
      return highest;
    }
    long above = plausibleMax(known, floor, ceiling);
    for (int tries = 0; ; tries++) {
      long fresh = epochs.leaseAbove(above);
      if (fresh <= above || fresh < epochs.incarnation() || fresh >= epochs.leasedBelow()) {
        throw new IllegalStateException(
            "epoch source leased "
                + fresh
                + " but must lease above "
                + above
                + ", at least the incarnation "
                + epochs.incarnation()
                + " and below its lease "
                + epochs.leasedBelow());
      }
      Actor actor = new Actor(node, fresh);
      if (this.context.counter(actor) == 0 && context.counter(actor) == 0) {
        return actor;
      }
      // Only a forged context names an epoch never leased; step over it.
      if (tries > context.size() + this.context.size()) {
        throw new IllegalStateException("epoch source keeps leasing epochs the set names");
      }
      above = fresh;
    }
  }

  /**
   * {@link #actorFor(NodeId, VectorClock, EpochSource)} for a write carrying {@code context}: its
   * {@linkplain CausalContext#ceiling() ceiling} is what it names of each actor.
   */
  public Actor actorFor(NodeId node, CausalContext context, EpochSource epochs) {
    return actorFor(node, context.ceiling(), epochs);
  }

  /** The larger of the two, ignoring an epoch at or above the node's ceiling (a forged one). */
  private static long plausibleMax(long a, long epoch, long ceiling) {
    return epoch < ceiling ? Math.max(a, epoch) : a;
  }

  /** {@link #update(CausalContext, Versioned, Actor)} with a context that is a vector alone. */
  public Siblings update(VectorClock context, Versioned value, Actor actor) {
    return update(CausalContext.of(context), value, actor);
  }

  /**
   * Applies a new write coordinated by {@code actor}, on the coordinator's local set: drops every
   * local sibling whose dot {@code context} covers, keeps the others, and adds {@code value} with
   * the dot {@code (actor, max(local counter, context's ceiling) + 1)}. The result has seen
   * everything the local set and {@code context} had seen, and the new dot.
   *
   * @param context the causal context the client read or last wrote (empty for a blind write)
   * @param value the new value or tombstone
   * @param actor from {@link #actorFor}; using any other actor MAY reissue a dot and lose writes
   * @throws IllegalArgumentException if the actor has no counter left ({@link #actorFor} never
   *     returns such an actor)
   */
  public Siblings update(CausalContext context, Versioned value, Actor actor) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(actor, "actor");
    long seen = Math.max(this.context.counter(actor), context.ceiling().counter(actor));
    for (Dot d : cloud) {
      seen = d.actor().equals(actor) ? Math.max(seen, d.counter()) : seen;
    }
    if (seen == Long.MAX_VALUE) {
      throw new IllegalArgumentException(actor + " has issued its last counter for this key");
    }
    Dot dot = new Dot(actor, seen + 1);
    List<Sibling> out = new ArrayList<>(siblings.length + 1);
    Sibling added = new Sibling(dot, value);
    boolean placed = false;
    for (Sibling s : siblings) {
      if (context.covers(s.dot())) {
        continue;
      }
      if (!placed && compare(added, s) < 0) {
        out.add(added);
        placed = true;
      }
      out.add(s);
    }
    if (!placed) {
      out.add(added);
    }
    // A context carries no write times. What it teaches this set (actors it lacked, counters
    // beyond its own) is stamped with this write's time: a time of 0 would make the newest
    // knowledge the first to be pruned, and the value it superseded would come back as a sibling.
    // An old context re-teaching an actor pruned here long ago is stamped too: it cannot be told
    // apart from that actor's node still writing with it (it learns of the pruning only by sync),
    // whose newest values must not be the first to go.
    long now = value.wallMillis();
    VectorClock taught = context.clock();
    long[] learnt = new long[taught.size()];
    for (int i = 0; i < learnt.length; i++) {
      learnt[i] = taught.counterAt(i) > this.context.counter(taught.actorAt(i)) ? now : 0;
    }
    Entries merged = Entries.merge(this.context, lastMillis, taught, learnt);
    merged.set(actor, dot.counter(), now);
    Dot[] seenBeyond = merged.fold(cloud, context.dotArray(), now);
    return new Siblings(
        merged.clock(),
        merged.millis(),
        seenBeyond,
        out.toArray(NO_SIBLINGS),
        floorNodes,
        floorEpochs);
  }

  // ---- replicas ----

  /**
   * Merges two replicas' sets of the same key: the result has seen everything either has seen, and
   * keeps every sibling of either that the other has not superseded. A set supersedes a dot when
   * its context covers the dot and it holds no sibling with that dot. Commutative, associative and
   * idempotent.
   *
   * <p>Two different values under one dot are both kept: the dot was issued twice, and dropping
   * either would lose a write silently. {@link #reissuedDots()} makes it visible.
   */
  public static Siblings sync(Siblings a, Siblings b) {
    if (a == b || b == EMPTY || a.equals(b)) {
      return a;
    }
    if (a == EMPTY) {
      return b;
    }
    List<Sibling> out = new ArrayList<>(a.siblings.length + b.siblings.length);
    int i = 0;
    int j = 0;
    while (i < a.siblings.length || j < b.siblings.length) {
      int cmp =
          i == a.siblings.length
              ? 1
              : j == b.siblings.length ? -1 : compare(a.siblings[i], b.siblings[j]);
      if (cmp == 0) {
        out.add(a.siblings[i++]);
        j++;
      } else if (cmp < 0) {
        Sibling s = a.siblings[i++];
        if (!b.supersedes(s.dot())) {
          out.add(s);
        }
      } else {
        Sibling s = b.siblings[j++];
        if (!a.supersedes(s.dot())) {
          out.add(s);
        }
      }
    }
    Entries merged = Entries.merge(a.context, a.lastMillis, b.context, b.lastMillis);
    Dot[] seenBeyond = merged.fold(a.cloud, b.cloud, 0);
    if (b.floorNodes.length == 0
        || Arrays.equals(a.floorNodes, b.floorNodes)
            && Arrays.equals(a.floorEpochs, b.floorEpochs)) {
      return new Siblings(
          merged.clock(),
          merged.millis(),
          seenBeyond,
          out.toArray(NO_SIBLINGS),
          a.floorNodes,
          a.floorEpochs);
    }
    if (a.floorNodes.length == 0) {
      return new Siblings(
          merged.clock(),
          merged.millis(),
          seenBeyond,
          out.toArray(NO_SIBLINGS),
          b.floorNodes,
          b.floorEpochs);
    }
    TreeMap<NodeId, Long> floors = new TreeMap<>(a.prunedEpochs());
    b.prunedEpochs().forEach((n, e) -> floors.merge(n, e, Math::max));
    return new Siblings(
        merged.clock(),
        merged.millis(),
        seenBeyond,
        out.toArray(NO_SIBLINGS),
        floors.keySet().toArray(NO_NODES),
        floors.values().stream().mapToLong(Long::longValue).toArray());
  }

  /** {@link #sync} of all the given sets; the empty set if there are none. */
  public static Siblings syncAll(Iterable<Siblings> sets) {
    Siblings result = EMPTY;
    for (Siblings s : sets) {
      result = sync(result, s);
    }
    return result;
  }

  private boolean supersedes(Dot dot) {
    return hasSeen(dot) && !holds(dot);
  }

  /** True if this set has seen the write of {@code dot}: its vector or the dots beyond cover it. */
  public boolean hasSeen(Dot dot) {
    return context.covers(dot) || Arrays.binarySearch(cloud, dot) >= 0;
  }

  private boolean holds(Dot dot) {
    int lo = 0;
    int hi = siblings.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = compareDots(siblings[mid].dot(), dot);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes clock entries of actors without a sibling, oldest write time first (ties by actor),
   * until at most {@code maxEntries} remain or only entries of siblings' actors are left; never
   * removes an entry whose actor has a sibling (value or tombstone), so the result keeps at most
   * {@code max(maxEntries, actors with a sibling)} entries. Records each removed epoch in {@link
   * #prunedEpoch}.
   *
   * <p>Also forgets the dots seen beyond the vector of the actors it removes, and of actors removed
   * before (absent from the vector, at or below their node's pruned epoch), which nothing would
   * fold in any more.
   *
   * <p>A function of this set alone. Pruning forgets history only: it can make a superseded value
   * reappear as a (false) sibling when synced with a replica that still holds it, but it can never
   * make a value disappear.
   *
   * @param maxEntries the threshold ({@code >= 1}; the paper uses 10)
   */
  public Siblings pruned(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("prune threshold must be >= 1, found: " + maxEntries);
    }
    return withoutStrandedDots().prunedEntries(maxEntries);
  }

  /**
   * Without the dots seen beyond the vector whose actor the vector lacks and whose epoch is at or
   * below its node's pruned epoch: an actor pruned here, so nothing may ever fold them in.
   */
  private Siblings withoutStrandedDots() {
    List<Dot> kept = null;
    for (int i = 0; i < cloud.length; i++) {
      Actor a = cloud[i].actor();
      boolean stranded = context.counter(a) == 0 && a.epoch() <= prunedEpoch(a.node());
      if (stranded && kept == null) {
        kept = new ArrayList<>(Arrays.asList(cloud).subList(0, i));
      } else if (!stranded && kept != null) {
        kept.add(cloud[i]);
      }
    }
    return kept == null
        ? this
        : new Siblings(
            context, lastMillis, kept.toArray(NO_DOTS), siblings, floorNodes, floorEpochs);
  }

  private Siblings prunedEntries(int maxEntries) {
    int excess = context.size() - maxEntries;
    if (excess <= 0) {
      return this;
    }
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < context.size(); i++) {
      if (!hasSiblingOf(context.actorAt(i))) {
        candidates.add(i);
      }
    }
    if (candidates.isEmpty()) {
      return this;
    }
    candidates.sort(
        Comparator.<Integer>comparingLong(i -> lastMillis[i])
            .thenComparing(i -> context.actorAt(i)));
    boolean[] removed = new boolean[context.size()];
    TreeMap<NodeId, Long> floors = new TreeMap<>(prunedEpochs());
    for (int k = 0; k < Math.min(excess, candidates.size()); k++) {
      int i = candidates.get(k);
      removed[i] = true;
      Actor a = context.actorAt(i);
      if (a.epoch() < EpochSource.MAX_EPOCH) { // no node leases above it: nothing to guard
        floors.merge(a.node(), a.epoch(), Math::max);
      }
    }
    int kept = context.size() - Math.min(excess, candidates.size());
    Actor[] actors = new Actor[kept];
    long[] counters = new long[kept];
    long[] millis = new long[kept];
    int n = 0;
    for (int i = 0; i < context.size(); i++) {
      if (!removed[i]) {
        actors[n] = context.actorAt(i);
        counters[n] = context.counterAt(i);
        millis[n++] = lastMillis[i];
      }
    }
    VectorClock keptClock = VectorClock.ofSorted(actors, counters);
    List<Dot> keptBeyond = new ArrayList<>(cloud.length);
    for (Dot d : cloud) {
      if (keptClock.counter(d.actor()) > 0 || context.counter(d.actor()) == 0) {
        keptBeyond.add(d); // forgetting an actor forgets what was seen of it beyond the vector
      }
    }
    return new Siblings(
        keptClock,
        millis,
        keptBeyond.toArray(NO_DOTS),
        siblings,
        floors.keySet().toArray(NO_NODES),
        floors.values().stream().mapToLong(Long::longValue).toArray());
  }

  private boolean hasSiblingOf(Actor actor) {
    for (Sibling s : siblings) {
      if (s.dot().actor().equals(actor)) {
        return true;
      }
    }
    return false;
  }

  // ---- queries ----

  /**
   * The highest epoch of {@code node}'s actors ever pruned from this set or from a set it was
   * synced with; -1 if none. {@link #actorFor} never reuses an actor of the node at or below it.
   */
  public long prunedEpoch(NodeId node) {
    int i = Arrays.binarySearch(floorNodes, node);
    return i >= 0 ? floorEpochs[i] : -1;
  }

  /** Every node's highest pruned epoch, by node. */
  public SortedMap<NodeId, Long> prunedEpochs() {
    if (floorNodes.length == 0) {
      return Collections.emptySortedMap();
    }
    TreeMap<NodeId, Long> m = new TreeMap<>();
    for (int i = 0; i < floorNodes.length; i++) {
      m.put(floorNodes[i], floorEpochs[i]);
    }
    return Collections.unmodifiableSortedMap(m);
  }

  /**
   * The version vector of what this set has seen: it covers every sibling. What it has seen beyond
   * the vector is in {@link #causalContext()}.
   */
  public VectorClock context() {
    return context;
  }

  /**
   * Everything this set has seen, what a read hands to the client: the vector and the dots seen
   * beyond it (the first {@link CausalContext#MAX_DOTS} of them, when there are more: naming less
   * is safe, as a write then supersedes less).
   */
  public CausalContext causalContext() {
    if (cloud.length == 0) {
      return CausalContext.of(context);
    }
    return CausalContext.of(
        context, Arrays.asList(cloud).subList(0, Math.min(cloud.length, CausalContext.MAX_DOTS)));
  }

  /** Dots seen beyond {@link #context()}, ascending (for the codec). */
  List<Dot> cloud() {
    return List.of(cloud);
  }

  /** True if this set has seen dots beyond its vector (it is then written in format 3). */
  public boolean hasDotsBeyond() {
    return cloud.length > 0;
  }

  /**
   * This set without the dots it has seen beyond its vector, for a node that may not write format 3
   * yet. Like pruning it forgets history only: a superseded value may come back as a false sibling,
   * none can disappear.
   */
  public Siblings withoutDotsBeyond() {
    if (cloud.length == 0) {
      return this;
    }
    return new Siblings(context, lastMillis, NO_DOTS, siblings, floorNodes, floorEpochs);
  }

  /** Every sibling, tombstones included, ordered by dot (actor, then counter), then value. */
  public List<Sibling> siblings() {
    return List.of(siblings);
  }

  /** Every sibling's payload, tombstones included, in {@link #siblings()} order. */
  public List<Versioned> values() {
    return values(true);
  }

  /** The siblings' payloads without tombstones, in {@link #siblings()} order. */
  public List<Versioned> liveValues() {
    return values(false);
  }

  private List<Versioned> values(boolean tombstones) {
    List<Versioned> out = new ArrayList<>(siblings.length);
    for (Sibling s : siblings) {
      if (tombstones || !s.value().isTombstone()) {
        out.add(s.value());
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The context of exactly the version a write added with {@code actor}'s next dot: {@code seen}
   * (the writer's context) plus the new dot, so that a follow-up write carrying it supersedes that
   * version and nothing its client has not seen. Call it on the set the write produced.
   */
  public CausalContext writtenContext(CausalContext seen, Actor actor) {
    return seen.with(new Dot(actor, context.counter(actor)));
  }

  /**
   * How many dots carry more than one value: dots issued twice, which the cluster must never do.
   * Normally 0.
   */
  public int reissuedDots() {
    int n = 0;
    for (int i = 1; i < siblings.length; i++) {
      if (siblings[i].dot().equals(siblings[i - 1].dot())
          && (i == 1 || !siblings[i - 1].dot().equals(siblings[i - 2].dot()))) {
        n++;
      }
    }
    return n;
  }

  /** True if the key has no version at all (never written, or its record was purged). */
  public boolean isEmpty() {
    return context.isEmpty() && cloud.length == 0 && siblings.length == 0;
  }

  /** True if no sibling is a live value: the key is absent or deleted. */
  public boolean isDeleted() {
    for (Sibling s : siblings) {
      if (!s.value().isTombstone()) {
        return false;
      }
    }
    return true;
  }

  /** The number of siblings, tombstones included (for the siblings-per-key limit). */
  public int siblingCount() {
    return siblings.length;
  }

  /** The sum of the siblings' value sizes in bytes (for the bytes-per-key limit). */
  public long totalValueBytes() {
    long n = 0;
    for (Sibling s : siblings) {
      n += s.value().size();
    }
    return n;
  }

  /** The number of clock entries (actors), the quantity {@link #pruned} bounds. */
  public int clockSize() {
    return context.size();
  }

  long lastMillisAt(int entry) {
    return lastMillis[entry];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Siblings other
        && context.equals(other.context)
        && Arrays.equals(lastMillis, other.lastMillis)
        && Arrays.equals(cloud, other.cloud)
        && Arrays.equals(siblings, other.siblings)
        && Arrays.equals(floorNodes, other.floorNodes)
        && Arrays.equals(floorEpochs, other.floorEpochs);
  }

  @Override
  public int hashCode() {
    return (context.hashCode() * 31 + Arrays.hashCode(siblings)) * 31
        + Arrays.hashCode(floorEpochs);
  }

  @Override
  public String toString() {
    return "Siblings"
        + Arrays.toString(siblings)
        + " context "
        + context
        + (cloud.length == 0 ? "" : "+" + Arrays.toString(cloud))
        + (floorNodes.length == 0 ? "" : " pruned " + prunedEpochs());
  }

  // ---- ordering ----

  static int compare(Sibling a, Sibling b) {
    int c = compareDots(a.dot(), b.dot());
    return c != 0 ? c : compareValues(a.value(), b.value());
  }

  private static int compareDots(Dot a, Dot b) {
    int c = a.actor().compareTo(b.actor());
    return c != 0 ? c : Long.compare(a.counter(), b.counter());
  }

  private static int compareValues(Versioned a, Versioned b) {
    int c = Boolean.compare(a.isTombstone(), b.isTombstone());
    if (c == 0) {
      c = Long.compare(a.wallMillis(), b.wallMillis());
    }
    return c != 0 ? c : Arrays.compareUnsigned(a.rawValue(), b.rawValue());
  }

  /** Clock entries with their write times, merged by maximum. */
  private static final class Entries {
    private Actor[] actors;
    private long[] counters;
    private long[] millis;
    private int size;

    private Entries(Actor[] actors, long[] counters, long[] millis, int size) {
      this.actors = actors;
      this.counters = counters;
      this.millis = millis;
      this.size = size;
    }

    /**
     * The entry-wise maximum, with room for one more entry; {@code mb == null} means write times of
     * 0.
     */
    static Entries merge(VectorClock a, long[] ma, VectorClock b, long[] mb) {
      int cap = a.size() + b.size() + 1;
      Actor[] actors = new Actor[cap];
      long[] counters = new long[cap];
      long[] millis = new long[cap];
      int i = 0;
      int j = 0;
      int n = 0;
      while (i < a.size() || j < b.size()) {
        int cmp = i == a.size() ? 1 : j == b.size() ? -1 : a.actorAt(i).compareTo(b.actorAt(j));
        if (cmp < 0) {
          actors[n] = a.actorAt(i);
          counters[n] = a.counterAt(i);
          millis[n++] = ma[i++];
        } else if (cmp > 0) {
          actors[n] = b.actorAt(j);
          counters[n] = b.counterAt(j);
          millis[n++] = mb == null ? 0 : mb[j];
          j++;
        } else {
          actors[n] = a.actorAt(i);
          counters[n] = Math.max(a.counterAt(i), b.counterAt(j));
          millis[n++] = Math.max(ma[i++], mb == null ? 0 : mb[j]);
          j++;
        }
      }
      return new Entries(actors, counters, millis, n);
    }

    /**
     * Folds into these entries the dots of {@code a} and {@code b} (each ascending) that directly
     * follow them, raising the entries' write times to at least {@code time}, and returns the rest
     * that are not covered: ascending, at most {@link #MAX_CLOUD} (the highest).
     */
    Dot[] fold(Dot[] a, Dot[] b, long time) {
      if (a.length == 0 && b.length == 0) {
        return NO_DOTS;
      }
      TreeSet<Dot> all = new TreeSet<>(Arrays.asList(a));
      all.addAll(Arrays.asList(b));
      List<Dot> beyond = new ArrayList<>();
      for (Dot d : all) { // by actor, then counter: a dot can fold right after the one before it
        long seen = counter(d.actor());
        if (d.counter() == seen + 1) {
          set(d.actor(), d.counter(), time);
        } else if (d.counter() > seen) {
          beyond.add(d);
        }
      }
      int from = Math.max(0, beyond.size() - MAX_CLOUD);
      return beyond.subList(from, beyond.size()).toArray(NO_DOTS);
    }

    long counter(Actor actor) {
      for (int i = 0; i < size; i++) {
        if (actors[i].equals(actor)) {
          return counters[i];
        }
      }
      return 0;
    }

    /** Sets {@code actor}'s counter (inserting it) and raises its write time to {@code time}. */
    void set(Actor actor, long counter, long time) {
      int at = 0;
      while (at < size && actors[at].compareTo(actor) < 0) {
        at++;
      }
      if (at < size && actors[at].equals(actor)) {
        counters[at] = counter;
        millis[at] = Math.max(millis[at], time);
        return;
      }
      if (size == actors.length) {
        actors = Arrays.copyOf(actors, size + 4);
        counters = Arrays.copyOf(counters, size + 4);
        millis = Arrays.copyOf(millis, size + 4);
      }
      System.arraycopy(actors, at, actors, at + 1, size - at);
      System.arraycopy(counters, at, counters, at + 1, size - at);
      System.arraycopy(millis, at, millis, at + 1, size - at);
      actors[at] = actor;
      counters[at] = counter;
      millis[at] = time;
      size++;
    }

    VectorClock clock() {
      return VectorClock.ofSorted(Arrays.copyOf(actors, size), Arrays.copyOf(counters, size));
    }

    long[] millis() {
      return Arrays.copyOf(millis, size);
    }
  }
}
