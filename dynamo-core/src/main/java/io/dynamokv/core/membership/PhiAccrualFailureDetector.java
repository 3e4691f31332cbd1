/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The phi accrual failure detector (Hayashibara et al., "The φ Accrual Failure Detector", 2004), as
 * in Cassandra and Akka. Instead of a yes/no answer it outputs a suspicion level {@code phi} that
 * grows the longer a peer stays silent, relative to how regularly it has been heard from:
 *
 * <pre>
 *   phi(t) = -log10(1 - F(t))      t = time since the last heartbeat
 * </pre>
 *
 * where {@code F} is the CDF of a <b>normal distribution</b> fitted to the peer's recent
 * inter-arrival times (a bounded window, {@link Config#maxSampleSize}), computed with Akka's
 * logistic approximation of the normal CDF (error below 0.01%). Like Akka, two settings keep a
 * loaded machine from suspecting live peers: the standard deviation is at least {@link
 * Config#minStdDeviation}, and {@link Config#acceptableHeartbeatPause} is added to the mean. A peer
 * is suspected when {@code phi >= threshold} (default 8: a false-positive rate of about 10^-8 under
 * the model).
 *
 * <p>A heartbeat, for gossip, is learning a newer {@link VersionStamp} of the peer, directly or
 * through a third node. The first heartbeat of a peer seeds its window with {@link
 * Config#firstHeartbeatEstimate} ± a quarter of it. {@link #reset} forgets a peer (e.g. on a new
 * generation).
 *
 * <p>Time comes only from the {@link Clock} port. Not thread-safe: use it from the node's
 * scheduler.
 */
public final class PhiAccrualFailureDetector {
  private final Config config;
  private final Clock clock;
  private final TreeMap<NodeId, History> histories = new TreeMap<>();

  public PhiAccrualFailureDetector(Config config, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The settings. */
  public Config config() {
    return config;
  }

  /** Records a heartbeat from {@code node} now. */
  public void heartbeat(NodeId node) {
    long now = clock.nanoTime();
    History h = histories.get(node);
    if (h == null) {
      h = new History(config.maxSampleSize);
      double first = config.firstHeartbeatEstimate.toNanos();
      h.add(first - first / 4);
      h.add(first + first / 4);
      histories.put(node, h);
    } else {
      h.add(now - h.last);
    }
    h.last = now;
  }

  /** Whether {@code node} has ever sent a heartbeat (since the last {@link #reset}). */
  public boolean isMonitoring(NodeId node) {
    return histories.containsKey(node);
  }

  /** Forgets everything about {@code node}. */
  public void reset(NodeId node) {
    histories.remove(node);
  }

  /** The current suspicion level of {@code node}; 0 for a node never heard from. */
  public double phi(NodeId node) {
    History h = histories.get(node);
    if (h == null) {
      return 0.0;
    }
    double elapsed = clock.nanoTime() - h.last;
    double mean = h.mean() + config.acceptableHeartbeatPause.toNanos();
    double std = Math.max(h.stdDeviation(), config.minStdDeviation.toNanos());
    return phi(elapsed, mean, std);
  }

  /** Whether {@code node} has been heard from and is not suspected. */
  public boolean isAvailable(NodeId node) {
    return histories.containsKey(node) && phi(node) < config.threshold;
  }

  /** -log10(1 - F(elapsed)) for a normal distribution, by Akka's logistic approximation. */
  static double phi(double elapsed, double mean, double std) {
    double y = (elapsed - mean) / std;
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    if (elapsed > mean) {
      return -Math.log10(e / (1.0 + e));
    }
    return -Math.log10(1.0 - 1.0 / (1.0 + e));
  }

  /**
   * Failure detector settings.
   *
   * @param threshold phi at and above which a peer is suspected (Cassandra's default 8)
   * @param maxSampleSize inter-arrival samples kept per peer (default 1000)
   * @param minStdDeviation lower bound on the fitted standard deviation (default 500 ms)
   * @param acceptableHeartbeatPause added to the mean: silence tolerated on top of the usual
   *     interval (default 3 s, as Akka cluster's: heartbeats learnt through gossip arrive with a
   *     heavy tail)
   * @param firstHeartbeatEstimate the interval assumed before any sample (default 1 s)
   */
  public record Config(
      double threshold,
      int maxSampleSize,
      Duration minStdDeviation,
      Duration acceptableHeartbeatPause,
      Duration firstHeartbeatEstimate) {
    /** Defaults suited to one gossip round per second. */
    public static final Config DEFAULT =
        new Config(8.0, 1000, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(1));

    public Config {
      if (!(threshold > 0)) {
        throw new IllegalArgumentException("threshold must be > 0, found " + threshold);
      }
      if (maxSampleSize < 2) {
        throw new IllegalArgumentException("maxSampleSize must be >= 2, found " + maxSampleSize);
      }
      if (minStdDeviation.isNegative() || minStdDeviation.isZero()) {
        throw new IllegalArgumentException("minStdDeviation must be > 0, found " + minStdDeviation);
      }
      if (acceptableHeartbeatPause.isNegative()) {
        throw new IllegalArgumentException(
            "acceptableHeartbeatPause must be >= 0, found " + acceptableHeartbeatPause);
      }
      if (firstHeartbeatEstimate.isNegative() || firstHeartbeatEstimate.isZero()) {
        throw new IllegalArgumentException(
            "firstHeartbeatEstimate must be > 0, found " + firstHeartbeatEstimate);
      }
    }

    public Config withThreshold(double t) {
      return new Config(
          t, maxSampleSize, minStdDeviation, acceptableHeartbeatPause, firstHeartbeatEstimate);
    }

    public Config withAcceptableHeartbeatPause(Duration d) {
      return new Config(threshold, maxSampleSize, minStdDeviation, d, firstHeartbeatEstimate);
    }

    public Config withMinStdDeviation(Duration d) {
      return new Config(
          threshold, maxSampleSize, d, acceptableHeartbeatPause, firstHeartbeatEstimate);
    }
  }

  /**
   * A bounded window of inter-arrival times with running sums. The ring buffer grows on demand up
   * to its bound, so thousands of peers cost memory in proportion to the samples actually held.
   */
  private static final class History {
    private final int capacity;
    private double[] samples;
    private int head; // index of the oldest sample
    private int count;
    private double sum;
    private double sumSquares;
    long last;

    History(int capacity) {
      this.capacity = capacity;
      this.samples = new double[Math.min(8, capacity)];
    }

    void add(double interval) {
      if (count == capacity) {
        double old = samples[head];
        sum -= old;
        sumSquares -= old * old;
        samples[head] = interval;
        head = (head + 1) % samples.length;
      } else {
        if (count == samples.length) {
          double[] grown = new double[Math.min(capacity, samples.length * 2)];
          for (int i = 0; i < count; i++) {
            grown[i] = samples[(head + i) % samples.length];
          }
          samples = grown;
          head = 0;
        }
        samples[(head + count) % samples.length] = interval;
        count++;
      }
      sum += interval;
      sumSquares += interval * interval;
    }

    double mean() {
      return sum / count;
    }

    double stdDeviation() {
      double m = mean();
      return Math.sqrt(Math.max(0.0, sumSquares / count - m * m));
    }
  }
}
