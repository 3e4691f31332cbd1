/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.sim.NodeFactory;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimNode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A simulated cluster of {@link DynamoNode}s: node {@code n1} seeds the others, every store of
 * {@link #stores} is served, and {@link #formCluster()} runs until every node is NORMAL in one
 * agreed ring.
 */
final class DynamoSim {
  static final Duration GOSSIP = Duration.ofSeconds(1);

  final SimCluster<DynamoNode> cluster;

  /** Every key any node reported with two values under one dot ("n3 sets/6b6579"). */
  final List<String> reissuedDots = new java.util.ArrayList<>();

  /**
   * The formats a node reads when it next starts, if not this release's (to simulate a member of an
   * earlier build).
   */
  final java.util.Map<NodeId, java.util.SortedMap<String, Integer>> formats =
      new java.util.HashMap<>();

  /** The nodes that started as STANDBY members. */
  final java.util.Set<NodeId> standby;

  /** Runs on every node incarnation the cluster starts (e.g. to listen to it). */
  java.util.function.Consumer<DynamoNode> onStart = node -> {};

  DynamoSim(long seed, int nodes, List<StoreDefinition> stores) {
    this(seed, nodes, stores, BrokenVariant.NONE, Duration.ofMillis(500));
  }

  /** How long a group commit's synced write takes in simulated time. */
  static final Duration GROUP_WRITE = Duration.ofMillis(1);

  DynamoSim(
      long seed,
      int nodes,
      List<StoreDefinition> stores,
      BrokenVariant broken,
      Duration requestTimeout) {
    this(seed, nodes, stores, broken, requestTimeout, b -> b);
  }

  /**
   * @param tweak adjusts each node's configuration (e.g. the clock pruning threshold)
   */
  DynamoSim(
      long seed,
      int nodes,
      List<StoreDefinition> stores,
      BrokenVariant broken,
      Duration requestTimeout,
      java.util.function.UnaryOperator<NodeConfig.Builder> tweak) {
    this(seed, nodes, stores, broken, requestTimeout, tweak, java.util.Set.of());
  }

  /**
   * @param standby the nodes that start as {@link NodeStatus#STANDBY} members, owning nothing until
   *     they are told to {@link DynamoNode#join()}; the others join by themselves
   */
  DynamoSim(
      long seed,
      int nodes,
      List<StoreDefinition> stores,
      BrokenVariant broken,
      Duration requestTimeout,
      java.util.function.UnaryOperator<NodeConfig.Builder> tweak,
      java.util.Set<NodeId> standby) {
    this.standby = java.util.Set.copyOf(standby);
    NodeFactory<DynamoNode> factory =
        new NodeFactory<>() {
          @Override
          public DynamoNode start(SimNode node) {
            DynamoNode started =
                DynamoNode.start(
                    tweak
                        .apply(
                            NodeConfig.builder(
                                    MembershipConfig.builder(node.id())
                                        .address(node.id() + ":7000")
                                        .seeds(new TreeSet<>(List.of(NodeId.of("n1"))))
                                        .gossipInterval(GOSSIP)
                                        .joinAtStart(!standby.contains(node.id()))
                                        .formats(
                                            formats.getOrDefault(
                                                node.id(),
                                                io.dynamokv.core.wire.WireFormats.CURRENT))
                                        .build())
                                .stores(stores)
                                .requestTimeout(requestTimeout)
                                .clusterSecret(TestSecrets.CLUSTER)
                                .ringPlanner(
                                    io.dynamokv.core.ring.RingPlanner.fixedPartitions(64, 3))
                                // Off unless a test asks for it: most tests watch hints and
                                // read repair alone.
                                .antiEntropy(
                                    io.dynamokv.core.merkle.AntiEntropyConfig.DEFAULTS.withEnabled(
                                        false)))
                        .build(),
                    node.clock(),
                    node.scheduler(),
                    node.random(),
                    node.transport(),
                    node.storage(),
                    node.host(),
                    // A sync engine's group commit: each group's write takes simulated time, in
                    // which the node serves other events (and may crash before it is durable).
                    task -> node.scheduler().schedule(GROUP_WRITE, task),
                    broken);
            started.addEventListener(
                (store, key, set) ->
                    reissuedDots.add(
                        node.id()
                            + " "
                            + store
                            + "/"
                            + new String(key, java.nio.charset.StandardCharsets.UTF_8)));
            onStart.accept(started);
            return started;
          }

          @Override
          public void stop(DynamoNode node) {
            node.close();
            node.recordCleanStop(); // the simulated scheduler runs nothing of it any more
          }
        };
    this.cluster = SimCluster.builder(factory).seed(seed).nodes(nodes).build().startAll();
  }

  /**
   * Runs until every up node is NORMAL and all agree on a ring holding every up node; fails after a
   * minute.
   */
  void formCluster() {
    cluster.simulation().runUntilOrFail("cluster formed", this::formed, Duration.ofMinutes(2));
  }

  /**
   * Whether every up node agrees on one ring that is not moving, every up node that wants
   * partitions is NORMAL in it, and its nodes are exactly the up NORMAL ones.
   */
  boolean formed() {
    Long version = null;
    java.util.Set<NodeId> normal = new TreeSet<>();
    io.dynamokv.core.ring.Ring ring = null;
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (!n.isUp()) {
        continue;
      }
      DynamoNode node = n.service();
      MembershipView view = node.membership().view();
      NodeStatus status = view.status(n.id());
      if (status == NodeStatus.JOINING || node.ring().isEmpty()) {
        return false;
      }
      if (status == NodeStatus.NORMAL) {
        normal.add(n.id());
      }
      long v = view.ringVersion();
      if (version != null && version != v) {
        return false;
      }
      version = v;
      ring = node.ring().orElseThrow();
    }
    return ring != null && !ring.moving() && ring.nodes().equals(normal);
  }

  DynamoNode node(int index) {
    return cluster.node(index).service();
  }

  /** Runs until every up node considers every other up node reachable. */
  void awaitAllReachable() {
    cluster
        .simulation()
        .runUntilOrFail(
            "every node reachable from every node",
            () -> {
              int up = (int) cluster.nodes().stream().filter(SimCluster.Instance::isUp).count();
              return formed()
                  && cluster.nodes().stream()
                      .filter(SimCluster.Instance::isUp)
                      .allMatch(
                          n ->
                              n.service().membership().reachability().reachableNodes().size()
                                  == up);
            },
            Duration.ofMinutes(2));
  }

  /**
   * Runs the simulation until {@code stage} completes (or a simulated minute passes) and returns
   * its outcome.
   */
  <T> CompletableFuture<T> await(CompletionStage<T> stage) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    cluster.simulation().runUntilOrFail("request completed", f::isDone, Duration.ofMinutes(1));
    return f;
  }

  <T> T join(CompletionStage<T> stage) {
    return Objects.requireNonNull(await(stage)).join();
  }

  /** The error a request failed with (unwrapped), or null if it succeeded. */
  <T> Throwable errorOf(CompletionStage<T> request) {
    return await(request)
        .handle((ok, e) -> e == null ? null : io.dynamokv.core.DynamoException.unwrap(e))
        .join();
  }
}
