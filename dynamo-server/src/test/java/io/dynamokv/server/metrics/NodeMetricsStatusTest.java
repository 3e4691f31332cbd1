/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StatusSection.Stat;
import io.dynamokv.core.node.NodeStats;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A figure a protocol adds to its status section shows in /metrics with no change of the code. */
class NodeMetricsStatusTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @Test
  void everyFigureOfEverySectionIsExportedOnce() {
    NodeStats stats = new NodeStats();
    AtomicLong pending = new AtomicLong(3);
    NodeMetrics metrics =
        new NodeMetrics(registry, NodeId.of("n1"))
            .bindStats(stats)
            .bindStatus(
                () ->
                    List.of(
                        stats.section(),
                        new StatusSection(
                            "hints",
                            List.of(
                                Stat.gauge("pending", "owner", "n2", pending.get(), "Hints held"),
                                Stat.counter("delivered", 7, "Hints delivered")))));
    assertThat(registry.get("dynamo.hints.pending").tag("owner", "n2").gauge().value())
        .isEqualTo(3.0);
    assertThat(registry.get("dynamo.hints.delivered").functionCounter().count()).isEqualTo(7.0);
    // The coordinator section is exported by bindStats already: one meter per figure.
    assertThat(registry.find("dynamo.coordinator.reads").meters()).hasSize(1);

    pending.set(5);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> registry.get("dynamo.hints.pending").tag("owner", "n2").gauge().value() == 5.0);
    assertThat(registry.scrape()).contains("dynamo_hints_pending{").contains("owner=\"n2\"");
    assertThat(metrics.registry()).isSameAs(registry);
  }
}
