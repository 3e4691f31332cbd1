/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.sim.NodeFactory;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimNode;
import io.dynamokv.core.wire.WireFormats;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A format change rolls through a cluster node by node: every node gossips the newest formats it
 * reads, and until every member reads a newer format (or a new protocol's) no node may use it.
 */
class FormatNegotiationTest {
  /**
   * A release after the baseline: it reads sibling sets in format 3 (this release does) and speaks
   * a hints protocol. Nodes not upgraded run the baseline release, which gossips no table.
   */
  private static final SortedMap<String, Integer> NEXT = next();

  private final Set<NodeId> upgraded = new HashSet<>();

  private static SortedMap<String, Integer> next() {
    TreeMap<String, Integer> next = new TreeMap<>(WireFormats.CURRENT);
    next.put("siblings", 3);
    next.put("hints", 1);
    return next;
  }

  private final SimCluster<Membership> cluster =
      SimCluster.builder(
              (NodeFactory<Membership>)
                  (SimNode node) -> {
                    MembershipConfig.Builder config =
                        MembershipConfig.builder(node.id())
                            .address(node.id() + ":7000")
                            .seeds(new TreeSet<>(List.of(NodeId.of("n1"))))
                            .gossipInterval(MembershipSim.ROUND);
                    config.formats(upgraded.contains(node.id()) ? NEXT : WireFormats.BASELINE);
                    Membership m =
                        new Membership(
                            config.build(),
                            node.clock(),
                            node.scheduler(),
                            node.random(),
                            node.transport(),
                            node.storage(),
                            SortedIdsPlanner.INSTANCE,
                            HandoffGate.ALWAYS);
                    node.transport().serve(m.handler());
                    m.start();
                    return m;
                  })
          .seed(16)
          .nodes(3)
          .build()
          .startAll();

  @Test
  void aNewerFormatIsAgreedOnlyOnceEveryMemberReadsIt() {
    settle();
    for (SimCluster<Membership>.Instance n : cluster.nodes()) {
      assertThat(n.service().agreedFormats()).as("%s", n.id()).isEqualTo(WireFormats.BASELINE);
      assertThat(n.service().view().members().get(n.id()).formats())
          .as("a node of the baseline release gossips no table")
          .isEmpty();
    }

    upgrade(3);
    // the upgraded node gossips its table, and holds back to what the others read
    assertThat(cluster.node(1).service().view().members().get(NodeId.of("n3")).formats())
        .isEqualTo(NEXT);
    assertThat(cluster.node(3).service().agreedFormats())
        .containsEntry("siblings", 2)
        .doesNotContainKey("hints");
    assertThat(cluster.node(1).service().agreedFormats()).isEqualTo(WireFormats.BASELINE);

    upgrade(1);
    assertThat(cluster.node(3).service().agreedFormats())
        .as("n2 still reads only the baseline")
        .containsEntry("siblings", 2)
        .doesNotContainKey("hints");

    upgrade(2);
    for (SimCluster<Membership>.Instance n : cluster.nodes()) {
      assertThat(n.service().agreedFormats()).as("%s", n.id()).isEqualTo(NEXT);
    }
  }

  @Test
  void aMemberThatLeftNoLongerHoldsTheOthersBack() {
    upgrade(1);
    upgrade(2);
    assertThat(cluster.node(1).service().agreedFormats()).containsEntry("siblings", 2);
    cluster.node(3).service().leave();
    cluster
        .simulation()
        .runUntilOrFail(
            "n3 left",
            () -> cluster.node(1).service().view().status(NodeId.of("n3")) == NodeStatus.LEFT,
            Duration.ofMinutes(2));
    assertThat(cluster.node(1).service().agreedFormats()).isEqualTo(NEXT);
  }

  /** Restarts node {@code index} as the next release and waits until everyone knows it. */
  private void upgrade(int index) {
    NodeId id = NodeId.of("n" + index);
    upgraded.add(id);
    cluster.node(index).stop();
    cluster.node(index).start();
    settle();
    assertThat(cluster.node(index).service().view().members().get(id).formats()).isEqualTo(NEXT);
  }

  /** Runs until every node is NORMAL and every node's view of every member is current. */
  private void settle() {
    cluster
        .simulation()
        .runUntilOrFail(
            "every node NORMAL and every table known",
            () -> {
              for (SimCluster<Membership>.Instance n : cluster.nodes()) {
                MembershipView v = n.service().view();
                for (SimCluster<Membership>.Instance other : cluster.nodes()) {
                  MembershipView.Member m = v.members().get(other.id());
                  Map<String, Integer> expected = upgraded.contains(other.id()) ? NEXT : Map.of();
                  if (m == null
                      || m.status() != NodeStatus.NORMAL
                      || !m.formats().equals(expected)) {
                    return false;
                  }
                }
              }
              return true;
            },
            Duration.ofMinutes(2));
  }
}
