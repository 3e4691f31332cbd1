/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.wire.WireFormat;
import io.dynamokv.core.wire.WireFormats;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
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
 * @param maxMembers the most members (of any status, this node included) a node keeps track of;
 *     gossip that would grow the membership past it, or that carries more entries of any kind, is
 *     refused (default {@value #DEFAULT_MAX_MEMBERS})
 * @param maxGenerationJump the most a member's generation, the generation a removal covers, or the
 *     ring epoch may advance past the last one this node accepted in one message (default {@value
 *     #DEFAULT_MAX_GENERATION_JUMP}: generations count restarts and rejoins)
 * @param maxVersionJump the most a member's heartbeat version within a generation, or the ring
 *     version within an epoch, may advance past the last one accepted in one message (default
 *     {@value #DEFAULT_MAX_VERSION_JUMP}, thousands of years of one heartbeat a second)
 * @param refusalReportInterval refused gossip is reported to listeners at most once per sender and
 *     reason in this interval (default 1 minute); every refusal is counted
 * @param formats per format family, the newest version this node reads (default {@link
 *     WireFormats#CURRENT}); gossiped to every member, see {@link Membership#agreedFormats()}
 * @param callFailuresToSuspect a peer is suspected from calls, and unreachable until a direct
 *     success ({@link Reachability}), once at least this many consecutive calls of this node to it
 *     failed (timeouts, refusals of the connection) ... (default {@value
 *     #DEFAULT_CALL_FAILURES_TO_SUSPECT})
 * @param callFailureWindow ... over at least this long, from the first of them (default 8 gossip
 *     intervals, about as patient as the failure detector's defaults). Both are needed: under heavy
 *     traffic the count is reached in milliseconds and one slow moment must not cut a peer off;
 *     with little traffic the streak's probes (one a round) must all fail, and a handful of lost
 *     messages in a row must not cut it off either (the simulation's 5% loss each way needed 8)
 * @param joinAtStart whether a node that starts for the first time, and does not found the cluster,
 *     asks to join by itself ({@link NodeStatus#JOINING}); otherwise (the server's default) it is a
 *     {@link NodeStatus#STANDBY} member that owns nothing until an operator runs {@link
 *     Membership#join()} on it. The library's default is {@code true}
 * @param callProbeMaxInterval the longest delay between two direct probes of a peer suspected from
 *     calls: probes start one {@code gossipInterval} apart and the delay doubles after each failed
 *     probe up to this (default 8 gossip intervals; at least the gossip interval)
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
    boolean measureBytes,
    int maxMembers,
    long maxGenerationJump,
    long maxVersionJump,
    Duration refusalReportInterval,
    SortedMap<String, Integer> formats,
    int callFailuresToSuspect,
    Duration callFailureWindow,
    Duration callProbeMaxInterval,
    boolean joinAtStart) {

  /** Default of {@link #maxMembers}. */
  public static final int DEFAULT_MAX_MEMBERS = 4096;

  /** Default of {@link #callFailuresToSuspect}. */
  public static final int DEFAULT_CALL_FAILURES_TO_SUSPECT = 3;

  /** Default of {@link #maxGenerationJump}. */
  public static final long DEFAULT_MAX_GENERATION_JUMP = 1L << 20;

  /** Default of {@link #maxVersionJump}. */
  public static final long DEFAULT_MAX_VERSION_JUMP = 1L << 40;

  /**
   * The bound on every generation, heartbeat version, ring version and ring epoch a node accepts or
   * creates: 2^62, so that a counter plus any allowed jump or increment never overflows a {@code
   * long}. A cluster would need 10^11 years of one heartbeat a second to reach it.
   */
  public static final long COUNTER_LIMIT = 1L << 62;

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
    GossipValidator.checkAddress("address", address);
    GossipValidator.checkZone("zone", zone);
    if (maxMembers < 1) {
      throw new IllegalArgumentException("maxMembers must be >= 1, found " + maxMembers);
    }
    if (maxGenerationJump < 2 || maxGenerationJump > COUNTER_LIMIT / 4) {
      throw new IllegalArgumentException(
          "maxGenerationJump must be in [2, 2^60], found " + maxGenerationJump);
    }
    if (maxVersionJump < 1 || maxVersionJump > COUNTER_LIMIT / 4) {
      throw new IllegalArgumentException(
          "maxVersionJump must be in [1, 2^60], found " + maxVersionJump);
    }
    Objects.requireNonNull(refusalReportInterval, "refusalReportInterval");
    formats = Collections.unmodifiableSortedMap(new TreeMap<>(formats));
    if (formats.size() > WireFormats.MAX_FAMILIES) {
      throw new IllegalArgumentException(
          formats.size() + " format families, more than " + WireFormats.MAX_FAMILIES);
    }
    formats.forEach(
        (family, version) -> new WireFormat(family, 1, version)); // checks name and range
    if (refusalReportInterval.isNegative()) {
      throw new IllegalArgumentException(
          "refusalReportInterval must not be negative, found " + refusalReportInterval);
    }
    if (callFailuresToSuspect < 1) {
      throw new IllegalArgumentException(
          "callFailuresToSuspect must be >= 1, found " + callFailuresToSuspect);
    }
    if (callFailureWindow.isNegative()) {
      throw new IllegalArgumentException(
          "callFailureWindow must not be negative, found " + callFailureWindow);
    }
    Objects.requireNonNull(callProbeMaxInterval, "callProbeMaxInterval");
    if (callProbeMaxInterval.compareTo(gossipInterval) < 0) {
      throw new IllegalArgumentException(
          "callProbeMaxInterval must be >= gossipInterval "
              + gossipInterval
              + ", found "
              + callProbeMaxInterval);
    }
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
    private int maxMembers = DEFAULT_MAX_MEMBERS;
    private long maxGenerationJump = DEFAULT_MAX_GENERATION_JUMP;
    private long maxVersionJump = DEFAULT_MAX_VERSION_JUMP;
    private Duration refusalReportInterval = Duration.ofMinutes(1);
    private SortedMap<String, Integer> formats = WireFormats.CURRENT;
    private int callFailuresToSuspect = DEFAULT_CALL_FAILURES_TO_SUSPECT;
    private Duration callFailureWindow;
    private Duration callProbeMaxInterval;
    private boolean joinAtStart = true;

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

    public Builder maxMembers(int maxMembers) {
      this.maxMembers = maxMembers;
      return this;
    }

    public Builder maxGenerationJump(long jump) {
      this.maxGenerationJump = jump;
      return this;
    }

    public Builder maxVersionJump(long jump) {
      this.maxVersionJump = jump;
      return this;
    }

    public Builder refusalReportInterval(Duration interval) {
      this.refusalReportInterval = interval;
      return this;
    }

    /** The formats this node reads (default {@link WireFormats#CURRENT}): for tests of upgrades. */
    public Builder formats(Map<String, Integer> formats) {
      this.formats = new TreeMap<>(formats);
      return this;
    }

    /** See {@link MembershipConfig#joinAtStart()} (default {@code true}). */
    public Builder joinAtStart(boolean join) {
      this.joinAtStart = join;
      return this;
    }

    public Builder callFailuresToSuspect(int failures) {
      this.callFailuresToSuspect = failures;
      return this;
    }

    public Builder callFailureWindow(Duration window) {
      this.callFailureWindow = window;
      return this;
    }

    public Builder callProbeMaxInterval(Duration interval) {
      this.callProbeMaxInterval = interval;
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
          measureBytes,
          maxMembers,
          maxGenerationJump,
          maxVersionJump,
          refusalReportInterval,
          formats,
          callFailuresToSuspect,
          callFailureWindow == null ? gossipInterval.multipliedBy(8) : callFailureWindow,
          callProbeMaxInterval == null ? gossipInterval.multipliedBy(8) : callProbeMaxInterval,
          joinAtStart);
    }
  }
}
