/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.NodeStats;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Micrometer holds what a function counter or gauge measures through a weak reference. A lambda
 * that only the meter refers to is collected at the next GC, after which a counter repeats its last
 * value and a gauge reads NaN: the metric silently stops.
 */
class NodeMetricsGcTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @Test
  void connectionCountersKeepCountingAcrossGarbageCollections() {
    AtomicInteger open = new AtomicInteger(1);
    AtomicLong rejected = new AtomicLong();
    AtomicLong stalled = new AtomicLong();
    AtomicLong invalid = new AtomicLong();
    // The method references are fresh objects that nothing but the meters refers to.
    NodeMetrics metrics =
        new NodeMetrics(registry, NodeId.of("n1"))
            .bindConnections(
                NodeMetrics.Listener.CLIENT,
                open::get,
                rejected::get,
                stalled::get,
                invalid::get,
                invalid::get);
    rejected.incrementAndGet();
    stalled.incrementAndGet();
    assertThat(counter("dynamo.connections.rejected")).isEqualTo(1.0);
    assertThat(counter("dynamo.connections.stalled")).isEqualTo(1.0);

    collectGarbage();
    rejected.incrementAndGet();
    stalled.incrementAndGet();
    invalid.incrementAndGet();
    open.set(5);

    assertThat(counter("dynamo.connections.rejected")).isEqualTo(2.0);
    assertThat(counter("dynamo.connections.stalled")).isEqualTo(2.0);
    assertThat(counter("dynamo.connections.invalid.frames")).isEqualTo(1.0);
    assertThat(gauge("dynamo.connections.open")).isEqualTo(5.0);
    Reference.reachabilityFence(metrics); // as NodeRuntime holds it for the node's life
  }

  @Test
  void everyGaugeAndFunctionCounterStillReadsAfterGarbageCollection() {
    // Method references capturing these: fresh objects that only the meters refer to.
    AtomicInteger open = new AtomicInteger(3);
    AtomicLong rejected = new AtomicLong(2);
    AtomicLong stalled = new AtomicLong(1);
    AtomicLong invalid = new AtomicLong(4);
    NodeMetrics metrics =
        new NodeMetrics(registry, NodeId.of("n1"))
            .bindStats(new NodeStats())
            .bindStorage(MemoryStorageEngine.create())
            .bindConnections(
                NodeMetrics.Listener.CLIENT,
                open::get,
                rejected::get,
                stalled::get,
                invalid::get,
                invalid::get);
    long measured =
        registry.getMeters().stream()
            .filter(m -> m instanceof Gauge || m instanceof FunctionCounter)
            .count();
    assertThat(measured).isGreaterThan(5);

    collectGarbage();

    for (Meter meter : registry.getMeters()) {
      if (meter instanceof Gauge gauge) {
        assertThat(gauge.value()).as(meter.getId().toString()).isNotNaN();
      } else if (meter instanceof FunctionCounter counter) {
        assertThat(counter.count()).as(meter.getId().toString()).isNotNaN();
      }
    }
    assertThat(gauge("dynamo.connections.open")).isEqualTo(3.0);
    assertThat(counter("dynamo.connections.rejected")).isEqualTo(2.0);
    Reference.reachabilityFence(metrics);
  }

  private double counter(String name) {
    return Search.in(registry).name(name).functionCounter().count();
  }

  private double gauge(String name) {
    return Search.in(registry).name(name).gauge().value();
  }

  /** Returns once a GC has run, known by a weakly held object having been collected. */
  private static void collectGarbage() {
    WeakReference<Object> probe = new WeakReference<>(new Object());
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              System.gc();
              return probe.get() == null;
            });
  }
}
