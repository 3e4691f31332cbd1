/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.metrics;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.membership.GossipRefusal;
import io.dynamokv.core.membership.Membership;
import io.dynamokv.core.node.NodeStats;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.server.console.StatusJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A node's metrics (SPEC §10) in a Micrometer registry, every meter tagged {@code node=<id>}:
 *
 * <ul>
 *   <li>{@code dynamo.requests} (Prometheus {@code dynamo_requests_seconds}): client request
 *       latency, tagged {@code op} (get, put, delete) and {@code outcome}, with client-side
 *       percentiles 0.5, 0.95, 0.99 and 0.999 over a sliding window of two minutes;
 *   <li>{@code dynamo.quorum.failures}: requests that found fewer than R or W replicas, by {@code
 *       op};
 *   <li>{@code dynamo.coordinator.*}: the {@link NodeStats} counters;
 *   <li>{@code dynamo.gossip.refused}: gossip messages and persisted membership state this node
 *       refused, by {@code reason} ({@link GossipRefusal.Reason}); {@code dynamo.gossip.rounds};
 *   <li>{@code dynamo.storage.size}: the engine's approximate size in bytes.
 * </ul>
 *
 * <p>Thread-safe: {@link #record} may be called from any thread.
 */
public final class NodeMetrics {
  /** The request kinds timed. */
  public enum Op {
    GET,
    PUT,
    DELETE;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The operation named {@code get}, {@code put} or {@code delete} (any case). */
    public static Op of(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT));
    }
  }

  /** How a request ended. */
  public enum Outcome {
    /** Answered: a get heard from R replicas (found or not), a write from W. */
    OK,
    /** Refused before anything was written: unknown store, limit exceeded, bad context. */
    REJECTED,
    /** Fewer than R or W replicas answered in time. */
    QUORUM_FAILURE,
    /** Anything else. */
    ERROR;

    String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The outcome of a request that failed with {@code error}, or {@link #OK} for null. */
    public static Outcome of(Throwable error) {
      Throwable e = error;
      while ((e instanceof CompletionException || e instanceof ExecutionException)
          && e.getCause() != null) {
        e = e.getCause();
      }
      if (e == null) {
        return OK;
      }
      if (e instanceof InsufficientReplicasException) {
        return QUORUM_FAILURE;
      }
      if (e instanceof StoreNotFoundException
          || e instanceof LimitExceededException
          || e instanceof InvalidContextException
          || e instanceof IllegalArgumentException) {
        return REJECTED;
      }
      return ERROR;
    }
  }

  /**
   * Client-side percentiles (a Prometheus summary). No histogram: Micrometer's Prometheus registry
   * exposes a histogram instead of the percentiles when both are asked for, and the buckets of 12
   * timers would dominate every scrape.
   */
  private static final double[] PERCENTILES = {0.5, 0.95, 0.99, 0.999};

  private final MeterRegistry registry;
  private final Map<Op, Map<Outcome, Timer>> timers = new EnumMap<>(Op.class);
  private final Map<Op, Counter> quorumFailures = new EnumMap<>(Op.class);

  /** Strong references to what function counters and gauges measure; see {@link #keep}. */
  private final List<Object> keptAlive = new CopyOnWriteArrayList<>();

  /** Registers the request meters for {@code node} in {@code registry}. */
  public NodeMetrics(MeterRegistry registry, NodeId node) {
    this.registry = Objects.requireNonNull(registry, "registry");
    registry.config().commonTags("node", node.value());
    for (Op op : Op.values()) {
      Map<Outcome, Timer> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome outcome : Outcome.values()) {
        byOutcome.put(
            outcome,
            Timer.builder("dynamo.requests")
                .description("Client requests this node coordinated, by operation and outcome")
                .tag("op", op.tag())
                .tag("outcome", outcome.tag())
                .publishPercentiles(PERCENTILES)
                .register(registry));
      }
      timers.put(op, byOutcome);
      quorumFailures.put(
          op,
          Counter.builder("dynamo.quorum.failures")
              .description("Requests that heard from fewer than R (get) or W (put, delete)")
              .tag("op", op.tag())
              .register(registry));
    }
  }

  /** Records one request of {@code op} that took {@code nanos} and ended with {@code outcome}. */
  public void record(Op op, long nanos, Outcome outcome) {
    timers.get(op).get(outcome).record(nanos, TimeUnit.NANOSECONDS);
    if (outcome == Outcome.QUORUM_FAILURE) {
      quorumFailures.get(op).increment();
    }
  }

  /**
   * Per operation: the requests this node coordinated so far (every outcome) and the median and
   * 99th percentile latency of the successful ones over the timers' recent window (Micrometer's
   * default, two minutes), for the console.
   */
  public List<StatusJson.Requests> requests() {
    List<StatusJson.Requests> out = new ArrayList<>();
    for (Op op : Op.values()) {
      long count = 0;
      for (Timer t : timers.get(op).values()) {
        count += t.count();
      }
      double p50 = 0;
      double p99 = 0;
      for (ValueAtPercentile v : timers.get(op).get(Outcome.OK).takeSnapshot().percentileValues()) {
        if (v.percentile() == 0.5) {
          p50 = v.value(TimeUnit.MICROSECONDS);
        } else if (v.percentile() == 0.99) {
          p99 = v.value(TimeUnit.MICROSECONDS);
        }
      }
      out.add(new StatusJson.Requests(op.tag(), count, p50, p99));
    }
    return out;
  }

  /** Exposes {@code stats} as {@code dynamo.coordinator.*} counters. */
  public NodeMetrics bindStats(NodeStats stats) {
    counter("reads", "Reads coordinated", stats, s -> s.reads());
    counter("writes", "Writes coordinated", stats, s -> s.writes());
    counter("forwarded", "Writes forwarded to an owner", stats, s -> s.forwarded());
    counter("quorum.failures", "Coordinations short of R or W", stats, s -> s.quorumFailures());
    counter(
        "duplicate.forwards",
        "Duplicated forwarded writes answered from the first outcome",
        stats,
        s -> s.duplicateForwards());
    counter(
        "reissued.dots",
        "Keys found holding two values under one dot: a dot issued twice (must stay 0)",
        stats,
        s -> s.reissuedDots());
    return this;
  }

  /** Exposes {@code membership}'s gossip counters: rounds, and refusals by reason. */
  public NodeMetrics bindMembership(Membership membership) {
    FunctionCounter.builder("dynamo.gossip.rounds", keep(membership), m -> m.stats().rounds())
        .description("Gossip rounds this node ran")
        .register(registry);
    for (GossipRefusal.Reason reason : GossipRefusal.Reason.values()) {
      FunctionCounter.builder("dynamo.gossip.refused", keep(membership), m -> m.refusals(reason))
          .description("Gossip and persisted membership state refused, by reason")
          .tag("reason", reason.tag())
          .register(registry);
    }
    return this;
  }

  /**
   * Exposes every figure of the node's status sections that no binding above exports already, as
   * {@code dynamo.<section>.<stat>} with the figure's tags (a function counter for a counter, else
   * a gauge): what a protocol adds to its {@link StatusSection} shows in {@code /metrics} without a
   * change here. Bind it after the others. A node may add figures over its life (handoff's
   * per-owner figures appear when it first holds hints for an owner) but never removes one, so the
   * figures of now are registered here and each new one when a read of the status first sees it (at
   * the latest from the scrape after the one that read it).
   */
  public NodeMetrics bindStatus(Supplier<List<StatusSection>> status) {
    StatusReader reader = keep(new StatusReader(status));
    reader.onRead = sections -> registerNew(reader, sections);
    reader.read();
    return this;
  }

  /** Registers the figures of {@code sections} that {@code reader} has not seen before. */
  private void registerNew(StatusReader reader, List<StatusSection> sections) {
    for (StatusSection section : sections) {
      for (StatusSection.Stat stat : section.stats()) {
        if (!reader.seen.add(section.name() + '\0' + stat.name() + stat.tags())) {
          continue;
        }
        String name = "dynamo." + section.name() + "." + stat.name();
        List<Tag> tags = new ArrayList<>();
        stat.tags().forEach((k, v) -> tags.add(Tag.of(k, v)));
        if (registry.find(name).tags(tags).meter() != null) {
          continue;
        }
        String sectionName = section.name();
        ToDoubleFunction<StatusReader> value = r -> r.value(sectionName, stat);
        if (stat.kind() == StatusSection.Kind.COUNTER) {
          FunctionCounter.builder(name, reader, value)
              .description(stat.help())
              .tags(tags)
              .register(registry);
        } else {
          Gauge.builder(name, reader, value).description(stat.help()).tags(tags).register(registry);
        }
      }
    }
  }

  /** Reads the node's status at most once per scrape (every meter of a scrape reads it). */
  private static final class StatusReader {
    private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private final Supplier<List<StatusSection>> status;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private volatile Consumer<List<StatusSection>> onRead = sections -> {};
    private volatile List<StatusSection> last = List.of();
    private volatile long readAt = System.nanoTime() - 2 * FRESH_NANOS;

    StatusReader(Supplier<List<StatusSection>> status) {
      this.status = status;
    }

    /** Reads the status now, and lets {@link #onRead} see it. */
    void read() {
      List<StatusSection> now = status.get();
      last = now;
      readAt = System.nanoTime();
      onRead.accept(now);
    }

    double value(String section, StatusSection.Stat wanted) {
      if (System.nanoTime() - readAt > FRESH_NANOS) {
        read();
      }
      for (StatusSection s : last) {
        if (s.name().equals(section)) {
          for (StatusSection.Stat stat : s.stats()) {
            if (stat.is(wanted.name(), wanted.tags())) {
              return stat.value();
            }
          }
        }
      }
      return Double.NaN;
    }
  }

  /** Exposes {@code engine}'s approximate size as {@code dynamo.storage.size}. */
  public NodeMetrics bindStorage(StorageEngine engine) {
    Gauge.builder("dynamo.storage.size", keep(engine), e -> e.approximateSizeBytes())
        .description("Approximate size of the storage engine")
        .baseUnit("bytes")
        .register(registry);
    return this;
  }

  /** The two listeners whose connections {@link #bindConnections} exposes, as a tag. */
  public enum Listener {
    /** The client port ({@code dynamo.node.port}). */
    CLIENT,
    /** The peer port ({@code dynamo.peer.port}). */
    PEER;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Exposes a listener's connections, tagged {@code listener=client} or {@code listener=peer}:
   * {@code dynamo.connections.open}, and the connections it closed as {@code
   * dynamo.connections.rejected} (over {@code max-connections}), {@code dynamo.connections.stalled}
   * (a request frame slower than {@code frame-read-timeout}), {@code
   * dynamo.connections.invalid.frames} (a frame size that is not positive or over {@code
   * max-frame-bytes}: a client not speaking framed Thrift) and {@code dynamo.connections.idle} (no
   * request for {@code idle-timeout}).
   */
  public NodeMetrics bindConnections(
      Listener listener,
      IntSupplier open,
      LongSupplier rejected,
      LongSupplier stalled,
      LongSupplier invalidFrames,
      LongSupplier idle) {
    String tag = listener.tag();
    Gauge.builder("dynamo.connections.open", keep(open), IntSupplier::getAsInt)
        .description("Open connections")
        .tag("listener", tag)
        .register(registry);
    FunctionCounter.builder("dynamo.connections.rejected", keep(rejected), LongSupplier::getAsLong)
        .description("Connections closed on accept because max-connections were open")
        .tag("listener", tag)
        .register(registry);
    FunctionCounter.builder("dynamo.connections.stalled", keep(stalled), LongSupplier::getAsLong)
        .description("Connections closed because a request frame exceeded frame-read-timeout")
        .tag("listener", tag)
        .register(registry);
    FunctionCounter.builder(
            "dynamo.connections.invalid.frames", keep(invalidFrames), LongSupplier::getAsLong)
        .description("Connections closed because they announced an invalid frame size")
        .tag("listener", tag)
        .register(registry);
    FunctionCounter.builder("dynamo.connections.idle", keep(idle), LongSupplier::getAsLong)
        .description("Connections closed because they sent no request for idle-timeout")
        .tag("listener", tag)
        .register(registry);
    return this;
  }

  /**
   * Exposes what peer authentication refused: {@code dynamo.peer.channels.refused} (handshakes of a
   * peer without the cluster secret or with a wrong admin token, and requests without a channel,
   * out of sequence or with a wrong MAC) and {@code dynamo.peer.replies.refused} (replies from
   * peers whose MAC or sequence number was wrong).
   */
  public NodeMetrics bindPeerAuthentication(
      LongSupplier refusedChannels, LongSupplier refusedReplies) {
    FunctionCounter.builder(
            "dynamo.peer.channels.refused", keep(refusedChannels), LongSupplier::getAsLong)
        .description("Peer and admin connections refused by authentication")
        .register(registry);
    FunctionCounter.builder(
            "dynamo.peer.replies.refused", keep(refusedReplies), LongSupplier::getAsLong)
        .description("Peer replies refused because they failed authentication")
        .register(registry);
    return this;
  }

  private void counter(
      String name, String description, NodeStats stats, ToDoubleFunction<NodeStats> f) {
    FunctionCounter.builder("dynamo.coordinator." + name, keep(stats), f)
        .description(description)
        .register(registry);
  }

  /**
   * Keeps {@code measured} reachable for as long as this object: Micrometer holds the object of a
   * function counter or gauge weakly, so a lambda nothing else references would be collected at the
   * next GC and its meter would silently stop counting.
   */
  private <T> T keep(T measured) {
    keptAlive.add(measured);
    return measured;
  }

  public MeterRegistry registry() {
    return registry;
  }
}
