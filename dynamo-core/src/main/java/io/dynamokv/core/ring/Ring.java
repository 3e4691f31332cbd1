/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One immutable, versioned assignment of the ring to physical nodes (paper §4.2, §6.2).
 *
 * <p>The ring is cut into {@link #partitionCount() partitions} numbered clockwise from 0, each a
 * contiguous {@link TokenRange} with one {@link #owner(int) owner}:
 *
 * <ul>
 *   <li>{@link PartitionStrategy#FIXED_PARTITIONS} (strategy 3): Q equal partitions, Q a power of
 *       two; partition {@code p} holds the tokens whose top log2(Q) bits equal {@code p}.
 *   <li>{@link PartitionStrategy#RANDOM_TOKENS} (strategy 1): the nodes' tokens sorted clockwise;
 *       partition {@code i} is {@code [token[i-1], token[i])} (partition 0 wraps) and belongs to
 *       the node of {@code token[i]}: an item belongs to the first token clockwise strictly above
 *       its position, as in the paper.
 * </ul>
 *
 * <p>The {@link #preferenceList(Token, int) preference list} of a key walks clockwise from the
 * key's partition and collects distinct physical nodes, skipping further partitions of nodes
 * already taken. When nodes have {@link #zones() zones}, the walk prefers, at each step, the next
 * node from a zone not used yet in the current round; once every zone with untaken nodes is used, a
 * new round starts. Nodes without a zone in a zoned ring count as one zone named {@code ""}. So a
 * list spans as many zones as it can, and {@code preferenceList(t, n)} is always the first {@code
 * n} entries of {@link #extendedPreferenceList(Token)}.
 *
 * <h2>Moving rings</h2>
 *
 * A strategy-3 ring may carry, besides its current layout, a {@link #pending() pending} layout: the
 * owner assignment it is moving to while partitions transfer (issue 20). Every method not named for
 * the pending layout ({@link #owner}, {@link #nodes}, {@link #preferenceList}, ...) answers for the
 * current layout, which holds the data; {@link #replicas}, {@link #pendingOwners} and {@link
 * #allNodes} add the pending one, and {@link #promoted} completes the move. The pending layout is
 * planned from the current one and shares its strategy, Q, epoch and version. Strategy-1 rings
 * never carry a pending layout: their changes still switch owners at once (a known limit).
 *
 * <p>Rings are values: equal content (pending layout included) means equal rings, every node
 * computes the same lists from the same ring, and nothing depends on identity hash codes. Instances
 * are thread-safe. New versions come from {@link RingPlanner}; rings travel between nodes as {@link
 * RingCodec} bytes.
 */
public final class Ring {
  /** The number of preference-list entries precomputed per partition for strategy 3. */
  static final int PRECOMPUTED = 8;

  /** The largest ring size accepted for strategy 3 (2^20 partitions). */
  public static final int MAX_PARTITIONS = 1 << 20;

  private final long epoch;
  private final long version;
  private final PartitionStrategy strategy;
  private final NodeId[] nodes;
  private final String[] zones;
  private final int[] zoneOfNode;
  private final int zoneCount;
  private final int[] owners;
  private final long[] tokenHigh;
  private final long[] tokenLow;
  private final int shift;
  private final int[] counts;
  private final double[] shares;
  private final List<NodeId>[] precomputed;
  private final Ring pending;

  /** Whether {@link #pending} is the layout before a completed move, not the one it moves to. */
  private final boolean retiring;

  private Ring(
      long version,
      PartitionStrategy strategy,
      NodeId[] nodes,
      String[] zones,
      int[] owners,
      long[] tokenHigh,
      long[] tokenLow) {
    if (version < 0) {
      throw new IllegalArgumentException("a ring version is >= 0, found " + version);
    }
    this.epoch = 0;
    this.version = version;
    this.strategy = strategy;
    this.nodes = nodes;
    this.zones = zones;
    this.owners = owners;
    this.tokenHigh = tokenHigh;
    this.tokenLow = tokenLow;
    int q = owners.length;
    this.shift =
        strategy == PartitionStrategy.FIXED_PARTITIONS ? Integer.numberOfTrailingZeros(q) : 0;

    TreeMap<String, Integer> zoneIds = new TreeMap<>();
    boolean anyZone = false;
    for (String zone : zones) {
      anyZone |= zone != null;
    }
    this.zoneOfNode = new int[nodes.length];
    if (anyZone) {
      for (String zone : zones) {
        zoneIds.putIfAbsent(zone == null ? "" : zone, 0);
      }
      int id = 0;
      for (Map.Entry<String, Integer> e : zoneIds.entrySet()) {
        e.setValue(id++);
      }
      for (int i = 0; i < nodes.length; i++) {
        zoneOfNode[i] = zoneIds.get(zones[i] == null ? "" : zones[i]);
      }
    }
    this.zoneCount = anyZone ? zoneIds.size() : 1;

    this.counts = new int[nodes.length];
    for (int owner : owners) {
      counts[owner]++;
    }
    for (int i = 0; i < nodes.length; i++) {
      if (counts[i] == 0) {
        throw new IllegalArgumentException(
            "node " + nodes[i] + " owns no partition; every node of a ring owns at least one");
      }
    }
    this.shares = new double[nodes.length];
    if (strategy == PartitionStrategy.FIXED_PARTITIONS) {
      for (int i = 0; i < nodes.length; i++) {
        shares[i] = (double) counts[i] / q;
      }
    } else {
      for (int i = 0; i < q; i++) {
        shares[owners[i]] += range(i).fraction();
      }
    }

    @SuppressWarnings("unchecked")
    List<NodeId>[] lists = new List[strategy == PartitionStrategy.FIXED_PARTITIONS ? q : 0];
    int length = Math.min(PRECOMPUTED, nodes.length);
    for (int p = 0; p < lists.length; p++) {
      lists[p] = List.of(select(p, length));
    }
    this.precomputed = lists;
    this.pending = null;
    this.retiring = false;
  }

  /** {@code other}'s layout at another epoch and version, with {@code pending} (may be null). */
  private Ring(Ring other, long epoch, long version, Ring pending) {
    this(other, epoch, version, pending, false);
  }

  private Ring(Ring other, long epoch, long version, Ring pending, boolean retiring) {
    if (epoch < 0) {
      throw new IllegalArgumentException("a ring epoch is >= 0, found " + epoch);
    }
    if (version < 0) {
      throw new IllegalArgumentException("a ring version is >= 0, found " + version);
    }
    this.epoch = epoch;
    this.version = version;
    this.strategy = other.strategy;
    this.nodes = other.nodes;
    this.zones = other.zones;
    this.zoneOfNode = other.zoneOfNode;
    this.zoneCount = other.zoneCount;
    this.owners = other.owners;
    this.tokenHigh = other.tokenHigh;
    this.tokenLow = other.tokenLow;
    this.shift = other.shift;
    this.counts = other.counts;
    this.shares = other.shares;
    this.precomputed = other.precomputed;
    this.pending = pending == null ? null : new Ring(pending, epoch, version, null);
    this.retiring = pending != null && retiring;
  }

  /**
   * A strategy-3 ring.
   *
   * @param owners the owner of each partition, clockwise; its size Q is a power of two
   * @param zones the zone of some or all nodes (may be empty); every key must own a partition
   */
  public static Ring ofPartitions(long version, List<NodeId> owners, Map<NodeId, String> zones) {
    int q = owners.size();
    if (q < 1 || q > MAX_PARTITIONS || Integer.bitCount(q) != 1) {
      throw new IllegalArgumentException(
          "the number of partitions Q must be a power of two between 1 and "
              + MAX_PARTITIONS
              + ", found "
              + q);
    }
    TreeSet<NodeId> nodeSet = new TreeSet<>(owners);
    NodeId[] nodes = nodeSet.toArray(new NodeId[0]);
    int[] ownerIndex = new int[q];
    for (int p = 0; p < q; p++) {
      ownerIndex[p] = Arrays.binarySearch(nodes, owners.get(p));
    }
    return new Ring(
        version,
        PartitionStrategy.FIXED_PARTITIONS,
        nodes,
        zonesOf(nodes, zones),
        ownerIndex,
        null,
        null);
  }

  /**
   * A strategy-1 ring.
   *
   * @param tokens every token with the node that placed it (at least one)
   * @param zones the zone of some or all nodes (may be empty); every key must own a token
   */
  public static Ring ofTokens(
      long version, SortedMap<Token, NodeId> tokens, Map<NodeId, String> zones) {
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("a strategy-1 ring needs at least one token");
    }
    TreeMap<Token, NodeId> sorted = new TreeMap<>(tokens);
    NodeId[] nodes = new TreeSet<>(sorted.values()).toArray(new NodeId[0]);
    int size = sorted.size();
    long[] high = new long[size];
    long[] low = new long[size];
    int[] ownerIndex = new int[size];
    int i = 0;
    for (Map.Entry<Token, NodeId> e : sorted.entrySet()) {
      high[i] = e.getKey().high();
      low[i] = e.getKey().low();
      ownerIndex[i] = Arrays.binarySearch(nodes, e.getValue());
      i++;
    }
    return new Ring(
        version,
        PartitionStrategy.RANDOM_TOKENS,
        nodes,
        zonesOf(nodes, zones),
        ownerIndex,
        high,
        low);
  }

  private static String[] zonesOf(NodeId[] nodes, Map<NodeId, String> zones) {
    String[] result = new String[nodes.length];
    for (Map.Entry<NodeId, String> e : new TreeMap<>(zones).entrySet()) {
      int i = Arrays.binarySearch(nodes, e.getKey());
      if (i < 0) {
        throw new IllegalArgumentException(
            "zone given for " + e.getKey() + ", which owns nothing in the ring");
      }
      String zone = e.getValue();
      if (zone == null || zone.isEmpty() || zone.length() > 255) {
        throw new IllegalArgumentException(
            "a zone name has 1 to 255 characters, found '" + zone + "' for " + e.getKey());
      }
      result[i] = zone;
    }
    return result;
  }

  /**
   * Of two rings, the one a node adopts: the higher epoch, then the higher version; for equal
   * epochs and versions with different content (two claimants during a network partition), the one
   * whose {@link RingCodec} bytes are larger in unsigned order, so every node converges on the same
   * ring.
   */
  public static Ring latest(Ring a, Ring b) {
    if (a.epoch != b.epoch) {
      return a.epoch > b.epoch ? a : b;
    }
    if (a.version != b.version) {
      return a.version > b.version ? a : b;
    }
    if (a.equals(b)) {
      return a;
    }
    return Arrays.compareUnsigned(RingCodec.encode(a), RingCodec.encode(b)) >= 0 ? a : b;
  }

  /**
   * The version within the {@link #epoch()}: the planner gives each new ring its predecessor's
   * version plus one.
   */
  public long version() {
    return version;
  }

  /**
   * The ring epoch, which outranks the {@link #version()}: 0 for a cluster's first ring and every
   * ring planned from it. A claimant that has to replace a ring it refused, when no peer holds a
   * valid one, plans a fresh ring in the next epoch ({@link RingPlanner#fresh}), so the fresh ring
   * wins over the refused one however large its version was.
   */
  public long epoch() {
    return epoch;
  }

  /** This ring in ring epoch {@code epoch} (the same ring when it already is). */
  public Ring withEpoch(long epoch) {
    return epoch == this.epoch ? this : new Ring(this, epoch, version, pending, retiring);
  }

  /**
   * This ring, pending layout included, at version {@code version} of the same epoch (the same ring
   * when it already is).
   */
  public Ring atVersion(long version) {
    return version == this.version ? this : new Ring(this, epoch, version, pending, retiring);
  }

  /**
   * The layout this ring is moving to: a ring of the same strategy, Q, epoch and version, itself
   * without a pending layout; empty when nothing moves.
   */
  public Optional<Ring> pending() {
    return Optional.ofNullable(pending);
  }

  /** Whether this ring has a {@link #pending() pending} layout (incoming or retiring). */
  public boolean moving() {
    return pending != null;
  }

  /**
   * Whether the {@link #pending() pending} layout is the one a completed move left behind rather
   * than the one a move goes to: after the switch, the owners that gave partitions up still take
   * the writes (and are still read by nodes that have not seen the switch) until every member has,
   * so that a node on the ring before the switch never reads a copy that misses writes made after
   * it. Nothing streams into a retiring layout.
   */
  public boolean retiring() {
    return retiring;
  }

  /**
   * This ring's current layout, at this ring's epoch and version, with {@code previous}' owner
   * assignment as its retiring layout (see {@link #retiring()}); {@link #withoutPending()} when
   * they are the same.
   */
  public Ring withRetiring(Ring previous) {
    Ring moving = withPending(previous);
    return moving.pending == null ? moving : new Ring(this, epoch, version, moving.pending, true);
  }

  /**
   * This ring's current layout, at this ring's epoch and version, moving to {@code next}'s owner
   * assignment (with {@code next}'s zones; its epoch and version are ignored). When {@code next}
   * lays the ring out exactly as the current layout (same owners and zones), nothing moves and the
   * result is {@link #withoutPending()}.
   *
   * @throws IllegalArgumentException unless both rings are strategy 3 with the same Q and {@code
   *     next} has no pending layout of its own
   */
  public Ring withPending(Ring next) {
    if (strategy != PartitionStrategy.FIXED_PARTITIONS
        || next.strategy != PartitionStrategy.FIXED_PARTITIONS) {
      throw new IllegalArgumentException(
          "only strategy-3 rings carry a pending layout, found "
              + strategy
              + " moving to "
              + next.strategy);
    }
    if (next.owners.length != owners.length) {
      throw new IllegalArgumentException(
          "a pending layout has the ring's Q="
              + owners.length
              + " partitions, found Q="
              + next.owners.length);
    }
    if (next.pending != null) {
      throw new IllegalArgumentException(
          "the pending layout must not be moving itself; pass next.withoutPending()");
    }
    if (sameLayout(next)) {
      return withoutPending();
    }
    return new Ring(this, epoch, version, next);
  }

  /** The current layout only, at the same epoch and version (this ring when nothing moves). */
  public Ring withoutPending() {
    return pending == null ? this : new Ring(this, epoch, version, null);
  }

  /**
   * The next step of a move, at version + 1 of the same epoch: for an incoming pending layout, the
   * switch (the pending layout becomes current, the current one retiring); for a {@link
   * #retiring()} one, the end (the current layout alone).
   *
   * @throws IllegalStateException if this ring is not {@link #moving()}
   */
  public Ring promoted() {
    if (pending == null) {
      throw new IllegalStateException(
          "ring epoch " + epoch + " version " + version + " is not moving: nothing to promote");
    }
    if (retiring) {
      return new Ring(this, epoch, version + 1, null);
    }
    return new Ring(pending, epoch, version + 1, new Ring(this, epoch, version, null), true);
  }

  private boolean sameLayout(Ring other) {
    return Arrays.equals(nodes, other.nodes)
        && Arrays.equals(zones, other.zones)
        && Arrays.equals(owners, other.owners);
  }

  public PartitionStrategy strategy() {
    return strategy;
  }

  /** Q for strategy 3; the total number of tokens for strategy 1. */
  public int partitionCount() {
    return owners.length;
  }

  /** The physical nodes of the current layout, in id order. */
  public SortedSet<NodeId> nodes() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(Arrays.asList(nodes)));
  }

  /**
   * The nodes of the current and the pending layout, in id order: every node that holds or is to
   * receive a part of the ring ({@link #nodes()} when nothing moves).
   */
  public SortedSet<NodeId> allNodes() {
    TreeSet<NodeId> all = new TreeSet<>(Arrays.asList(nodes));
    if (pending != null) {
      all.addAll(Arrays.asList(pending.nodes));
    }
    return Collections.unmodifiableSortedSet(all);
  }

  /** The number of physical nodes, S. */
  public int nodeCount() {
    return nodes.length;
  }

  /** The zones of the nodes that have one (empty when the ring is not zone-aware). */
  public SortedMap<NodeId, String> zones() {
    TreeMap<NodeId, String> result = new TreeMap<>();
    for (int i = 0; i < nodes.length; i++) {
      if (zones[i] != null) {
        result.put(nodes[i], zones[i]);
      }
    }
    return Collections.unmodifiableSortedMap(result);
  }

  public Optional<String> zoneOf(NodeId node) {
    return Optional.ofNullable(zones[indexOf(node)]);
  }

  /** Whether {@code node} is in the ring. */
  public boolean contains(NodeId node) {
    return Arrays.binarySearch(nodes, node) >= 0;
  }

  /** The owner of {@code partition}. */
  public NodeId owner(int partition) {
    return nodes[owners[checkPartition(partition)]];
  }

  /** The owner of every partition, clockwise. */
  public List<NodeId> owners() {
    NodeId[] result = new NodeId[owners.length];
    for (int p = 0; p < owners.length; p++) {
      result[p] = nodes[owners[p]];
    }
    return List.of(result);
  }

  /** The partitions {@code node} owns, ascending (empty for a node not in the ring). */
  public List<Integer> partitionsOf(NodeId node) {
    int i = Arrays.binarySearch(nodes, node);
    List<Integer> result = new ArrayList<>();
    if (i >= 0) {
      for (int p = 0; p < owners.length; p++) {
        if (owners[p] == i) {
          result.add(p);
        }
      }
    }
    return Collections.unmodifiableList(result);
  }

  /** Strategy 1: every token with its node. Strategy 3: the first token of every partition. */
  public SortedMap<Token, NodeId> tokens() {
    TreeMap<Token, NodeId> result = new TreeMap<>();
    for (int p = 0; p < owners.length; p++) {
      result.put(
          strategy == PartitionStrategy.RANDOM_TOKENS ? token(p) : range(p).start(), owner(p));
    }
    return Collections.unmodifiableSortedMap(result);
  }

  /** The partition {@code token} belongs to. */
  public int partitionOf(Token token) {
    if (strategy == PartitionStrategy.FIXED_PARTITIONS) {
      return shift == 0 ? 0 : (int) (token.high() >>> (64 - shift));
    }
    // The first token strictly greater than the key's token; past the last one, wrap to 0.
    int lo = 0;
    int hi = owners.length;
    long th = token.high();
    long tl = token.low();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      int c = Long.compareUnsigned(tokenHigh[mid], th);
      if (c == 0) {
        c = Long.compareUnsigned(tokenLow[mid], tl);
      }
      if (c <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == owners.length ? 0 : lo;
  }

  /** The tokens of {@code partition}; see {@link StorageKeys#scanRanges} for the storage scan. */
  public TokenRange range(int partition) {
    checkPartition(partition);
    int q = owners.length;
    if (strategy == PartitionStrategy.FIXED_PARTITIONS) {
      return new TokenRange(partitionStart(partition), partitionStart((partition + 1) % q));
    }
    return new TokenRange(token((partition - 1 + q) % q), token(partition));
  }

  private Token partitionStart(int partition) {
    return shift == 0 ? Token.MIN : new Token((long) partition << (64 - shift), 0L);
  }

  private Token token(int index) {
    return new Token(tokenHigh[index], tokenLow[index]);
  }

  /**
   * The first {@code min(n, S)} distinct physical nodes clockwise from {@code token}'s partition,
   * zone-aware as described on the class. Strategy 3 answers from a table for {@code n <= 8}.
   */
  public List<NodeId> preferenceList(Token token, int n) {
    return preferenceList(partitionOf(token), n);
  }

  /** The preference list of every key in {@code partition}. */
  public List<NodeId> preferenceList(int partition, int n) {
    checkPartition(partition);
    if (n < 1) {
      throw new IllegalArgumentException("a preference list has n >= 1 nodes, asked for " + n);
    }
    if (strategy == PartitionStrategy.FIXED_PARTITIONS) {
      List<NodeId> list = precomputed[partition];
      if (n >= list.size() && list.size() == nodes.length) {
        return list;
      }
      if (n <= list.size()) {
        return n == list.size() ? list : list.subList(0, n);
      }
    }
    return List.of(select(partition, n));
  }

  /**
   * Every physical node, ordered as the walk from {@code token}'s partition reaches it: the {@link
   * #preferenceList(Token, int) preference list} followed by the stand-ins for sloppy quorum (paper
   * §4.6).
   */
  public List<NodeId> extendedPreferenceList(Token token) {
    return extendedPreferenceList(partitionOf(token));
  }

  /** The extended preference list of every key in {@code partition}. */
  public List<NodeId> extendedPreferenceList(int partition) {
    checkPartition(partition);
    if (strategy == PartitionStrategy.FIXED_PARTITIONS
        && precomputed[partition].size() == nodes.length) {
      return precomputed[partition];
    }
    return List.of(select(partition, nodes.length));
  }

  /** The {@link #replicas(int, int) replicas} of every key in {@code token}'s partition. */
  public List<NodeId> replicas(Token token, int n) {
    return replicas(partitionOf(token), n);
  }

  /**
   * The nodes that take a partition's reads and writes while it moves: its {@link
   * #preferenceList(int, int) preference list} of {@code n} in the current layout, followed by the
   * entries of the first {@code n} in the pending layout that are not already in it. Without a
   * pending layout, the preference list itself.
   */
  public List<NodeId> replicas(int partition, int n) {
    List<NodeId> current = preferenceList(partition, n);
    if (pending == null) {
      return current;
    }
    List<NodeId> joining = pendingOwners(partition, n);
    if (joining.isEmpty()) {
      return current;
    }
    List<NodeId> result = new ArrayList<>(current.size() + joining.size());
    result.addAll(current);
    result.addAll(joining);
    return Collections.unmodifiableList(result);
  }

  /**
   * The {@link #pendingOwners(int, int) pending owners} of a partition that are to receive its
   * data: empty for a {@link #retiring()} layout, whose owners hold it already.
   */
  public List<NodeId> incomingOwners(int partition, int n) {
    return retiring ? List.of() : pendingOwners(partition, n);
  }

  /** The {@link #pendingOwners(int, int) pending owners} of {@code token}'s partition. */
  public List<NodeId> pendingOwners(Token token, int n) {
    return pendingOwners(partitionOf(token), n);
  }

  /**
   * The nodes among the first {@code n} of the partition's preference list in the pending layout
   * that are not among the first {@code n} in the current one, in pending-list order: the nodes
   * that must receive the partition's data before the move completes. Empty when not {@link
   * #moving()}.
   */
  public List<NodeId> pendingOwners(int partition, int n) {
    List<NodeId> current = preferenceList(partition, n);
    if (pending == null) {
      return List.of();
    }
    List<NodeId> result = new ArrayList<>();
    for (NodeId node : pending.preferenceList(partition, n)) {
      if (!current.contains(node)) {
        result.add(node);
      }
    }
    return result.isEmpty() ? List.of() : Collections.unmodifiableList(result);
  }

  /** The fraction of the ring {@code node} owns, in [0, 1] (0 for a node not in the ring). */
  public double ownershipShare(NodeId node) {
    int i = Arrays.binarySearch(nodes, node);
    return i < 0 ? 0.0 : shares[i];
  }

  private NodeId[] select(int start, int limit) {
    int size = Math.min(limit, nodes.length);
    int[] picked = zoneCount > 1 ? selectZoned(start, size) : selectPlain(start, size);
    NodeId[] result = new NodeId[size];
    for (int i = 0; i < size; i++) {
      result[i] = nodes[picked[i]];
    }
    return result;
  }

  private int[] selectPlain(int start, int size) {
    int[] picked = new int[size];
    boolean[] taken = size > 16 ? new boolean[nodes.length] : null;
    int k = 0;
    int q = owners.length;
    for (int step = 0; step < q && k < size; step++) {
      int owner = owners[(start + step) % q];
      if (taken != null) {
        if (!taken[owner]) {
          taken[owner] = true;
          picked[k++] = owner;
        }
      } else if (!contains(picked, k, owner)) {
        picked[k++] = owner;
      }
    }
    return picked;
  }

  private static boolean contains(int[] values, int length, int value) {
    for (int i = 0; i < length; i++) {
      if (values[i] == value) {
        return true;
      }
    }
    return false;
  }

  private int[] selectZoned(int start, int size) {
    int s = nodes.length;
    int q = owners.length;
    int[] walk = new int[s];
    boolean[] seen = new boolean[s];
    int walked = 0;
    int step = 0;
    int[] untakenPerZone = new int[zoneCount];
    for (int i = 0; i < s; i++) {
      untakenPerZone[zoneOfNode[i]]++;
    }
    boolean[] taken = new boolean[s];
    boolean[] zoneUsed = new boolean[zoneCount];
    int[] picked = new int[size];
    int firstUntaken = 0;
    for (int k = 0; k < size; k++) {
      boolean available = false;
      for (int z = 0; z < zoneCount && !available; z++) {
        available = !zoneUsed[z] && untakenPerZone[z] > 0;
      }
      if (!available) {
        Arrays.fill(zoneUsed, false);
      }
      for (int i = firstUntaken; ; i++) {
        while (i == walked) {
          int owner = owners[(start + step++) % q];
          if (!seen[owner]) {
            seen[owner] = true;
            walk[walked++] = owner;
          }
        }
        int node = walk[i];
        if (!taken[node] && !zoneUsed[zoneOfNode[node]]) {
          taken[node] = true;
          zoneUsed[zoneOfNode[node]] = true;
          untakenPerZone[zoneOfNode[node]]--;
          picked[k] = node;
          break;
        }
      }
      while (firstUntaken < walked && taken[walk[firstUntaken]]) {
        firstUntaken++;
      }
    }
    return picked;
  }

  private int indexOf(NodeId node) {
    int i = Arrays.binarySearch(nodes, node);
    if (i < 0) {
      throw new IllegalArgumentException(node + " is not in ring version " + version);
    }
    return i;
  }

  private int checkPartition(int partition) {
    if (partition < 0 || partition >= owners.length) {
      throw new IndexOutOfBoundsException(
          "partition " + partition + " is outside [0, " + owners.length + ")");
    }
    return partition;
  }

  /** The zone table for the codec: null entries for nodes without a zone. */
  String[] zoneArray() {
    return zones.clone();
  }

  NodeId[] nodeArray() {
    return nodes.clone();
  }

  int[] ownerIndexArray() {
    return owners.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ring other
        && epoch == other.epoch
        && version == other.version
        && strategy == other.strategy
        && Arrays.equals(nodes, other.nodes)
        && Arrays.equals(zones, other.zones)
        && Arrays.equals(owners, other.owners)
        && Arrays.equals(tokenHigh, other.tokenHigh)
        && Arrays.equals(tokenLow, other.tokenLow)
        && Objects.equals(pending, other.pending)
        && retiring == other.retiring;
  }

  @Override
  public int hashCode() {
    int h = 31 * Long.hashCode(epoch) + Long.hashCode(version);
    h = 31 * h + strategy.ordinal();
    h = 31 * h + Arrays.hashCode(nodes);
    h = 31 * h + Arrays.hashCode(owners);
    h = 31 * h + Arrays.hashCode(tokenLow);
    return pending == null ? h : 31 * (31 * h + pending.hashCode()) + (retiring ? 1 : 0);
  }

  @Override
  public String toString() {
    return "Ring{epoch="
        + epoch
        + ", version="
        + version
        + ", strategy="
        + strategy
        + ", partitions="
        + owners.length
        + ", nodes="
        + Arrays.toString(nodes)
        + (pending == null
            ? ""
            : (retiring ? ", retiring=" : ", pending=") + Arrays.toString(pending.nodes))
        + "}";
  }
}
