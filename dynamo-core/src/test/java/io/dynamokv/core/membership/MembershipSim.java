/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.sim.NodeFactory;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/** A {@link SimCluster} of {@link Membership} services with convergence helpers. */
final class MembershipSim {
  static final Duration ROUND = Duration.ofSeconds(1);

  final SimCluster<Membership> cluster;
  final List<String> suspicions = new ArrayList<>();

  MembershipSim(SimCluster.Builder<Membership> builder) {
    this.cluster = builder.build();
  }

  /** A cluster builder whose node {@code i} seeds from {@code seeds.apply(i)}. */
  static SimCluster.Builder<Membership> builder(
      long seed,
      int nodes,
      IntFunction<SortedSet<NodeId>> seeds,
      boolean measure,
      List<String> suspicions) {
    return builder(seed, nodes, seeds, measure, suspicions, UnaryOperator.identity());
  }

  /** As above, with {@code tweak} applied to every node's configuration. */
  static SimCluster.Builder<Membership> builder(
      long seed,
      int nodes,
      IntFunction<SortedSet<NodeId>> seeds,
      boolean measure,
      List<String> suspicions,
      UnaryOperator<MembershipConfig.Builder> tweak) {
    return builder(seed, nodes, seeds, measure, suspicions, tweak, m -> {});
  }

  /** As above, with {@code beforeStart} run on every service before it starts. */
  static SimCluster.Builder<Membership> builder(
      long seed,
      int nodes,
      IntFunction<SortedSet<NodeId>> seeds,
      boolean measure,
      List<String> suspicions,
      UnaryOperator<MembershipConfig.Builder> tweak,
      Consumer<Membership> beforeStart) {
    NodeFactory<Membership> factory =
        (SimNode node) -> {
          MembershipConfig config =
              tweak
                  .apply(
                      MembershipConfig.builder(node.id())
                          .address(node.id() + ":7000")
                          .zone("z" + node.index() % 3)
                          .seeds(seeds.apply(node.index()))
                          .gossipInterval(ROUND)
                          .measureBytes(measure))
                  .build();
          Membership m =
              new Membership(
                  config,
                  node.clock(),
                  node.scheduler(),
                  node.random(),
                  node.transport(),
                  node.storage(),
                  SortedIdsPlanner.INSTANCE,
                  HandoffGate.ALWAYS);
          node.transport().serve(m.handler());
          m.reachability()
              .addListener(
                  new Reachability.Listener() {
                    @Override
                    public void onReachable(NodeId peer) {}

                    @Override
                    public void onUnreachable(NodeId peer) {
                      suspicions.add(node.id() + " suspects " + peer);
                    }
                  });
          beforeStart.accept(m);
          m.start();
          return m;
        };
    return SimCluster.builder(factory).seed(seed).nodes(nodes);
  }

  static SortedSet<NodeId> ids(String... ids) {
    TreeSet<NodeId> out = new TreeSet<>();
    for (String id : ids) {
      out.add(NodeId.of(id));
    }
    return out;
  }

  /** What must agree across nodes: the ring and every member's effective status. */
  record Fingerprint(RingState ring, Map<NodeId, NodeStatus> statuses) {}

  static Fingerprint fingerprint(MembershipView v) {
    TreeMap<NodeId, NodeStatus> statuses = new TreeMap<>();
    v.members().forEach((id, m) -> statuses.put(id, m.status()));
    return new Fingerprint(v.ring(), statuses);
  }

  /** Whether every up node has the same fingerprint, and each has applied the ring. */
  boolean agree() {
    Fingerprint first = null;
    for (SimCluster<Membership>.Instance n : cluster.nodes()) {
      if (!n.isUp()) {
        continue;
      }
      MembershipView v = n.service().view();
      Fingerprint f = fingerprint(v);
      if (first == null) {
        first = f;
      } else if (!first.equals(f)) {
        return false;
      }
      MembershipView.Member self = v.members().get(n.id());
      if (v.ring() == null || self == null || self.ringVersion() != v.ring().version()) {
        return false;
      }
    }
    return first != null;
  }

  /** Agreement and every up node NORMAL (or {@code allowed}). */
  boolean formed() {
    if (!agree()) {
      return false;
    }
    for (SimCluster<Membership>.Instance n : cluster.nodes()) {
      if (n.isUp() && n.service().view().status(n.id()) != NodeStatus.NORMAL) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs in steps of {@code step} until {@code condition} holds; returns the simulated time it took
   * in rounds, or -1 after {@code max}.
   */
  double roundsUntil(java.util.function.BooleanSupplier condition, Duration max, Duration step) {
    long start = cluster.now();
    long end = start + max.toNanos();
    while (cluster.now() < end) {
      if (condition.getAsBoolean()) {
        return (cluster.now() - start) / (double) ROUND.toNanos();
      }
      cluster.runFor(step);
    }
    return condition.getAsBoolean() ? (cluster.now() - start) / (double) ROUND.toNanos() : -1;
  }

  Membership service(int index) {
    return cluster.node(index).service();
  }

  MembershipView view(int index) {
    return Objects.requireNonNull(service(index).view());
  }

  SortedSet<NodeId> ringOwners(int index) {
    return new TreeSet<>(SortedIdsPlanner.INSTANCE.owners(view(index).ringBytes()));
  }

  long totalBytes() {
    long sum = 0;
    for (SimCluster<Membership>.Instance n : cluster.nodes()) {
      if (n.isUp()) {
        sum += n.service().stats().bytesSent();
      }
    }
    return sum;
  }
}
