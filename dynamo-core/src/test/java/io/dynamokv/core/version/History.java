/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import io.dynamokv.core.NodeId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * A random history of clients reading and writing one key through coordinators that each hold a
 * replica, with replicas syncing pairwise, and optionally losing their state, rolling back to what
 * they last flushed (an unclean restart under a durability that does not fsync every commit), or
 * pruning. It runs the code under test and, beside it, a naive oracle of causality that knows
 * nothing of clocks: each write records the writes its client had seen (what its last read
 * returned, transitively closed), and each replica the writes it knows of.
 *
 * <p>Replicas prune what they store (after each write and sync) when a bound is set, as nodes do. A
 * node that rolls back starts a new incarnation, as nodes do, unless the history is told to keep
 * it, which makes nodes reissue dots (for the laws that must hold whatever the dots).
 */
final class History {
  enum Kind {
    READ,
    WRITE,
    SYNC,
    LOSE,
    PRUNE,
    FLUSH,
    ROLLBACK
  }

  /**
   * One step; {@code a} and {@code b} pick clients, nodes or thresholds modulo their counts. For a
   * write, {@code flag} says whether it carries the client's context, {@code flag2} whether it is a
   * delete, and {@code chain} whether the client then holds the context the write returned (as a
   * client chaining writes without reading does) rather than the one it had.
   */
  record Op(Kind kind, int a, int b, boolean flag, boolean flag2, boolean chain) {}

  static Arbitrary<List<Op>> ops(boolean chaos, int maxSteps) {
    Arbitrary<Kind> kinds =
        chaos
            ? Arbitraries.frequency(
                Tuple.of(3, Kind.READ),
                Tuple.of(4, Kind.WRITE),
                Tuple.of(3, Kind.SYNC),
                Tuple.of(1, Kind.LOSE),
                Tuple.of(1, Kind.PRUNE))
            : Arbitraries.frequency(
                Tuple.of(3, Kind.READ), Tuple.of(4, Kind.WRITE), Tuple.of(3, Kind.SYNC));
    return steps(kinds).list().ofMaxSize(maxSteps);
  }

  /** Steps of the given kinds, with random clients, nodes and flags. */
  static Arbitrary<Op> steps(Arbitrary<Kind> kinds) {
    Arbitrary<Integer> index = Arbitraries.integers().between(0, 7);
    Arbitrary<Boolean> flag = Arbitraries.of(true, false);
    return Combinators.combine(kinds, index, index, flag, flag, flag).as(Op::new);
  }

  /** Histories with rollbacks and flushes (and losses with weight {@code lossWeight}). */
  static Arbitrary<List<Op>> rollbackOps(int maxSteps, int lossWeight) {
    Arbitrary<Kind> kinds =
        Arbitraries.frequency(
            Tuple.of(3, Kind.READ),
            Tuple.of(4, Kind.WRITE),
            Tuple.of(4, Kind.SYNC),
            Tuple.of(lossWeight, Kind.LOSE),
            Tuple.of(2, Kind.FLUSH),
            Tuple.of(2, Kind.ROLLBACK));
    return steps(kinds).list().ofMinSize(10).ofMaxSize(maxSteps);
  }

  final int nodeCount;
  final int clientCount;
  final Siblings[] replicas;
  final TestEpochs[] epochs;
  final NodeId[] nodes;

  /** Oracle: for write w, the writes its context had seen (transitively closed). */
  final List<Set<Integer>> seen = new ArrayList<>();

  /** Oracle: per replica, the writes it has received or that a received write had seen. */
  final List<Set<Integer>> known = new ArrayList<>();

  final List<Dot> dots = new ArrayList<>();
  final Set<Dot> issued = new HashSet<>();
  final List<Dot> reused = new ArrayList<>();
  boolean lostState;
  boolean pruned;

  /** The clock bound replicas prune to when they store a set; 0 for no pruning on store. */
  final int bound;

  /** Whether a node that rolls back keeps its incarnation (and so may reissue dots). */
  final boolean keepIncarnation;

  private final CausalContext[] clientContext;
  private final List<Set<Integer>> clientSeen = new ArrayList<>();
  private final Siblings[] flushed;
  private final List<Set<Integer>> flushedKnown = new ArrayList<>();

  History(int nodeCount, int clientCount) {
    this(nodeCount, clientCount, 0, false);
  }

  History(int nodeCount, int clientCount, int bound, boolean keepIncarnation) {
    this.nodeCount = nodeCount;
    this.clientCount = clientCount;
    this.bound = bound;
    this.keepIncarnation = keepIncarnation;
    replicas = new Siblings[nodeCount];
    flushed = new Siblings[nodeCount];
    epochs = new TestEpochs[nodeCount];
    nodes = new NodeId[nodeCount];
    for (int i = 0; i < nodeCount; i++) {
      replicas[i] = Siblings.empty();
      flushed[i] = Siblings.empty();
      epochs[i] = new TestEpochs();
      nodes[i] = NodeId.of("node" + i);
      known.add(new HashSet<>());
      flushedKnown.add(new HashSet<>());
    }
    clientContext = new CausalContext[clientCount];
    Arrays.fill(clientContext, CausalContext.empty());
    for (int i = 0; i < clientCount; i++) {
      clientSeen.add(Set.of());
    }
  }

  static History run(int nodeCount, int clientCount, List<Op> ops, Runnable afterEachStep) {
    return run(new History(nodeCount, clientCount), ops, afterEachStep);
  }

  static History run(History h, List<Op> ops, Runnable afterEachStep) {
    for (Op op : ops) {
      h.apply(op);
      afterEachStep.run();
    }
    return h;
  }

  private Siblings stored(Siblings set) {
    if (bound > 0 && set.clockSize() > bound) {
      pruned = true;
      return set.pruned(bound);
    }
    return set;
  }

  static int id(Versioned v) {
    return (int) v.wallMillis();
  }

  static Set<Integer> ids(List<Versioned> values) {
    Set<Integer> ids = new TreeSet<>();
    for (Versioned v : values) {
      ids.add(id(v));
    }
    return ids;
  }

  int writeCount() {
    return seen.size();
  }

  /** The writes of {@code among} that no write of {@code among} has seen. */
  Set<Integer> maximal(Set<Integer> among) {
    Set<Integer> max = new TreeSet<>(among);
    for (int w : among) {
      max.removeAll(seen.get(w));
    }
    return max;
  }

  Set<Integer> allWrites() {
    Set<Integer> all = new TreeSet<>();
    for (int w = 0; w < writeCount(); w++) {
      all.add(w);
    }
    return all;
  }

  /** The writes a client reading {@code values} has seen: them and all they had seen. */
  Set<Integer> closure(List<Versioned> values) {
    Set<Integer> c = new HashSet<>();
    for (Versioned v : values) {
      c.add(id(v));
      c.addAll(seen.get(id(v)));
    }
    return c;
  }

  /** Every replica synced with every other. */
  Siblings fullSync() {
    return Siblings.syncAll(Arrays.asList(replicas));
  }

  Set<Integer> knownAnywhere() {
    Set<Integer> all = new TreeSet<>();
    known.forEach(all::addAll);
    return all;
  }

  void apply(Op op) {
    switch (op.kind()) {
      case READ -> {
        int c = op.a() % clientCount;
        Siblings r = replicas[op.b() % nodeCount];
        clientContext[c] = r.causalContext();
        clientSeen.set(c, closure(r.values()));
      }
      case WRITE ->
          write(op.a() % clientCount, op.b() % nodeCount, op.flag(), op.flag2(), op.chain());
      case SYNC -> {
        int a = op.a() % nodeCount;
        int b = op.b() % nodeCount;
        replicas[a] = stored(Siblings.sync(replicas[a], replicas[b]));
        known.get(a).addAll(known.get(b));
        if (op.flag()) {
          replicas[b] = stored(Siblings.sync(replicas[b], replicas[a]));
          known.get(b).addAll(known.get(a));
        }
      }
      case LOSE -> {
        int n = op.a() % nodeCount;
        replicas[n] = Siblings.empty();
        flushed[n] = Siblings.empty();
        known.get(n).clear();
        flushedKnown.get(n).clear();
        epochs[n].restart();
        lostState = true;
      }
      case PRUNE -> {
        int n = op.a() % nodeCount;
        replicas[n] = replicas[n].pruned(1 + op.b() % 3);
        pruned = true;
      }
      case FLUSH -> {
        int n = op.a() % nodeCount;
        flushed[n] = replicas[n];
        flushedKnown.set(n, new HashSet<>(known.get(n)));
      }
      case ROLLBACK -> {
        int n = op.a() % nodeCount;
        replicas[n] = flushed[n];
        known.set(n, new HashSet<>(flushedKnown.get(n)));
        if (!keepIncarnation) {
          epochs[n].restart();
        }
        lostState = true;
      }
    }
  }

  private void write(int client, int node, boolean withContext, boolean delete, boolean chain) {
    int w = writeCount();
    CausalContext context = withContext ? clientContext[client] : CausalContext.empty();
    Set<Integer> sawWrites = withContext ? clientSeen.get(client) : Set.of();
    Versioned value =
        delete ? Versioned.tombstone(w) : Versioned.of(ByteBuffer.allocate(4).putInt(w).array(), w);
    Siblings local = replicas[node];
    Actor actor =
        local.actorFor(
            nodes[node], keepIncarnation ? CausalContext.empty() : context, epochs[node]);
    Siblings next = local.update(context, value, actor);
    Dot dot = new Dot(actor, next.context().counter(actor));
    dots.add(dot);
    if (!issued.add(dot)) {
      reused.add(dot);
    }
    seen.add(Set.copyOf(sawWrites));
    replicas[node] = stored(next);
    known.get(node).addAll(sawWrites);
    known.get(node).add(w);
    if (chain) {
      clientContext[client] = next.writtenContext(context, actor);
      Set<Integer> sawOwn = new HashSet<>(sawWrites);
      sawOwn.add(w);
      clientSeen.set(client, sawOwn);
    }
  }
}
