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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A figure a protocol adds to its status section shows in /metrics with no change of the code. */
class NodeMetricsStatusTest {
  /**
   * Micrometer holds a gauge's state weakly: the metrics (and the status readers they keep) must
   * stay reachable for the test's whole life, as the node runtime keeps them, or a collection turns
   * the gauges into NaN.
   */
  private NodeMetrics metrics;

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @Test
  void everyFigureOfEverySectionIsExportedOnce() {
    NodeStats stats = new NodeStats();
    AtomicLong pending = new AtomicLong(3);
    metrics =
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

  @Test
  void aFigureThatAppearsLaterIsExportedToo() {
    List<Stat> owners = new CopyOnWriteArrayList<>();
    metrics =
        new NodeMetrics(registry, NodeId.of("n1"))
            .bindStatus(
                () -> {
                  List<Stat> stats = new ArrayList<>();
                  stats.add(Stat.counter("delivered", 0, "Hints delivered"));
                  stats.addAll(owners);
                  return List.of(new StatusSection("handoff", stats));
                });
    assertThat(registry.scrape())
        .contains("dynamo_handoff_delivered_total")
        .doesNotContain("owner");

    // The node first holds hints for n2: its per-owner figure appears in the section.
    owners.add(Stat.gauge("owner.hints", "owner", "n2", 4, "Hints held, by owner"));
    System.gc(); // what made this test flaky before the metrics were kept: they are weak in
    // Micrometer
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> registry.scrape().contains("dynamo_handoff_owner_hints{"));
    assertThat(registry.get("dynamo.handoff.owner.hints").tag("owner", "n2").gauge().value())
        .isEqualTo(4.0);

    // Another owner later, and the first one's figure moves: both are exported, once each.
    owners.set(0, Stat.gauge("owner.hints", "owner", "n2", 0, "Hints held, by owner"));
    owners.add(Stat.gauge("owner.hints", "owner", "n3", 9, "Hints held, by owner"));
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.scrape().contains("owner=\"n3\""));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                registry.get("dynamo.handoff.owner.hints").tag("owner", "n2").gauge().value()
                    == 0.0);
    assertThat(registry.get("dynamo.handoff.owner.hints").tag("owner", "n3").gauge().value())
        .isEqualTo(9.0);
    assertThat(registry.find("dynamo.handoff.owner.hints").meters()).hasSize(2);
  }

  /**
   * The transfer section (issue 20) that a node reports once the core has it: a whole section that
   * appears after the first read is exported too, e.g. {@code dynamo_transfer_moving}.
   */
  @Test
  void aSectionThatAppearsLaterIsExportedToo() {
    List<StatusSection> extra = new CopyOnWriteArrayList<>();
    metrics =
        new NodeMetrics(registry, NodeId.of("n1"))
            .bindStatus(
                () -> {
                  List<StatusSection> sections = new ArrayList<>();
                  sections.add(
                      new StatusSection(
                          "handoff", List.of(Stat.counter("delivered", 0, "Hints delivered"))));
                  sections.addAll(extra);
                  return sections;
                });
    assertThat(registry.scrape()).doesNotContain("dynamo_transfer");

    extra.add(
        new StatusSection(
            "transfer",
            List.of(
                Stat.gauge("moving", 1, "1 while the ring has pending owners"),
                Stat.gauge("partitions_pending", 12, "Partitions still to stream"),
                Stat.counter("bytes_received", 4096, "Bytes streamed to this node"))));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> registry.scrape().contains("dynamo_transfer_moving"));
    assertThat(registry.get("dynamo.transfer.moving").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("dynamo.transfer.partitions_pending").gauge().value()).isEqualTo(12.0);
    assertThat(registry.get("dynamo.transfer.bytes_received").functionCounter().count())
        .isEqualTo(4096.0);
  }
}
