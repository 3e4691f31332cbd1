/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.ring.RingPlanner;
import io.dynamokv.core.security.ClusterSecret;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything a {@link DynamoNode} is configured with.
 *
 * @param membership this node's identity, address, zone, seeds and gossip settings
 * @param stores the stores the cluster serves, by name
 * @param requestTimeout how long a coordinator waits for R or W answers unless a request says
 *     otherwise
 * @param maxClockEntries the vector-clock pruning threshold per key (paper: 10); entries carrying a
 *     live sibling are never pruned
 * @param ringPlanner how the claimant plans rings; its replica window should be at least the
 *     largest N
 * @param clusterSecret the secret every node of the cluster shares; it signs the contexts handed to
 *     clients
 * @param newIncarnation start a new incarnation whatever the data directory says (after restoring
 *     it from a backup)
 * @param handoff sloppy quorums and hinted handoff: the hint cap, maximum age and delivery pace
 * @param readRepair whether reads repair the stale replicas they hear from (see {@link
 *     ReadRepair}); off only for tests that must see anti-entropy alone
 * @param readRepairMaxInFlight how many read-repair writes a node keeps in flight at most; repairs
 *     beyond it are skipped (and counted)
 * @param antiEntropy the Merkle trees and the background exchanges between replicas
 */
public record NodeConfig(
    MembershipConfig membership,
    SortedMap<String, StoreDefinition> stores,
    Duration requestTimeout,
    int maxClockEntries,
    RingPlanner ringPlanner,
    ClusterSecret clusterSecret,
    boolean newIncarnation,
    HandoffConfig handoff,
    boolean readRepair,
    int readRepairMaxInFlight,
    AntiEntropyConfig antiEntropy) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_CLOCK_ENTRIES = 10;
  public static final int DEFAULT_PARTITIONS = 256;
  public static final int DEFAULT_READ_REPAIR_MAX_IN_FLIGHT = 64;

  public NodeConfig {
    Objects.requireNonNull(membership, "membership");
    Objects.requireNonNull(antiEntropy, "antiEntropy");
    stores = Collections.unmodifiableSortedMap(new TreeMap<>(stores));
    if (stores.isEmpty()) {
      throw new IllegalArgumentException("a node needs at least one store");
    }
    stores.forEach(
        (name, def) -> {
          if (!name.equals(def.name())) {
            throw new IllegalArgumentException("store " + def.name() + " is filed under " + name);
          }
        });
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException(
          "request timeout must be positive, found " + requestTimeout);
    }
    if (maxClockEntries < 1) {
      throw new IllegalArgumentException(
          "max clock entries must be positive, found " + maxClockEntries);
    }
    if (readRepairMaxInFlight < 1) {
      throw new IllegalArgumentException(
          "read repairs in flight must be at least 1, found " + readRepairMaxInFlight);
    }
    Objects.requireNonNull(ringPlanner, "ringPlanner");
    Objects.requireNonNull(clusterSecret, "clusterSecret");
    Objects.requireNonNull(handoff, "handoff");
    if (antiEntropy.enabled()
        && handoff.enabled()
        && antiEntropy.tombstoneGrace().compareTo(handoff.maxAge()) <= 0) {
      throw new IllegalArgumentException(
          "the tombstone grace period ("
              + antiEntropy.tombstoneGrace()
              + ") must be longer than the hints' maximum age ("
              + handoff.maxAge()
              + "): a hint delivered after a purge would bring the deleted value back");
    }
    int maxN = maxReplication(stores.values());
    if (ringPlanner.replicas() < maxN) {
      throw new IllegalArgumentException(
          "the ring planner keeps "
              + ringPlanner.replicas()
              + " consecutive partitions on distinct nodes, but store N goes up to "
              + maxN);
    }
  }

  /** The largest N of {@code stores}: the window the ring must keep on distinct nodes. */
  static int maxReplication(Collection<StoreDefinition> stores) {
    return stores.stream().mapToInt(StoreDefinition::replicationFactor).max().orElse(1);
  }

  public NodeId self() {
    return membership.self();
  }

  public static Builder builder(MembershipConfig membership) {
    return new Builder(membership);
  }

  /** Builds a {@link NodeConfig} with defaults for everything but membership and stores. */
  public static final class Builder {
    private final MembershipConfig membership;
    private final SortedMap<String, StoreDefinition> stores = new TreeMap<>();
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int maxClockEntries = DEFAULT_MAX_CLOCK_ENTRIES;
    private RingPlanner ringPlanner;
    private ClusterSecret clusterSecret;
    private boolean newIncarnation;
    private HandoffConfig handoff = HandoffConfig.DEFAULTS;
    private AntiEntropyConfig antiEntropy = AntiEntropyConfig.DEFAULTS;
    private boolean readRepair = true;
    private int readRepairMaxInFlight = DEFAULT_READ_REPAIR_MAX_IN_FLIGHT;

    private Builder(MembershipConfig membership) {
      this.membership = membership;
    }

    public Builder store(StoreDefinition store) {
      stores.put(store.name(), store);
      return this;
    }

    public Builder stores(Collection<StoreDefinition> stores) {
      stores.forEach(this::store);
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    public Builder maxClockEntries(int entries) {
      this.maxClockEntries = entries;
      return this;
    }

    public Builder ringPlanner(RingPlanner planner) {
      this.ringPlanner = planner;
      return this;
    }

    /** The secret every node of the cluster shares (required). */
    public Builder clusterSecret(ClusterSecret secret) {
      this.clusterSecret = secret;
      return this;
    }

    /** Start a new incarnation whatever the data directory says (default: no). */
    public Builder newIncarnation(boolean fresh) {
      this.newIncarnation = fresh;
      return this;
    }

    /** Merkle trees and their exchanges (default: {@link AntiEntropyConfig#DEFAULTS}). */
    public Builder antiEntropy(AntiEntropyConfig antiEntropy) {
      this.antiEntropy = java.util.Objects.requireNonNull(antiEntropy, "antiEntropy");
      return this;
    }

    /** Sloppy quorums and hinted handoff (default: {@link HandoffConfig#DEFAULTS}). */
    public Builder handoff(HandoffConfig handoff) {
      this.handoff = handoff;
      return this;
    }

    /**
     * Whether reads repair the stale replicas they hear from (default: yes). Switch it off only in
     * tests that must see anti-entropy alone.
     */
    public Builder readRepair(boolean enabled) {
      this.readRepair = enabled;
      return this;
    }

    /** How many read-repair writes a node keeps in flight at most (default 64). */
    public Builder readRepairMaxInFlight(int max) {
      this.readRepairMaxInFlight = max;
      return this;
    }

    public NodeConfig build() {
      if (clusterSecret == null) {
        throw new IllegalArgumentException(
            "a node needs the cluster secret, which signs the contexts clients get");
      }
      RingPlanner planner = ringPlanner;
      if (planner == null) {
        planner =
            RingPlanner.fixedPartitions(
                DEFAULT_PARTITIONS,
                Math.max(maxReplication(stores.values()), RingPlanner.DEFAULT_REPLICAS));
      }
      return new NodeConfig(
          membership,
          stores,
          requestTimeout,
          maxClockEntries,
          planner,
          clusterSecret,
          newIncarnation,
          handoff,
          readRepair,
          readRepairMaxInFlight,
          antiEntropy);
    }
  }
}
