/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.sim.EchoService.Ping;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class SimClusterTest {
  private static final Duration TIMEOUT = Duration.ofMillis(100);

  private static SimCluster<EchoService> cluster(int nodes) {
    return SimCluster.builder(EchoService.factory(List.of(), null, TIMEOUT))
        .protocols(EchoService.PROTOCOLS)
        .nodes(nodes)
        .latency(Duration.ofMillis(1), Duration.ZERO)
        .build();
  }

  @Test
  void nodesAreAddressedByIndexAndId() {
    SimCluster<EchoService> cluster = cluster(3).startAll();

    assertThat(cluster.ids()).containsExactly(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    assertThat(cluster.node(NodeId.of("n2"))).isSameAs(cluster.node(2));
    assertThat(cluster.node(2).service().node.id()).isEqualTo(NodeId.of("n2"));
    assertThat(cluster.node(2).service().node.incarnation()).isEqualTo(1);
    assertThatThrownBy(() -> cluster.node(4)).hasMessageContaining("numbered 1 to 3");
  }

  @Test
  void aCrashDropsTheNodesTasksAndRestartKeepsItsData() {
    SimCluster<EchoService> cluster = cluster(2).startAll();
    List<Long> ticks = new ArrayList<>();
    cluster
        .node(2)
        .service()
        .node
        .scheduler()
        .scheduleWithFixedDelay(
            Duration.ofMillis(10), Duration.ofMillis(10), () -> ticks.add(cluster.now()));
    cluster.node(2).schedule(Duration.ofMillis(25), s -> ticks.add(-1L));
    cluster.node(1).service().call(NodeId.of("n2"), new Ping(1), TIMEOUT);
    cluster.runFor(Duration.ofMillis(15));
    EchoService before = cluster.node(2).service();

    cluster.node(2).crash();
    cluster.runFor(Duration.ofMillis(100));

    assertThat(ticks).hasSize(1);
    assertThat(before.closed).isFalse(); // no shutdown code ran
    assertThat(cluster.node(2).isUp()).isFalse();
    assertThatThrownBy(() -> cluster.node(2).service()).hasMessageContaining("n2 is down");

    cluster.node(2).restart();
    assertThat(cluster.node(2).incarnation()).isEqualTo(2);
    assertThat(cluster.node(2).service()).isNotSameAs(before);
    assertThat(cluster.node(2).service().receivedEver()).isEqualTo(1);
    cluster.runFor(Duration.ofMillis(100));
    assertThat(ticks).hasSize(1); // the old incarnation's periodic task stays dead
  }

  @Test
  void stopRunsTheCloseHookAndFailsPendingCalls() {
    SimCluster<EchoService> cluster = cluster(2).startAll();
    EchoService one = cluster.node(1).service();
    List<Throwable> errors = new ArrayList<>();
    CompletionStage<PeerMessage> call =
        one.node.transport().call(NodeId.of("n2"), new Ping(1), TIMEOUT);
    call.whenComplete((r, e) -> errors.add(e));

    cluster.node(1).stop();
    cluster.runFor(Duration.ofSeconds(1));

    assertThat(one.closed).isTrue();
    assertThat(errors).singleElement().isInstanceOf(PeerException.Unreachable.class);
    assertThat(cluster.node(1).isUp()).isFalse();
    cluster.node(1).start();
    assertThat(cluster.node(1).isUp()).isTrue();
  }

  @Test
  void clockSkewIsPerNodeAndSurvivesRestarts() {
    SimCluster<EchoService> cluster = cluster(2).startAll();
    cluster.node(2).clockSkew(Duration.ofSeconds(3));
    cluster.runFor(Duration.ofMillis(10));

    long wall1 = cluster.node(1).service().node.clock().wallMillis();
    long wall2 = cluster.node(2).service().node.clock().wallMillis();
    assertThat(wall2 - wall1).isEqualTo(3000);
    assertThat(cluster.node(2).service().node.clock().nanoTime())
        .isEqualTo(cluster.node(1).service().node.clock().nanoTime());

    cluster.node(2).restart();
    assertThat(cluster.node(2).service().node.clock().wallMillis() - wall1).isEqualTo(3000);
  }

  @Test
  void addedNodesGetTheNextIndex() {
    SimCluster<EchoService> cluster = cluster(2).startAll();
    SimCluster<EchoService>.Instance third = cluster.addNode();

    assertThat(third.index()).isEqualTo(3);
    assertThat(third.id()).isEqualTo(NodeId.of("n3"));
    assertThat(third.isUp()).isFalse();
    third.start();
    assertThat(cluster.services()).hasSize(3);
  }
}
