/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.RandomSource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes the next {@link Ring} from the current one and the new member set: the assignment the
 * {@link Claimant claimant} runs on staged joins, leaves and removes (paper §4.8, §6.2). Planning
 * is a pure function: every node that plans from the same ring and the same members gets an equal
 * ring, so any node can check the claimant's work, and nothing is random except strategy-1 tokens,
 * which are drawn from a {@link RandomSource} seeded from the joining node's id.
 *
 * <h2>Strategy 3 ({@link PartitionStrategy#FIXED_PARTITIONS})</h2>
 *
 * For S members and Q partitions ({@code S <= Q}; more members than partitions is rejected):
 *
 * <ol>
 *   <li><b>Balance, always.</b> Every member owns ⌊Q/S⌋ or ⌈Q/S⌉ partitions. The {@code Q mod S}
 *       members that keep the larger share are those that own most now (ties: lower id), so no
 *       partition moves only to even out the remainder; while orphans are placed, an unfilled extra
 *       may pass to another member if that keeps a window distinct.
 *   <li><b>Minimal movement.</b> Partitions of departed members are reassigned, and members above
 *       their target give exactly their surplus; nothing else moves unless steps 3 or 4 need it. A
 *       joining node takes its partitions spread around the ring (filling the largest gap between
 *       its partitions first), so it takes them from many donors, and a leaving node's partitions
 *       go one each to the members with the largest deficit, so they spread over many nodes.
 *   <li><b>Distinct replicas.</b> Every window of N consecutive partitions (clockwise, wrapping)
 *       has N distinct owners: no "tail violations", so the replicas of a partition are simply the
 *       owners of the next N partitions and the skipping walk never has to go far. Moves choose
 *       partitions where this holds, or route a partition through a two-move chain when no direct
 *       move does; leftover violations are repaired by ownership swaps (each moves two partitions,
 *       keeps balance and strictly lowers the number of violating windows).
 *   <li><b>Least replica movement.</b> What a change costs is the (partition, replica) assignments
 *       it adds ({@link RingMovement#replicaMoves}): moving one partition's owner changes the N
 *       windows that contain it. When the plan of steps 2 and 3 moved more than the partitions that
 *       had to move, or each of them into windows it did not leave N new assignments, the planner
 *       also tries cheaper valid balanced layouts from the old one (see {@code LayoutSearch}): a
 *       fill of the orphans, each by the cheapest change of the few partitions around it that gives
 *       one chosen member one partition more, the members chosen by a minimum-cost assignment
 *       within their shares; for Q <= 256 or S <= 2N + 1, where the work is bounded (Q · S^N at
 *       most 3·10^6), the cheapest valid layout by dynamic programming over the last N - 1 owners,
 *       with prices per member for balance, the price rounds' layouts spliced where they agree; and
 *       on each, a local search that re-solves every short run of partitions exhaustively. It keeps
 *       the layout that adds the fewest assignments. The work is bounded (a plan at Q = 4096 stays
 *       within a few hundred milliseconds, up to about 1 s on a 5 → 4 leave; the fill is skipped
 *       past 4096 orphans). On tiny rings (Q <= 32), where one assignment is already 10 % of a
 *       step, a bounded branch and bound ({@code ExactLayout}) then looks for a cheaper layout
 *       still.
 *   <li>If violations remain, the planner lays the ring out afresh (each member's partitions evenly
 *       spaced, rotated and renamed to keep as many partitions as possible with their current
 *       owner, then repaired) and keeps whichever of the two layouts has fewer violating windows:
 *       correctness over minimal movement.
 * </ol>
 *
 * <p>Zero violations whenever {@link #canSeparateReplicas(int, int, int)} holds: {@code S >= N},
 * ⌈Q/S⌉ <= ⌊Q/N⌋ and, for {@code S == N}, Q a multiple of N (so never for S = N = 3 with Q a power
 * of two: only periodic layouts have every window distinct). This is checked by property tests over
 * random histories, not proven; should the swaps ever fall short, the planner returns the balanced
 * layout with the fewest violating windows rather than fail.
 *
 * <p>With {@code S < N}, or {@code S == N} when Q is not a multiple of N, the constraint is
 * impossible and also pointless: every preference list then holds all S nodes whatever the layout
 * (the walk skips nodes already taken), so the layout only decides which node comes first. The
 * planner then guarantees exact balance and minimal movement only, and ignores the windows.
 *
 * <h2>Zones</h2>
 *
 * When every member has a zone, there are exactly N zones, and no zone has more members than ⌊Q/N⌋,
 * the ring is laid out by zone instead ({@code ZoneLayout}): a fixed pattern gives every partition
 * a zone so that every window of N partitions spans the N zones (but the (Q mod N)·(N - 1) windows
 * Q forces to repeat one), and each zone's partitions are balanced among its members. Every
 * preference list then holds one replica per zone; balance is per zone (a zone of k members holds Q
 * replica assignments, Q/k per member), and a join or leave inside a zone moves only that zone's
 * share. With any other number of zones the layout ignores them and only the walk spreads lists
 * over zones. A change that creates or empties a zone re-lays the zone pattern: a one-time larger
 * move.
 *
 * <p>Movement in replica assignments, against the least (the joiner's share N·⌊Q/(S+1)⌋ or, by
 * zone, its share of its zone's partitions; the leaver's assignments; for clusters of at most 2N +
 * 1 nodes the exact minimum over valid balanced layouts, or a Lagrangian lower bound on it); see
 * dynamo-bench's RingBalanceReport for the table, RingBalanceTest and RingPlannerProperties for
 * what is asserted:
 *
 * <ul>
 *   <li>Without zones, every join measured adds exactly the joiner's share, and every leave and
 *       round trip at most 1.1× the least at Q = 16 to 64 and past the small class. For small
 *       clusters at large Q only a lower bound on the least is known; a 5 → 4 leave there adds up
 *       to 1.3× that bound.
 *   <li>Laid out by zone, every join, leave and round trip measured adds at most 1.1× its least.
 * </ul>
 *
 * <p>Batches of changes are planned in one step on the resulting member set, so the order in which
 * changes were staged never matters.
 *
 * <h2>Moves</h2>
 *
 * {@link #next} switches owners at once. {@link #move} plans the same layout but returns it as the
 * {@link Ring#pending() pending} layout of the next version, so the current owners keep serving
 * while partitions transfer; {@link #promote} then switches (the new layout current, the old one
 * {@linkplain Ring#retiring() retiring}), and, promoted again, ends the move. Strategy 1 has no
 * pending layouts: {@link #move} switches at once there, as {@link #next} does (a known limit: a
 * strategy-1 node that gains a range gets its data from anti-entropy and hints only).
 *
 * <h2>Strategy 1 ({@link PartitionStrategy#RANDOM_TOKENS})</h2>
 *
 * Members keep their tokens; a new member draws T tokens from a source seeded with its id, so its
 * tokens are the same whatever the order of joins. Departed members' tokens are dropped. Balance
 * and movement are those of random placement (paper Figure 8).
 */
public final class RingPlanner {
  /** The default N the planner separates replicas for: the largest replication factor in use. */
  public static final int DEFAULT_REPLICAS = 3;

  private final PartitionStrategy strategy;
  private final int partitions;
  private final int tokensPerNode;
  private final int replicas;

  private RingPlanner(PartitionStrategy strategy, int partitions, int tokensPerNode, int replicas) {
    if (replicas < 1) {
      throw new IllegalArgumentException("replicas N must be >= 1, found " + replicas);
    }
    this.strategy = strategy;
    this.partitions = partitions;
    this.tokensPerNode = tokensPerNode;
    this.replicas = replicas;
  }

  /**
   * A strategy-3 planner.
   *
   * @param partitions Q, a power of two from 1 to {@link Ring#MAX_PARTITIONS}
   * @param replicas N, the largest replication factor of any store
   */
  public static RingPlanner fixedPartitions(int partitions, int replicas) {
    if (partitions < 1 || partitions > Ring.MAX_PARTITIONS || Integer.bitCount(partitions) != 1) {
      throw new IllegalArgumentException(
          "the number of partitions Q must be a power of two between 1 and "
              + Ring.MAX_PARTITIONS
              + ", found "
              + partitions
              + "; choose e.g. 1024");
    }
    return new RingPlanner(PartitionStrategy.FIXED_PARTITIONS, partitions, 0, replicas);
  }

  /**
   * A strategy-1 planner.
   *
   * @param tokensPerNode T, from 1 to 65536
   * @param replicas N, the largest replication factor of any store
   */
  public static RingPlanner randomTokens(int tokensPerNode, int replicas) {
    if (tokensPerNode < 1 || tokensPerNode > 65536) {
      throw new IllegalArgumentException(
          "tokens per node T must be between 1 and 65536, found " + tokensPerNode);
    }
    return new RingPlanner(PartitionStrategy.RANDOM_TOKENS, 0, tokensPerNode, replicas);
  }

  public PartitionStrategy strategy() {
    return strategy;
  }

  /** The most members a ring of this planner can have: Q for strategy 3, unbounded for 1. */
  public int capacity() {
    return strategy == PartitionStrategy.FIXED_PARTITIONS ? partitions : Integer.MAX_VALUE;
  }

  /** N, the window the planner keeps owners distinct in. */
  public int replicas() {
    return replicas;
  }

  /** The first ring (version 1) for a new cluster. */
  public Ring initial(SortedSet<NodeId> members, Map<NodeId, String> zones) {
    return plan(null, 1, members, zones);
  }

  /**
   * The ring that follows {@code current} (version + 1) for the new member set. Members missing
   * from {@code current} join; nodes of {@code current} missing from {@code members} leave (the
   * plan is the same for a graceful leave and for the removal of a dead node: they differ only in
   * who streams the data).
   *
   * @param zones zones of the new members (may be partial or empty); a node without an entry keeps
   *     none
   */
  public Ring next(Ring current, SortedSet<NodeId> members, Map<NodeId, String> zones) {
    if (current.strategy() != strategy) {
      throw new IllegalArgumentException(
          "this planner plans " + strategy + " rings, the current ring uses " + current.strategy());
    }
    if (strategy == PartitionStrategy.FIXED_PARTITIONS && current.partitionCount() != partitions) {
      throw new IllegalArgumentException(
          "the current ring has Q="
              + current.partitionCount()
              + " partitions, this planner was configured with Q="
              + partitions
              + "; Q cannot change in place");
    }
    return plan(current, current.version() + 1, members, zones).withEpoch(current.epoch());
  }

  /**
   * A fresh ring for {@code members}, laid out as {@link #initial} does, at version 1 of ring epoch
   * {@code epoch}: what a claimant plans when it must replace a ring it refused and no peer holds a
   * valid one. The epoch outranks the version, so the fresh ring wins over the refused one.
   */
  public Ring fresh(long epoch, SortedSet<NodeId> members, Map<NodeId, String> zones) {
    return initial(members, zones).withEpoch(epoch);
  }

  /**
   * The ring that follows {@code current} (version + 1, same epoch) when the members become {@code
   * members}, as a move: the current layout of {@code current} (its pending layout, if any, is
   * dropped) with the layout {@link #next} plans from it as the pending layout. Planning from the
   * current layout counts movement from what nodes actually hold. When {@code members} are the
   * current layout's nodes (a move cancelled), or the plan equals the current layout, the result
   * does not move. Strategy 1 switches at once: the result is {@link #next}'s.
   *
   * @param zones zones of the new members, as for {@link #next}
   */
  public Ring move(Ring current, SortedSet<NodeId> members, Map<NodeId, String> zones) {
    Ring base = current.withoutPending();
    if (strategy == PartitionStrategy.RANDOM_TOKENS) {
      return next(base, members, zones);
    }
    long version = current.version() + 1;
    if (members.equals(base.nodes())) {
      return base.atVersion(version);
    }
    Ring target = next(base, members, zones);
    return base.atVersion(version).withPending(target);
  }

  /**
   * The next step of {@code moving}'s move at version + 1 of the same epoch ({@link
   * Ring#promoted()}): the switch to the pending layout, the old one retiring; or, from a retiring
   * ring, the new layout alone.
   *
   * @throws IllegalArgumentException if {@code moving} is not a moving ring of this planner
   */
  public Ring promote(Ring moving) {
    if (moving.strategy() != strategy) {
      throw new IllegalArgumentException(
          "this planner plans " + strategy + " rings, the ring uses " + moving.strategy());
    }
    if (!moving.moving()) {
      throw new IllegalArgumentException(
          "ring epoch "
              + moving.epoch()
              + " version "
              + moving.version()
              + " has no pending layout to promote");
    }
    return moving.promoted();
  }

  /**
   * Checks that {@code ring} is one this planner could have planned: the same strategy; for
   * strategy 3 the same Q and, wherever {@link #canSeparateReplicas} holds for its Q, S and this
   * planner's N, N distinct owners in every window of N consecutive partitions (where it does not
   * hold the planner cannot promise that either), or, for a ring laid out by zone, N distinct zones
   * in every window but those Q forces to repeat one ({@link #violations(Ring, int)}); for strategy
   * 1, exactly T tokens per node. A {@link Ring#moving() moving} ring's pending layout must pass
   * the same checks and differ from the current layout. Rings from peers and from disk pass this
   * before a node uses them.
   *
   * @throws IllegalArgumentException naming the first mismatch
   */
  public void verify(Ring ring) {
    verifyLayout(ring.withoutPending(), "");
    if (ring.moving()) {
      Ring pending = ring.pending().orElseThrow();
      if (pending.owners().equals(ring.owners()) && pending.zones().equals(ring.zones())) {
        throw new IllegalArgumentException(
            "the pending layout equals the current one; a ring that does not move has none");
      }
      verifyLayout(pending, "pending layout: ");
    }
  }

  private void verifyLayout(Ring ring, String what) {
    if (ring.strategy() != strategy) {
      throw new IllegalArgumentException(
          what
              + "the ring uses "
              + ring.strategy()
              + ", this cluster plans "
              + strategy
              + " rings");
    }
    if (strategy == PartitionStrategy.RANDOM_TOKENS) {
      TreeMap<NodeId, Integer> perNode = new TreeMap<>();
      for (NodeId owner : ring.tokens().values()) {
        perNode.merge(owner, 1, Integer::sum);
      }
      perNode.forEach(
          (node, count) -> {
            if (count != tokensPerNode) {
              throw new IllegalArgumentException(
                  what
                      + node
                      + " has "
                      + count
                      + " tokens, this cluster gives each node "
                      + tokensPerNode);
            }
          });
      return;
    }
    int q = ring.partitionCount();
    if (q != partitions) {
      throw new IllegalArgumentException(
          what
              + "the ring has Q="
              + q
              + " partitions, this cluster is configured with Q="
              + partitions);
    }
    int s = ring.nodeCount();
    int[] pattern = ZoneLayout.pattern(ring, replicas);
    if (pattern != null && ZoneLayout.regular(pattern, replicas)) {
      return;
    }
    if (canSeparateReplicas(q, s, replicas)) {
      int bad = violations(ring.owners(), replicas);
      if (bad > 0) {
        throw new IllegalArgumentException(
            what
                + bad
                + " windows of N="
                + replicas
                + " consecutive partitions repeat an owner, although Q="
                + q
                + " and S="
                + s
                + " allow N distinct owners everywhere");
      }
    }
  }

  /** {@code current} plus {@code node} (with {@code zone}, or none if {@code null}). */
  public Ring join(Ring current, NodeId node, String zone) {
    return apply(current, List.of(RingChange.join(node, zone)));
  }

  /** {@code current} without {@code node}, which hands its data off before going. */
  public Ring leave(Ring current, NodeId node) {
    return apply(current, List.of(RingChange.leave(node)));
  }

  /** {@code current} without {@code node}, which is dead: its replicas are rebuilt elsewhere. */
  public Ring remove(Ring current, NodeId node) {
    return apply(current, List.of(RingChange.remove(node)));
  }

  /**
   * Applies a batch of staged changes in one step. The changes are a set: their order does not
   * change the result. A node may appear in at most one change.
   */
  public Ring apply(Ring current, Collection<RingChange> staged) {
    TreeSet<NodeId> members = new TreeSet<>(current.nodes());
    TreeMap<NodeId, String> zones = new TreeMap<>(current.zones());
    TreeSet<NodeId> seen = new TreeSet<>();
    for (RingChange change : staged) {
      if (!seen.add(change.node())) {
        throw new IllegalArgumentException(
            "node "
                + change.node()
                + " appears in more than one staged change; stage one change per node");
      }
      switch (change.kind()) {
        case JOIN -> {
          if (members.contains(change.node())) {
            throw new IllegalArgumentException(change.node() + " is already a member");
          }
          members.add(change.node());
          if (change.zone() != null) {
            zones.put(change.node(), change.zone());
          }
        }
        case LEAVE, REMOVE -> {
          if (!members.remove(change.node())) {
            throw new IllegalArgumentException(change.node() + " is not a member");
          }
          zones.remove(change.node());
        }
      }
    }
    return next(current, members, zones);
  }

  private Ring plan(
      Ring current, long version, SortedSet<NodeId> members, Map<NodeId, String> zones) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a ring needs at least one member");
    }
    TreeMap<NodeId, String> memberZones = new TreeMap<>();
    for (Map.Entry<NodeId, String> e : new TreeMap<>(zones).entrySet()) {
      if (members.contains(e.getKey()) && e.getValue() != null) {
        memberZones.put(e.getKey(), e.getValue());
      }
    }
    if (strategy == PartitionStrategy.RANDOM_TOKENS) {
      return planTokens(current, version, members, memberZones);
    }
    if (members.size() > partitions) {
      throw new IllegalArgumentException(
          members.size()
              + " members cannot share Q="
              + partitions
              + " partitions: strategy 3 needs Q >= S (better Q >= 10·S); choose a larger Q");
    }
    NodeId[] nodes = members.toArray(new NodeId[0]);
    int[] zoneOfMember = zoneIds(nodes, memberZones);
    if (zoneOfMember != null) {
      return zoned(current, version, nodes, zoneOfMember, memberZones);
    }
    int[] owners = new int[partitions];
    if (current == null) {
      Arrays.fill(owners, -1);
    } else {
      List<NodeId> old = current.owners();
      for (int p = 0; p < partitions; p++) {
        owners[p] = Arrays.binarySearch(nodes, old.get(p));
        if (owners[p] < 0) {
          owners[p] = -1;
        }
      }
    }
    int[] planned =
        current == null
            ? initialLayout(partitions, nodes.length, replicas)
            : new FixedPlan(owners, nodes.length, replicas, oldLists(current, nodes)).run();
    List<NodeId> result = new ArrayList<>(partitions);
    for (int owner : planned) {
      result.add(nodes[owner]);
    }
    return Ring.ofPartitions(version, result, memberZones);
  }

  /**
   * The zone of every member as an index into the sorted zone names (members without one in zone
   * {@code ""}, as the walk counts them), or null unless the members span exactly N zones and the
   * ring is laid out by {@link ZoneLayout}.
   */
  private int[] zoneIds(NodeId[] nodes, Map<NodeId, String> memberZones) {
    // Nodes without a zone would form a zone "" of their own, and two zoned nodes among many
    // without would each own a third of the ring: by zone only when every member has one.
    if (memberZones.size() < nodes.length) {
      return null;
    }
    TreeSet<String> names = new TreeSet<>();
    for (NodeId node : nodes) {
      names.add(memberZones.getOrDefault(node, ""));
    }
    List<String> order = new ArrayList<>(names);
    int[] ids = new int[nodes.length];
    int[] perZone = new int[order.size()];
    for (int i = 0; i < nodes.length; i++) {
      ids[i] = order.indexOf(memberZones.getOrDefault(nodes[i], ""));
      perZone[ids[i]]++;
    }
    return ZoneLayout.applies(perZone, partitions, replicas) ? ids : null;
  }

  private Ring zoned(
      Ring current,
      long version,
      NodeId[] nodes,
      int[] zoneOfMember,
      TreeMap<NodeId, String> memberZones) {
    int[] owners = null;
    int[] currentZones = null;
    if (current != null) {
      owners = new int[partitions];
      currentZones = new int[partitions];
      TreeMap<String, Integer> zoneIndex = new TreeMap<>();
      for (int i = 0; i < nodes.length; i++) {
        zoneIndex.put(memberZones.getOrDefault(nodes[i], ""), zoneOfMember[i]);
      }
      boolean wasZoned = !current.zones().isEmpty();
      List<NodeId> old = current.owners();
      for (int p = 0; p < partitions; p++) {
        int member = Arrays.binarySearch(nodes, old.get(p));
        owners[p] = Math.max(-1, member);
        if (member >= 0) {
          currentZones[p] = zoneOfMember[member];
        } else {
          String zone = wasZoned ? current.zoneOf(old.get(p)).orElse("") : null;
          currentZones[p] = zone == null ? -1 : zoneIndex.getOrDefault(zone, -1);
        }
      }
    }
    int[] planned = ZoneLayout.plan(partitions, zoneOfMember, owners, currentZones);
    List<NodeId> result = new ArrayList<>(partitions);
    boolean[] owns = new boolean[nodes.length];
    for (int owner : planned) {
      result.add(nodes[owner]);
      owns[owner] = true;
    }
    for (int i = 0; i < nodes.length; i++) {
      if (!owns[i]) {
        throw new IllegalStateException(
            "the zone layout left " + nodes[i] + " without a partition");
      }
    }
    return Ring.ofPartitions(version, result, memberZones);
  }

  /** The first N entries of every old preference list, as indices into {@code nodes} or -1. */
  private int[][] oldLists(Ring current, NodeId[] nodes) {
    int[][] lists = new int[partitions][];
    for (int p = 0; p < partitions; p++) {
      List<NodeId> list = current.preferenceList(p, replicas);
      lists[p] = new int[list.size()];
      for (int i = 0; i < list.size(); i++) {
        lists[p][i] = Math.max(-1, Arrays.binarySearch(nodes, list.get(i)));
      }
    }
    return lists;
  }

  /**
   * The first layout: evenly spaced for the first 2N + 2 members, then one simulated join per
   * further member (in id order). A perfectly periodic layout is the worst start for later leaves
   * (every orphan has the same few eligible members); grown layouts leave far more freedom.
   */
  static int[] initialLayout(int q, int s, int replicas) {
    int seed = Math.min(s, 2 * replicas + 2);
    int[] empty = new int[q];
    Arrays.fill(empty, -1);
    int[] layout = new FixedPlan(empty, seed, replicas, null).run();
    for (int size = seed + 1; size <= s; size++) {
      layout = new FixedPlan(layout, size, replicas, null).run();
    }
    return layout;
  }

  private Ring planTokens(
      Ring current, long version, SortedSet<NodeId> members, Map<NodeId, String> zones) {
    TreeMap<Token, NodeId> tokens = new TreeMap<>();
    if (current != null) {
      for (Map.Entry<Token, NodeId> e : current.tokens().entrySet()) {
        if (members.contains(e.getValue())) {
          tokens.put(e.getKey(), e.getValue());
        }
      }
    }
    for (NodeId node : members) {
      if (current != null && current.contains(node)) {
        continue;
      }
      RandomSource random = RandomSource.seeded(seedOf(node));
      int placed = 0;
      while (placed < tokensPerNode) {
        Token token = new Token(random.nextLong(), random.nextLong());
        if (tokens.putIfAbsent(token, node) == null) {
          placed++;
        }
      }
    }
    return Ring.ofTokens(version, tokens, zones);
  }

  /** The seed of a node's strategy-1 tokens: the first 8 bytes of MD5("tokens/" + id). */
  static long seedOf(NodeId node) {
    return Token.of(("dynamo-kv/tokens/" + node.value()).getBytes(StandardCharsets.UTF_8)).high();
  }

  /**
   * Whether the planner guarantees N distinct owners in every window of N consecutive partitions
   * for Q partitions and S members (see the class comment).
   */
  public static boolean canSeparateReplicas(int q, int s, int n) {
    if (s < n || s > q) {
      return false;
    }
    int maxShare = (q + s - 1) / s;
    if (maxShare > q / n) {
      return false;
    }
    return s > n || q % n == 0;
  }

  /**
   * The number of windows of {@code n} consecutive partitions (clockwise, wrapping; one window
   * starting at each partition) whose owners are not all distinct: Riak's "tail violations".
   */
  public static int violations(List<NodeId> owners, int n) {
    int q = owners.size();
    int count = 0;
    for (int w = 0; w < q; w++) {
      if (!distinct(owners, w, Math.min(n, q))) {
        count++;
      }
    }
    return count;
  }

  /**
   * The windows of {@code ring} that break the rule this planner keeps: for a ring laid out by zone
   * (its members in exactly N zones, see {@code ZoneLayout}), windows of N partitions that repeat a
   * zone beyond the (Q mod N)·(N - 1) that Q forces; otherwise, where {@link #canSeparateReplicas}
   * holds, windows with a repeated owner ({@link #violations(List, int)}); else none.
   */
  public static int violations(Ring ring, int n) {
    int[] pattern = ZoneLayout.pattern(ring, n);
    if (pattern != null) {
      return ZoneLayout.regular(pattern, n) ? 0 : Math.max(1, ZoneLayout.excessRepeats(pattern, n));
    }
    return canSeparateReplicas(ring.partitionCount(), ring.nodeCount(), n)
        ? violations(ring.owners(), n)
        : 0;
  }

  private static boolean distinct(List<NodeId> owners, int start, int n) {
    int q = owners.size();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (owners.get((start + i) % q).equals(owners.get((start + j) % q))) {
          return false;
        }
      }
    }
    return true;
  }

  /** One strategy-3 plan over member indices; not thread-safe, used once. */
  static final class FixedPlan {
    private final int q;
    private final int s;
    private final int n;
    private final int[] owners;
    private final int[] original;
    private final int[] counts;
    private final int[] targets;
    private final int[][] oldLists;

    FixedPlan(int[] owners, int s, int replicas, int[][] oldLists) {
      this.q = owners.length;
      this.s = s;
      // With S <= N every preference list holds all S nodes whatever the layout, so the window
      // constraint only matters when S > N, or S == N where it is satisfiable (Q a multiple of N).
      this.n = s > replicas || (s == replicas && q % replicas == 0) ? replicas : 1;
      this.owners = owners.clone();
      this.original = owners.clone();
      this.oldLists = oldLists;
      this.counts = new int[s];
      for (int owner : owners) {
        if (owner >= 0) {
          counts[owner]++;
        }
      }
      this.targets = targets(counts, q);
    }

    /** ⌊Q/S⌋ for all, plus one for the Q mod S members owning most now (ties: lower index). */
    static int[] targets(int[] counts, int q) {
      int s = counts.length;
      Integer[] order = new Integer[s];
      for (int i = 0; i < s; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> counts[a] != counts[b] ? counts[b] - counts[a] : a - b);
      int[] targets = new int[s];
      Arrays.fill(targets, q / s);
      for (int i = 0; i < q % s; i++) {
        targets[order[i]]++;
      }
      return targets;
    }

    int[] run() {
      boolean fresh = true;
      for (int owner : owners) {
        fresh &= owner < 0;
      }
      if (fresh) {
        int[] layout = freshLayout();
        repair(layout);
        return layout;
      }
      reassignOrphans();
      moveSurplus();
      repair(owners);
      int violations = countViolations(owners);
      if (oldLists != null && n >= 2 && s > n && !cheapest(violations)) {
        LayoutSearch search = new LayoutSearch(original, oldLists, s, n);
        List<int[]> candidates = new ArrayList<>();
        if (violations == 0) {
          candidates.add(owners.clone());
        }
        // The assignment of orphans to members is a min-cost flow with one augmenting path per
        // orphan: bounded so that a plan stays within about a second.
        if (onlyOrphans() && countOrphans() <= 4096) {
          int[] filled = search.fill(original, fillRadius(countOrphans()));
          if (filled != null) {
            candidates.add(filled);
          }
        }
        // Dual prices with splicing find the cheap layouts of small clusters at any Q (a 5 -> 4
        // leave at Q = 4096 adds 1.10x the share with them, 1.33x without); past the small class
        // and Q = 256 the fill finds as much, sooner.
        boolean worthIt = q <= 256 || s <= 2 * n + 1;
        int[] found = worthIt && LayoutSearch.affordable(q, s, n) ? search.search(owners) : null;
        if (found != null) {
          candidates.add(found);
        }
        long bestCost = violations == 0 ? search.cost(owners) : Long.MAX_VALUE;
        for (int[] candidate : candidates) {
          if (countViolations(candidate) > 0) {
            continue;
          }
          int length = segmentLength();
          int[] improved = length > 1 ? search.improve(candidate, length, 3) : candidate;
          long cost = search.cost(improved);
          if (cost < bestCost && balanced(improved)) {
            bestCost = cost;
            System.arraycopy(improved, 0, owners, 0, q);
            violations = 0;
          }
        }
      }
      if (oldLists != null
          && n >= 2
          && s > n
          && q <= 32
          && ExactLayout.affordable(q, s, n)
          && !cheapest(violations)) {
        LayoutSearch search = new LayoutSearch(original, oldLists, s, n);
        long upper = violations == 0 ? search.cost(owners) : Long.MAX_VALUE;
        int newMembers = 0;
        int[] kept = new int[s];
        for (int owner : original) {
          if (owner >= 0) {
            kept[owner]++;
          }
        }
        for (int count : kept) {
          newMembers += count == 0 ? 1 : 0;
        }
        // Every window around an orphan, or around a new member's partition, gains a replica.
        long floor = (long) n * Math.max(countOrphans(), newMembers * (q / s));
        int[] exact = new ExactLayout(oldLists, s, n).search(upper, floor, 2_000_000L);
        if (exact != null) {
          System.arraycopy(exact, 0, owners, 0, q);
          violations = 0;
        }
      }
      if (violations > 0) {
        int[] layout = closestRelabelling(freshLayout());
        repair(layout);
        if (countViolations(layout) < violations) {
          return layout;
        }
      }
      return owners;
    }

    /**
     * The longest run whose exhaustive re-solve stays within the work budget (about 2^21 layouts
     * over the ring, at most 2^13 per run): each partition of a run has at most S - N + 1 owners
     * that keep its window distinct. Below 2 the local search is skipped.
     */
    private int segmentLength() {
      int branching = Math.max(2, s - n + 1);
      int perRun = Math.min(8192, (1 << 21) / q);
      int length = (int) (Math.log(perRun) / Math.log(branching));
      return Math.min(14, length);
    }

    /**
     * Fills re-solve the 5 partitions around an orphan, or 3, or only the orphan, whichever keeps
     * the work within about 2^22 layouts.
     */
    private int fillRadius(int orphans) {
      for (int radius = 2; radius > 0; radius--) {
        if (Math.pow(s, 2 * radius + 1) * orphans <= 1 << 22) {
          return radius;
        }
      }
      return 0;
    }

    private boolean balanced(int[] layout) {
      int[] count = new int[s];
      for (int owner : layout) {
        count[owner]++;
      }
      for (int c : count) {
        if (c < q / s || c > (q + s - 1) / s) {
          return false;
        }
      }
      return true;
    }

    private int countOrphans() {
      int orphans = 0;
      for (int owner : original) {
        orphans += owner < 0 ? 1 : 0;
      }
      return orphans;
    }

    /** Whether no member is above its share: only orphans must move. */
    private boolean onlyOrphans() {
      int[] kept = new int[s];
      for (int owner : original) {
        if (owner >= 0 && ++kept[owner] > (q + s - 1) / s) {
          return false;
        }
      }
      return true;
    }

    /**
     * Whether the greedy plan is valid and moved only partitions that had to move, each to a member
     * new to all its windows: then no layout adds fewer assignments.
     */
    private boolean cheapest(int violations) {
      if (violations > 0) {
        return false;
      }
      int orphans = 0;
      int moved = 0;
      for (int p = 0; p < q; p++) {
        orphans += original[p] < 0 ? 1 : 0;
        moved += owners[p] != original[p] ? 1 : 0;
      }
      int surplus = 0;
      int[] kept = new int[s];
      for (int p = 0; p < q; p++) {
        if (original[p] >= 0) {
          kept[original[p]]++;
        }
      }
      for (int m = 0; m < s; m++) {
        surplus += Math.max(0, kept[m] - targets[m]);
      }
      if (moved != orphans + surplus) {
        return false;
      }
      long added = 0;
      for (int w = 0; w < q; w++) {
        for (int i = 0; i < n; i++) {
          int x = owners[(w + i) % q];
          boolean had = false;
          for (int y : oldLists[w]) {
            had |= y == x;
          }
          added += had ? 0 : 1;
        }
      }
      return added <= (long) n * moved;
    }

    /**
     * The rotation and renaming of a fresh layout (slot i of count c becomes a member whose target
     * is c) that keeps the most partitions with their current owner.
     */
    private int[] closestRelabelling(int[] layout) {
      int[] slotCounts = new int[s];
      for (int slot : layout) {
        slotCounts[slot]++;
      }
      int rotations = (int) Math.min(q, 2L * s);
      int[] best = null;
      long bestScore = -1;
      long[] keys = new long[q];
      for (int r = 0; r < rotations; r++) {
        int size = 0;
        for (int p = 0; p < q; p++) {
          int slot = layout[(p + r) % q];
          int member = original[p];
          if (member >= 0 && slotCounts[slot] == targets[member]) {
            keys[size++] = (long) slot * s + member;
          }
        }
        Arrays.sort(keys, 0, size);
        List<long[]> overlaps = new ArrayList<>();
        for (int i = 0; i < size; ) {
          int j = i;
          while (j < size && keys[j] == keys[i]) {
            j++;
          }
          overlaps.add(new long[] {j - i, keys[i]});
          i = j;
        }
        overlaps.sort((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
        int[] memberOfSlot = new int[s];
        boolean[] used = new boolean[s];
        Arrays.fill(memberOfSlot, -1);
        long score = 0;
        for (long[] o : overlaps) {
          int slot = (int) (o[1] / s);
          int member = (int) (o[1] % s);
          if (memberOfSlot[slot] < 0 && !used[member]) {
            memberOfSlot[slot] = member;
            used[member] = true;
            score += o[0];
          }
        }
        if (score <= bestScore) {
          continue;
        }
        for (int slot = 0; slot < s; slot++) {
          for (int member = 0; memberOfSlot[slot] < 0 && member < s; member++) {
            if (!used[member] && targets[member] == slotCounts[slot]) {
              memberOfSlot[slot] = member;
              used[member] = true;
            }
          }
        }
        bestScore = score;
        best = new int[q];
        for (int p = 0; p < q; p++) {
          best[p] = memberOfSlot[layout[(p + r) % q]];
        }
      }
      return best;
    }

    /** Partitions of departed members go, one at a time, to the member with the largest deficit. */
    private void reassignOrphans() {
      int cursor = 0;
      List<Integer> orphans = new ArrayList<>();
      for (int p = 0; p < q; p++) {
        if (owners[p] < 0) {
          orphans.add(p);
        }
      }
      while (!orphans.isEmpty()) {
        // Most constrained first: the orphan fewest members below target may take.
        int chosen = 0;
        int fewest = Integer.MAX_VALUE;
        for (int i = 0; i < orphans.size() && fewest > 0; i++) {
          int candidates = 0;
          for (int m = 0; m < s && candidates < fewest; m++) {
            if (counts[m] < targets[m] && validAt(owners, m, orphans.get(i))) {
              candidates++;
            }
          }
          if (candidates < fewest) {
            fewest = candidates;
            chosen = i;
          }
        }
        int p = orphans.remove(chosen);
        int best = -1;
        int bestDeficit = 0;
        boolean bestValid = false;
        for (int k = 0; k < s; k++) {
          int m = (cursor + k) % s;
          int deficit = targets[m] - counts[m];
          if (deficit <= 0) {
            continue;
          }
          boolean valid = validAt(owners, m, p);
          if (best < 0 || (valid && !bestValid) || (valid == bestValid && deficit > bestDeficit)) {
            best = m;
            bestDeficit = deficit;
            bestValid = valid;
          }
        }
        if (!bestValid) {
          int lender = lendExtra(p, cursor);
          if (lender >= 0) {
            best = lender;
            bestValid = true;
          }
        }
        if (!bestValid && chainOrphan(p, cursor)) {
          continue;
        }
        owners[p] = best;
        counts[best]++;
        cursor = (best + 1) % s;
      }
    }

    /**
     * Which members keep the Q mod S extra partitions is a free choice: when no member below target
     * may take orphan {@code p}, a member at the lower target that may take it gets the extra of a
     * member that has not filled its extra yet. Returns that member, or -1.
     */
    private int lendExtra(int p, int cursor) {
      int base = q / s;
      for (int k = 0; k < s; k++) {
        int taker = (cursor + k) % s;
        if (targets[taker] != base || counts[taker] != base || !validAt(owners, taker, p)) {
          continue;
        }
        for (int giver = 0; giver < s; giver++) {
          if (targets[giver] == base + 1 && counts[giver] < targets[giver]) {
            targets[giver]--;
            targets[taker]++;
            return taker;
          }
        }
        return -1;
      }
      return -1;
    }

    /**
     * When no member below target may take orphan {@code p}: a member E that may takes it, and E
     * gives one of its other partitions to a member below target that may take that one. One extra
     * move instead of a violation and a repair swap.
     */
    private boolean chainOrphan(int p, int cursor) {
      for (int k = 0; k < s; k++) {
        int middle = (cursor + k) % s;
        if (!validAt(owners, middle, p)) {
          continue;
        }
        owners[p] = middle;
        for (int p2 = 0; p2 < q; p2++) {
          if (p2 == p || owners[p2] != middle) {
            continue;
          }
          for (int j = 0; j < s; j++) {
            int receiver = (cursor + j) % s;
            if (receiver != middle
                && counts[receiver] < targets[receiver]
                && validAt(owners, receiver, p2)) {
              owners[p2] = receiver;
              counts[receiver]++;
              return true;
            }
          }
        }
        owners[p] = -1;
      }
      return false;
    }

    /** Members below target take partitions from members above it, filling their largest gap. */
    private void moveSurplus() {
      boolean progress = true;
      while (progress) {
        progress = false;
        for (int m = 0; m < s; m++) {
          if (counts[m] >= targets[m]) {
            continue;
          }
          int p = pickFor(m);
          if (p < 0 && chainFor(m)) {
            progress = true;
            continue;
          }
          if (p < 0) {
            p = -p - 1;
          }
          int donor = owners[p];
          counts[donor]--;
          owners[p] = m;
          counts[m]++;
          progress = true;
        }
      }
    }

    private int pickFor(int m) {
      int center = largestGapCenter(m);
      int fallback = -1;
      for (int d = 0; d < q; d++) {
        int p = Math.floorMod(center + ((d & 1) == 0 ? d / 2 : -(d / 2 + 1)), q);
        int owner = owners[p];
        if (owner == m || counts[owner] <= targets[owner]) {
          continue;
        }
        if (validAt(owners, m, p)) {
          return p;
        }
        if (fallback < 0) {
          fallback = p;
        }
      }
      if (fallback < 0) {
        throw new IllegalStateException("no partition above target left for member " + m);
      }
      return -fallback - 1;
    }

    /**
     * When no partition of a member above target can go to {@code m} without two replicas of one
     * window on {@code m}: {@code m} takes a partition from a member E at target, and E takes one
     * from a member above target, both where they keep their windows distinct. Two moves for one
     * unit of deficit, the price of a repair swap but without the extra violating move.
     */
    private boolean chainFor(int m) {
      int center = largestGapCenter(m);
      for (int d = 0; d < q; d++) {
        int p = Math.floorMod(center + ((d & 1) == 0 ? d / 2 : -(d / 2 + 1)), q);
        int middle = owners[p];
        if (middle == m || !validAt(owners, m, p)) {
          continue;
        }
        owners[p] = m;
        for (int p2 = 0; p2 < q; p2++) {
          int donor = owners[p2];
          if (donor != middle
              && donor != m
              && counts[donor] > targets[donor]
              && validAt(owners, middle, p2)) {
            owners[p2] = middle;
            counts[donor]--;
            counts[m]++;
            return true;
          }
        }
        owners[p] = middle;
      }
      return false;
    }

    /** The middle of the longest run of partitions between two partitions of {@code m}. */
    private int largestGapCenter(int m) {
      if (counts[m] == 0) {
        return (int) ((long) m * q / s);
      }
      int first = -1;
      int previous = -1;
      int bestStart = 0;
      int bestLength = -1;
      for (int p = 0; p < q; p++) {
        if (owners[p] != m) {
          continue;
        }
        if (first < 0) {
          first = p;
        } else if (p - previous > bestLength) {
          bestLength = p - previous;
          bestStart = previous;
        }
        previous = p;
      }
      int wrapLength = first + q - previous;
      if (wrapLength > bestLength) {
        bestLength = wrapLength;
        bestStart = previous;
      }
      return (bestStart + bestLength / 2) % q;
    }

    /** Whether {@code m} owns none of the N-1 partitions on either side of {@code p}. */
    private boolean validAt(int[] layout, int m, int p) {
      for (int d = 1; d < n; d++) {
        if (layout[(p + d) % q] == m || layout[Math.floorMod(p - d, q)] == m) {
          return false;
        }
      }
      return true;
    }

    /**
     * Each member's partitions evenly spaced: member j's k-th partition ideally sits at (k + j/S) ·
     * Q / count(j); partitions are dealt in the order of these ideal positions.
     */
    int[] freshLayout() {
      int[] want = targets(new int[s], q);
      double[] ideal = new double[q];
      int[] member = new int[q];
      Integer[] order = new Integer[q];
      int i = 0;
      for (int m = 0; m < s; m++) {
        for (int k = 0; k < want[m]; k++) {
          ideal[i] = (k + (double) m / s) * q / want[m];
          member[i] = m;
          order[i] = i;
          i++;
        }
      }
      Arrays.sort(
          order,
          (a, b) -> {
            int c = Double.compare(ideal[a], ideal[b]);
            return c != 0 ? c : Integer.compare(member[a], member[b]);
          });
      int[] layout = new int[q];
      for (int p = 0; p < q; p++) {
        layout[p] = member[order[p]];
      }
      return layout;
    }

    int countViolations(int[] layout) {
      int count = 0;
      for (int w = 0; w < q; w++) {
        if (violatesAt(layout, w)) {
          count++;
        }
      }
      return count;
    }

    private boolean violatesAt(int[] layout, int start) {
      for (int i = 0; i < n; i++) {
        int a = layout[(start + i) % q];
        for (int j = i + 1; j < n; j++) {
          if (a == layout[(start + j) % q]) {
            return true;
          }
        }
      }
      return false;
    }

    /**
     * Swaps owners of two partitions while that strictly lowers the number of violating windows.
     */
    void repair(int[] layout) {
      if (n < 2) {
        return;
      }
      int budget = 4 * q;
      while (budget-- > 0) {
        int w = firstViolation(layout);
        if (w < 0) {
          return;
        }
        int bestX = -1;
        int bestY = -1;
        int bestDelta = 0;
        // First improvement, searching from the far side of the ring, where swapping in a
        // partition of another member is least likely to break that member's own windows.
        for (int i = 0; i < n && bestX < 0; i++) {
          int x = (w + i) % q;
          if (!duplicatedInWindow(layout, w, x)) {
            continue;
          }
          for (int d = 0; d < q && bestX < 0; d++) {
            int y = (x + q / 2 + ((d & 1) == 0 ? d / 2 : -(d / 2 + 1)) + q) % q;
            if (layout[y] == layout[x]) {
              continue;
            }
            if (swapDelta(layout, x, y) < bestDelta) {
              bestX = x;
              bestY = y;
            }
          }
        }
        if (bestX < 0) {
          return;
        }
        int t = layout[bestX];
        layout[bestX] = layout[bestY];
        layout[bestY] = t;
      }
    }

    private int firstViolation(int[] layout) {
      for (int w = 0; w < q; w++) {
        if (violatesAt(layout, w)) {
          return w;
        }
      }
      return -1;
    }

    private boolean duplicatedInWindow(int[] layout, int w, int x) {
      for (int i = 0; i < n; i++) {
        int other = (w + i) % q;
        if (other != x && layout[other] == layout[x]) {
          return true;
        }
      }
      return false;
    }

    private int swapDelta(int[] layout, int x, int y) {
      int before = affectedViolations(layout, x, y);
      int t = layout[x];
      layout[x] = layout[y];
      layout[y] = t;
      int after = affectedViolations(layout, x, y);
      layout[y] = layout[x];
      layout[x] = t;
      return after - before;
    }

    private int affectedViolations(int[] layout, int x, int y) {
      int count = 0;
      for (int i = 0; i < n; i++) {
        int w = Math.floorMod(x - i, q);
        if (violatesAt(layout, w)) {
          count++;
        }
      }
      for (int i = 0; i < n; i++) {
        int w = Math.floorMod(y - i, q);
        if (Math.floorMod(x - w, q) < n) {
          continue;
        }
        if (violatesAt(layout, w)) {
          count++;
        }
      }
      return count;
    }
  }

  /** A staged membership change. */
  public record RingChange(Kind kind, NodeId node, String zone) {
    /** What the change does to the member set. */
    public enum Kind {
      JOIN,
      LEAVE,
      REMOVE
    }

    public RingChange {
      if (kind == null || node == null) {
        throw new IllegalArgumentException("a ring change needs a kind and a node");
      }
      if (kind != Kind.JOIN && zone != null) {
        throw new IllegalArgumentException("only a join carries a zone");
      }
    }

    public static RingChange join(NodeId node, String zone) {
      return new RingChange(Kind.JOIN, node, zone);
    }

    public static RingChange leave(NodeId node) {
      return new RingChange(Kind.LEAVE, node, null);
    }

    public static RingChange remove(NodeId node) {
      return new RingChange(Kind.REMOVE, node, null);
    }
  }
}
