/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Settings of one node's {@link Membership}. Build with {@link #builder(NodeId)}.
 *
 * @param self this node
 * @param address opaque {@code host:port} other nodes' transports use to reach this node
 * @param zone availability zone or rack, may be empty
 * @param seeds seed nodes (may include {@code self}); the lowest seed founds a brand-new cluster
 * @param gossipInterval time between two rounds (default 1 s)
 * @param gossipTimeout timeout of each gossip call (default: the interval)
 * @param seedContactRounds a node that has not gossiped with a seed for this many rounds does so in
 *     the next round (default 10)
 * @param failureDetector phi accrual settings
 * @param measureBytes whether to count the encoded size of every gossip message sent ({@link
 *     Membership#stats()}); costs an encoding pass per message
 */
public record MembershipConfig(
    NodeId self,
    String address,
    String zone,
    SortedSet<NodeId> seeds,
    Duration gossipInterval,
    Duration gossipTimeout,
    int seedContactRounds,
    PhiAccrualFailureDetector.Config failureDetector,
    boolean measureBytes) {

  public MembershipConfig {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(zone, "zone");
    seeds = Collections.unmodifiableSortedSet(new TreeSet<>(seeds));
    if (gossipInterval.isNegative() || gossipInterval.isZero()) {
      throw new IllegalArgumentException("gossipInterval must be > 0, found " + gossipInterval);
    }
    if (gossipTimeout.isNegative() || gossipTimeout.isZero()) {
      throw new IllegalArgumentException("gossipTimeout must be > 0, found " + gossipTimeout);
    }
    if (seedContactRounds < 1) {
      throw new IllegalArgumentException(
          "seedContactRounds must be >= 1, found " + seedContactRounds);
    }
    Objects.requireNonNull(failureDetector, "failureDetector");
  }

  /** A builder with the defaults. */
  public static Builder builder(NodeId self) {
    return new Builder(self);
  }

  /** Builds a {@link MembershipConfig}; not thread-safe. */
  public static final class Builder {
    private final NodeId self;
    private String address;
    private String zone = "";
    private final TreeSet<NodeId> seeds = new TreeSet<>();
    private Duration gossipInterval = Duration.ofSeconds(1);
    private Duration gossipTimeout;
    private int seedContactRounds = 10;
    private PhiAccrualFailureDetector.Config failureDetector =
        PhiAccrualFailureDetector.Config.DEFAULT;
    private boolean measureBytes;

    private Builder(NodeId self) {
      this.self = Objects.requireNonNull(self, "self");
      this.address = self.value();
    }

    public Builder address(String address) {
      this.address = address;
      return this;
    }

    public Builder zone(String zone) {
      this.zone = zone;
      return this;
    }

    public Builder seeds(Collection<NodeId> seeds) {
      this.seeds.addAll(seeds);
      return this;
    }

    public Builder gossipInterval(Duration interval) {
      this.gossipInterval = interval;
      return this;
    }

    public Builder gossipTimeout(Duration timeout) {
      this.gossipTimeout = timeout;
      return this;
    }

    public Builder seedContactRounds(int rounds) {
      this.seedContactRounds = rounds;
      return this;
    }

    public Builder failureDetector(PhiAccrualFailureDetector.Config config) {
      this.failureDetector = config;
      return this;
    }

    public Builder measureBytes(boolean measure) {
      this.measureBytes = measure;
      return this;
    }

    public MembershipConfig build() {
      return new MembershipConfig(
          self,
          address,
          zone,
          seeds,
          gossipInterval,
          gossipTimeout == null ? gossipInterval : gossipTimeout,
          seedContactRounds,
          failureDetector,
          measureBytes);
    }
  }
}
