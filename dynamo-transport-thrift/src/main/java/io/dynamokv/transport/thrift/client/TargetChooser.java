/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Where a client request goes, best first, and the health of nodes as this client saw it: a node
 * that failed to connect (or answered that it is shutting down) is suspected for {@link
 * #SUSPECT_FOR} and tried only after the others; so is one the answering node's failure detector
 * calls unreachable. Thread-safe.
 */
final class TargetChooser {
  /** How long a node that failed to connect is tried only after the others. */
  static final Duration SUSPECT_FOR = Duration.ofSeconds(2);

  private final List<String> bootstrap;
  private final boolean partitionAware;
  private final AtomicInteger rotation = new AtomicInteger();
  private final LongSupplier nanoTime;
  private final Map<String, Long> suspectUntil = new ConcurrentHashMap<>();

  /** Suspected addresses already given their one early try since they last answered. */
  private final Set<String> triedEarly = ConcurrentHashMap.newKeySet();

  TargetChooser(List<String> bootstrap, boolean partitionAware) {
    this(bootstrap, partitionAware, System::nanoTime);
  }

  TargetChooser(List<String> bootstrap, boolean partitionAware, LongSupplier nanoTime) {
    this.bootstrap = List.copyOf(bootstrap);
    this.partitionAware = partitionAware;
    this.nanoTime = nanoTime;
  }

  /** The bootstrap addresses, in configured order. */
  List<String> bootstrap() {
    return bootstrap;
  }

  /**
   * Where to send a request for {@code store} and {@code key}, best first: the key's preference
   * list (rotated for reads), then the other members, then the bootstrap addresses; in each group
   * nodes not suspected first.
   */
  List<ClientTarget> targets(ClientTopology topo, String store, byte[] key, boolean read) {
    return targets(topo, partitionAware ? topo.preferenceList(store, key) : List.of(), read);
  }

  /** Every node, best first, for requests about the cluster (a ring refresh). */
  List<ClientTarget> anyNode(ClientTopology topo) {
    return targets(topo, List.of(), true);
  }

  private List<ClientTarget> targets(
      ClientTopology topo, List<NodeId> preferenceList, boolean read) {
    List<ClientTarget> owners = new ArrayList<>();
    if (partitionAware) {
      for (NodeId node : preferenceList) {
        String address = topo.address(node);
        if (address != null) {
          owners.add(new ClientTarget(node, address));
        }
      }
    }
    if (read) {
      rotate(owners);
    }
    List<ClientTarget> members = new ArrayList<>();
    for (Map.Entry<NodeId, String> m : topo.members().entrySet()) {
      members.add(new ClientTarget(m.getKey(), m.getValue()));
    }
    List<ClientTarget> seeds = new ArrayList<>();
    for (String address : bootstrap) {
      seeds.add(new ClientTarget(null, address));
    }
    rotate(members);
    List<List<ClientTarget>> groups;
    if (partitionAware) {
      groups = List.of(owners, members, seeds);
    } else {
      // Server-driven coordination: any key to any bootstrap node, spread over them.
      rotate(seeds);
      groups = List.of(seeds, members);
    }
    Map<String, ClientTarget> ordered = new LinkedHashMap<>();
    long now = nanoTime.getAsLong();
    for (boolean healthy : new boolean[] {true, false}) {
      for (List<ClientTarget> group : groups) {
        for (ClientTarget t : group) {
          if (healthy(t, topo, now) == healthy) {
            ordered.putIfAbsent(t.address(), t);
          }
        }
      }
    }
    return new ArrayList<>(ordered.values());
  }

  /** {@code address} failed: tried after the others for {@link #SUSPECT_FOR}. */
  void suspect(String address) {
    suspectUntil.put(address, nanoTime.getAsLong() + SUSPECT_FOR.toNanos());
  }

  /** {@code address} answered: no longer suspected. */
  void answered(String address) {
    suspectUntil.remove(address);
    triedEarly.remove(address);
  }

  /**
   * A topology refresh reports {@code address}'s node reachable again, after an earlier one had
   * reported it unreachable: if this client suspects it, it is tried in its turn again at once
   * rather than after the rest of {@link #SUSPECT_FOR}, but only once until it answers, so that a
   * node the cluster sees and this client cannot reach draws no storm of attempts.
   */
  void reportedReachable(String address) {
    Long until = suspectUntil.get(address);
    if (until != null && until - nanoTime.getAsLong() > 0 && triedEarly.add(address)) {
      suspectUntil.remove(address, until);
    }
  }

  private void rotate(List<ClientTarget> targets) {
    if (targets.size() > 1) {
      Collections.rotate(targets, -Math.floorMod(rotation.getAndIncrement(), targets.size()));
    }
  }

  private boolean healthy(ClientTarget t, ClientTopology topo, long now) {
    Long until = suspectUntil.get(t.address());
    if (until != null && until - now > 0) {
      return false;
    }
    return t.node() == null || !topo.unreachable().contains(t.node());
  }
}
