/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimNetwork;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.Versioned;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Read repair on a simulated 5-node cluster (N=3, R=2, W=2, request timeout 500 ms): replicas that
 * answer a read with stale versions get the merge, late answers included, tombstones too; off, or
 * over its bound, it repairs nothing.
 */
class ReadRepairTest {
  private static final String STORE = "cart";
  private static final RequestOptions DEFAULTS = RequestOptions.DEFAULTS;
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  // Hinted handoff off: a replica that missed a write stays stale until a read repairs it (with
  // handoff, the coordinator's hint for it would get there first).
  private static final UnaryOperator<NodeConfig.Builder> READ_REPAIR_ALONE =
      b -> b.handoff(HandoffConfig.DEFAULTS.withEnabled(false));

  private DynamoSim sim =
      new DynamoSim(
          11,
          5,
          List.of(StoreDefinition.of(STORE)),
          BrokenVariant.NONE,
          TIMEOUT,
          READ_REPAIR_ALONE);

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private void cluster(UnaryOperator<NodeConfig.Builder> tweak) {
    sim =
        new DynamoSim(
            11,
            5,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            TIMEOUT,
            b -> tweak.apply(READ_REPAIR_ALONE.apply(b)));
  }

  private List<NodeId> owners(byte[] key) {
    return sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
  }

  private SimCluster<DynamoNode>.Instance instance(NodeId id) {
    return sim.cluster.node(id);
  }

  private DynamoNode node(NodeId id) {
    return instance(id).service();
  }

  private Siblings copy(NodeId id, byte[] key) {
    return node(id).dataOf(STORE, key);
  }

  /** A node that is not among the key's owners. */
  private DynamoNode outsider(byte[] key) {
    List<NodeId> owners = owners(key);
    return sim.cluster.nodes().stream()
        .filter(n -> !owners.contains(n.id()))
        .findFirst()
        .orElseThrow()
        .service();
  }

  /** Drops every replica write sent to {@code replicas}, as if they were cut off from writers. */
  private SimNetwork.Filter missWrites(NodeId... replicas) {
    int[] indexes = new int[replicas.length];
    for (int i = 0; i < replicas.length; i++) {
      indexes[i] = instance(replicas[i]).index();
    }
    return sim.cluster.filters().ofType(ReplicaWrite.class).to(indexes).drop();
  }

  private long total(java.util.function.ToLongFunction<NodeStats> counter) {
    return sim.cluster.nodes().stream()
        .mapToLong(n -> counter.applyAsLong(n.service().stats()))
        .sum();
  }

  private void runUntilRepaired(NodeId stale, NodeId reference, byte[] key) {
    sim.cluster
        .simulation()
        .runUntilOrFail(
            stale + " repaired",
            () -> copy(stale, key).equals(copy(reference, key)),
            Duration.ofSeconds(5));
  }

  @Test
  void aReplicaThatMissedAWriteIsRepairedByARead() {
    sim.formCluster();
    byte[] key = bytes("missed");
    List<NodeId> owners = owners(key);
    SimNetwork.Filter cut = missWrites(owners.get(2));
    sim.join(node(owners.get(0)).put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    sim.cluster.runFor(Duration.ofSeconds(1));
    cut.off();
    assertThat(copy(owners.get(2), key).isEmpty()).isTrue();

    DynamoNode coordinator = outsider(key);
    GetResult read = sim.join(coordinator.get(STORE, key, RequestOptions.quorum(3)));
    assertThat(read.values()).hasSize(1);
    runUntilRepaired(owners.get(2), owners.get(0), key);
    assertThat(coordinator.stats().readRepairs()).isEqualTo(1);
    assertThat(coordinator.stats().readRepairFailures()).isZero();
    assertThat(coordinator.stats().section().stats())
        .anySatisfy(s -> assertThat(s.name()).isEqualTo("read.repairs"));

    // Now every owner agrees: another read repairs nothing.
    sim.join(coordinator.get(STORE, key, RequestOptions.quorum(3)));
    sim.cluster.runFor(Duration.ofSeconds(1));
    assertThat(total(NodeStats::readRepairs)).isEqualTo(1);
  }

  @Test
  void theCoordinatorRepairsItsOwnStaleCopy() {
    sim.formCluster();
    byte[] key = bytes("self");
    List<NodeId> owners = owners(key);
    SimNetwork.Filter cut = missWrites(owners.get(0));
    sim.join(node(owners.get(1)).put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    sim.cluster.runFor(Duration.ofSeconds(1));
    cut.off();
    assertThat(copy(owners.get(0), key).isEmpty()).isTrue();

    DynamoNode coordinator = node(owners.get(0));
    sim.join(coordinator.get(STORE, key, RequestOptions.quorum(3)));
    runUntilRepaired(owners.get(0), owners.get(1), key);
    assertThat(coordinator.stats().readRepairs()).isEqualTo(1);
  }

  /**
   * The stale replica answers last, after the client got its answer from the two others: its late
   * answer still counts, and it is repaired.
   */
  @Test
  void aLateAnswerAfterTheClientGotItsOwnIsStillRepaired() {
    sim.formCluster();
    byte[] key = bytes("late");
    List<NodeId> owners = owners(key);
    NodeId stale = owners.get(2);
    SimNetwork.Filter cut = missWrites(stale);
    sim.join(node(owners.get(0)).put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    sim.cluster.runFor(Duration.ofSeconds(1));
    cut.off();

    SimNetwork.Filter slow =
        sim.cluster
            .filters()
            .from(instance(stale).index())
            .ofType(ReplicaReadReply.class)
            .delay(Duration.ofMillis(300));
    DynamoNode coordinator = outsider(key);
    CompletableFuture<GetResult> read = sim.await(coordinator.get(STORE, key, DEFAULTS));
    assertThat(read.join().values()).hasSize(1);
    assertThat(copy(stale, key).isEmpty()).as("not repaired before its late answer").isTrue();
    assertThat(coordinator.stats().readRepairs()).isZero();

    runUntilRepaired(stale, owners.get(0), key);
    slow.off();
    assertThat(coordinator.stats().readRepairs()).isEqualTo(1);
  }

  @Test
  void aTombstoneIsRepairedLikeAnyVersion() {
    sim.formCluster();
    byte[] key = bytes("deleted");
    List<NodeId> owners = owners(key);
    NodeId stale = owners.get(2);
    sim.join(
        node(owners.get(0)).put(STORE, key, bytes("v"), Context.EMPTY, RequestOptions.quorum(3)));
    GetResult before = sim.join(node(owners.get(0)).get(STORE, key, RequestOptions.quorum(3)));
    SimNetwork.Filter cut = missWrites(stale);
    sim.join(node(owners.get(0)).delete(STORE, key, before.context(), DEFAULTS));
    sim.cluster.runFor(Duration.ofSeconds(1));
    cut.off();
    assertThat(copy(stale, key).liveValues()).hasSize(1);

    GetResult read = sim.join(outsider(key).get(STORE, key, RequestOptions.quorum(3)));
    assertThat(read.isAbsent()).isTrue();
    runUntilRepaired(stale, owners.get(0), key);
    assertThat(copy(stale, key).isDeleted()).isTrue();
    assertThat(copy(stale, key).liveValues()).isEmpty();
  }

  @Test
  void withReadRepairOffNothingIsRepaired() {
    cluster(b -> b.readRepair(false));
    sim.formCluster();
    byte[] key = bytes("off");
    List<NodeId> owners = owners(key);
    SimNetwork.Filter cut = missWrites(owners.get(2));
    sim.join(node(owners.get(0)).put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    sim.cluster.runFor(Duration.ofSeconds(1));
    cut.off();

    assertThat(sim.join(outsider(key).get(STORE, key, RequestOptions.quorum(3))).values())
        .hasSize(1);
    sim.cluster.runFor(Duration.ofSeconds(2));
    assertThat(copy(owners.get(2), key).isEmpty()).isTrue();
    assertThat(total(NodeStats::readRepairs)).isZero();
    assertThat(total(NodeStats::readRepairsSkipped)).isZero();
  }

  @Test
  void repairsOverTheBoundAreSkippedAndCounted() {
    cluster(b -> b.readRepairMaxInFlight(1));
    sim.formCluster();
    byte[] key = bytes("bounded");
    List<NodeId> owners = owners(key);
    SimNetwork.Filter cut = missWrites(owners.get(1), owners.get(2));
    sim.join(
        node(owners.get(0)).put(STORE, key, bytes("v"), Context.EMPTY, RequestOptions.quorum(1)));
    sim.cluster.runFor(Duration.ofSeconds(1));
    cut.off();

    DynamoNode coordinator = outsider(key);
    sim.join(coordinator.get(STORE, key, RequestOptions.quorum(3)));
    sim.cluster.runFor(Duration.ofSeconds(1));
    assertThat(coordinator.stats().readRepairs()).isEqualTo(1);
    assertThat(coordinator.stats().readRepairsSkipped()).isEqualTo(1);
    long repaired =
        owners.stream().skip(1).filter(o -> copy(o, key).equals(copy(owners.get(0), key))).count();
    assertThat(repaired).isEqualTo(1);

    // The next read repairs the one left behind.
    sim.join(coordinator.get(STORE, key, RequestOptions.quorum(3)));
    runUntilRepaired(owners.get(1), owners.get(0), key);
    runUntilRepaired(owners.get(2), owners.get(0), key);
    assertThat(coordinator.stats().readRepairs()).isEqualTo(2);
  }

  /**
   * A replica holds what it stores: the synced set, pruned. A merge that still carries the entries
   * its pruning dropped is not news to it, and must not be repaired over and over.
   */
  @Test
  void aSetThatDiffersFromTheMergeOnlyByPrunedEntriesIsNotStale() {
    int max = NodeConfig.DEFAULT_MAX_CLOCK_ENTRIES;
    Siblings full = Siblings.empty();
    for (int i = 0; i < max + 2; i++) {
      full =
          full.update(
              full.context(), Versioned.of(bytes("v" + i), 1000L + i), Actor.of("n" + i, 1));
    }
    Siblings held = full.pruned(max);
    assertThat(held).isNotEqualTo(full);
    ReadRepair repair = new ReadRepair(sim.node(1).config(), null, null, null, new NodeStats());
    assertThat(repair.isStale(held, full)).isFalse();
    assertThat(repair.isStale(held, Siblings.sync(held, full))).isFalse();
    Siblings older =
        Siblings.empty()
            .update(VectorClock.empty(), Versioned.of(bytes("x"), 1), Actor.of("n0", 1));
    assertThat(repair.isStale(older, full)).isTrue();
    assertThat(repair.isStale(Siblings.empty(), full)).isTrue();
    assertThat(repair.isStale(full.pruned(max), held)).isFalse();
  }
}
