/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.transfer.ClusterChange;
import io.dynamokv.core.transfer.TransferPlan;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftAdminClient.Change;
import io.dynamokv.transport.thrift.client.ThriftAdminClient.Plan;
import io.dynamokv.transport.thrift.peer.AdminCommands;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plan of a membership change and the join without a seed (issue 20) over the peer port's admin
 * channel: the node's answer reaches the operator as the plan's text, as a refusal ({@link
 * IllegalStateException}: the change cannot be made now) or as "cannot plan" ({@link
 * UnsupportedOperationException}), and a plan needs the admin token like any admin command.
 */
class AdminPlanTest {
  private final List<Object> calls = new CopyOnWriteArrayList<>();
  private volatile Function<ClusterChange, CompletionStage<TransferPlan>> planner;
  private ThriftTestNode node;

  @BeforeEach
  void start() {
    node = ThriftTestNode.withAdmin(real -> new Recording(real));
    // The CLI finds the peer port in the node's cluster information: wait until it is there.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              try (ThriftAdminClient admin = admin()) {
                return admin.status().members().stream()
                    .anyMatch(m -> m.id().equals("solo") && !m.peerAddress().isEmpty());
              }
            });
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private ThriftAdminClient admin() {
    return ThriftAdminClient.connect("127.0.0.1:" + node.port(), Duration.ofSeconds(5));
  }

  private static AdminToken token() {
    return AdminToken.of(TestSecrets.CLUSTER);
  }

  @Test
  void aPlanReachesTheOperatorAsItsText() {
    TransferPlan plan =
        new TransferPlan(
            new ClusterChange.Join(NodeId.of("solo")),
            7,
            new TreeSet<>(Set.of(NodeId.of("n1"))),
            new TreeSet<>(Set.of(NodeId.of("n1"), NodeId.of("solo"))),
            3,
            9,
            4096,
            new TreeMap<>(Map.of(NodeId.of("solo"), 9L)),
            new TreeMap<>(Map.of(NodeId.of("n1"), 9L)));
    planner = change -> CompletableFuture.completedFuture(plan);

    try (ThriftAdminClient admin = admin()) {
      assertThat(admin.plan(token(), Change.JOIN, null)).isEqualTo(new Plan.Ready(plan.describe()));
      admin.plan(token(), Change.LEAVE, null);
      admin.plan(token(), Change.REMOVE, "n9");
    }
    assertThat(calls)
        .as("a plan without a node id is about the node asked")
        .containsExactly(
            new ClusterChange.Join(NodeId.of("solo")),
            new ClusterChange.Leave(NodeId.of("solo")),
            new ClusterChange.Remove(NodeId.of("n9")));
  }

  @Test
  void aChangeThatCannotBeMadeNowIsRefusedAndANodeThatCannotPlanSaysSo() {
    try (ThriftAdminClient admin = admin()) {
      planner =
          change ->
              CompletableFuture.failedFuture(
                  new IllegalStateException("solo is already in the ring"));
      assertThat(admin.plan(token(), Change.JOIN, null))
          .isEqualTo(new Plan.Refused("solo is already in the ring"));

      planner = change -> CompletableFuture.failedFuture(new UnsupportedOperationException("no"));
      assertThat(admin.plan(token(), Change.JOIN, null)).isEqualTo(new Plan.Unavailable("no"));

      planner =
          change -> {
            throw new IllegalStateException("thrown, not failed");
          };
      assertThat(admin.plan(token(), Change.LEAVE, null))
          .isEqualTo(new Plan.Refused("thrown, not failed"));
    }
  }

  @Test
  void theDefaultCommandsAnswerAPlanWhateverTheCoreCanDo() {
    planner = null; // the node's own commands
    try (ThriftAdminClient admin = admin()) {
      assertThat(admin.plan(token(), Change.JOIN, null)).isNotNull();
    }
  }

  @Test
  void aRemovePlanNamesItsNodeAndAPlanNeedsTheToken() {
    planner = change -> CompletableFuture.failedFuture(new AssertionError("not called"));
    AdminToken other = AdminToken.of(TestSecrets.of("another cluster's secret, 32 b!!"));
    try (ThriftAdminClient admin = admin()) {
      assertThatThrownBy(() -> admin.plan(token(), Change.REMOVE, null))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("names the node to remove");
      assertThatThrownBy(() -> admin.plan(other, Change.JOIN, null))
          .isInstanceOf(AuthenticationException.class);
    }
    assertThat(calls).isEmpty();
  }

  @Test
  void aJoinWithoutASeedJoinsThroughTheConfiguredSeeds() {
    try (ThriftAdminClient admin = admin()) {
      admin.join(token());
    }
    assertThat(calls).containsExactly("join()");
  }

  /**
   * The node's own commands, with plan and join recorded (and plan answered by {@link #planner}).
   */
  private final class Recording implements AdminCommands {
    private final AdminCommands real;

    Recording(AdminCommands real) {
      this.real = real;
    }

    @Override
    public CompletionStage<Void> join(NodeId seed, InetSocketAddress seedAddress) {
      return real.join(seed, seedAddress);
    }

    @Override
    public CompletionStage<Void> join() {
      calls.add("join()");
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<TransferPlan> plan(ClusterChange change) {
      Function<ClusterChange, CompletionStage<TransferPlan>> p = planner;
      if (p == null) {
        return real.plan(change);
      }
      calls.add(change);
      return p.apply(change);
    }

    @Override
    public NodeId self() {
      return real.self();
    }

    @Override
    public CompletionStage<Void> leave() {
      return real.leave();
    }

    @Override
    public CompletionStage<Void> remove(NodeId node) {
      return real.remove(node);
    }

    @Override
    public CompletionStage<Void> repair(boolean wait) {
      return real.repair(wait);
    }
  }
}
