/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.Siblings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Anti-entropy in a node (issue 19), in small simulated clusters with hinted handoff and read
 * repair off, so that whatever is repaired was repaired by it.
 */
class AntiEntropyTest {
  private static final String STORE = "cart";
  private static final Duration GRACE = Duration.ofSeconds(30);

  private final DynamoSim sim =
      new DynamoSim(
          19,
          3,
          List.of(StoreDefinition.of(STORE)),
          BrokenVariant.NONE,
          Duration.ofMillis(500),
          b ->
              b.handoff(HandoffConfig.DEFAULTS.withEnabled(false))
                  .readRepair(false)
                  .antiEntropy(
                      AntiEntropyConfig.DEFAULTS
                          .withInterval(Duration.ofMillis(100))
                          .withTombstoneGrace(GRACE)));

  @Test
  void aNodeWhoseDiskWasLostAnswersNoReadUntilRepairRestoredItsPartitions() {
    sim.formCluster();
    List<byte[]> keys = writeKeys(40);
    SimCluster<DynamoNode>.Instance lost = sim.cluster.node(3);
    lost.wipe();
    lost.start();
    sim.formCluster();
    sim.awaitAllReachable();
    DynamoNode node = lost.service();
    assertThat(node.incarnation().lostData()).isTrue();
    assertThat(figure(node, "partitions.incomplete")).isPositive();

    // Through n3, R=3 needs n3's own answer: it gives none while incomplete, and says why.
    Throwable refused =
        sim.errorOf(node.get(STORE, keys.get(0), new RequestOptions(3, Duration.ofSeconds(1))));
    assertThat(refused)
        .isInstanceOf(InsufficientReplicasException.class)
        .hasMessageContaining("does not hold the key's partition completely");
    // The other two answer R=2 reads meanwhile.
    assertThat(sim.join(node.get(STORE, keys.get(0), RequestOptions.quorum(2))).values())
        .hasSize(1);

    sim.join(node.repair(true));

    assertThat(figure(node, "partitions.incomplete")).isZero();
    for (byte[] key : keys) {
      assertThat(localCopies(key)).as(new String(key, UTF_8)).allMatch(s -> s.values().size() == 1);
      assertThat(sim.join(node.get(STORE, key, RequestOptions.quorum(3))).values()).hasSize(1);
    }
    assertThat(figure(node, "keys.repaired")).isPositive();
    assertThat(figure(node, "passes")).isPositive();
  }

  @Test
  void aDamagedRecordIsLeftAsItIsAndTheOtherKeysAreRepaired() {
    sim.formCluster();
    List<byte[]> keys = writeKeys(20);
    byte[] damaged = keys.get(0);
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(damaged), 3);
    SimCluster<DynamoNode>.Instance victim = sim.cluster.node(owners.get(1));
    victim.crash();
    MemoryStorageEngine engine = MemoryStorageEngine.open(victim.directory());
    engine.keyspace("data-" + STORE).put(StorageKeys.storageKey(damaged), new byte[] {(byte) 0xff});
    for (byte[] key : keys.subList(1, keys.size())) {
      engine.keyspace("data-" + STORE).delete(StorageKeys.storageKey(key));
    }
    engine.close();
    victim.start();
    sim.formCluster();
    sim.awaitAllReachable();

    sim.join(victim.service().repair(true));

    for (byte[] key : keys.subList(1, keys.size())) {
      assertThat(localCopies(key)).allMatch(s -> s.values().size() == 1);
    }
    assertThat(figure(victim.service(), "keys.unreadable")).isPositive();
  }

  @Test
  void aTombstoneIsPurgedOnlyOnceTheGraceHasPassedAndEveryOwnerHoldsIt() {
    sim.formCluster();
    byte[] key = "deleted".getBytes(UTF_8);
    DynamoNode n1 = sim.node(1);
    Context written =
        sim.join(n1.put(STORE, key, "v".getBytes(UTF_8), Context.EMPTY, RequestOptions.quorum(3)));
    sim.join(n1.delete(STORE, key, written, RequestOptions.quorum(3)));
    List<NodeId> owners = n1.ring().orElseThrow().preferenceList(Token.of(key), 3);

    // Before the grace period: nothing is purged, however often the reaper runs.
    sim.cluster.runFor(GRACE.minusSeconds(5));
    assertThat(localCopies(key)).allMatch(s -> s.isDeleted() && !s.isEmpty());
    assertThat(purged()).isZero();

    // With an owner down, none either: it could hold an older value.
    SimCluster<DynamoNode>.Instance down = sim.cluster.node(owners.get(2));
    down.stop();
    sim.cluster.runFor(Duration.ofSeconds(15));
    for (NodeId owner : owners.subList(0, 2)) {
      assertThat(sim.cluster.node(owner).service().dataOf(STORE, key).isEmpty()).isFalse();
    }
    down.start();
    sim.formCluster();

    sim.cluster.runUntilOrFail(
        "the tombstone purged on every owner",
        () -> localCopies(key).stream().allMatch(Siblings::isEmpty),
        Duration.ofMinutes(1));
    assertThat(purged()).isEqualTo(3);
    // It stays purged: anti-entropy hands nothing back.
    sim.cluster.runFor(Duration.ofSeconds(5));
    assertThat(localCopies(key)).allMatch(Siblings::isEmpty);
  }

  /**
   * A node removed while down comes back with its old data after a delete of one of its keys was
   * purged: it regains its partitions incomplete, pulls them, and drops what no other owner holds
   * past the grace period, so the deleted value does not come back.
   */
  @Test
  void aNodeBackWithDataFromBeforeAPurgeCannotBringTheDeletedValueBack() {
    DynamoSim four =
        new DynamoSim(
            29,
            4,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b ->
                b.handoff(HandoffConfig.DEFAULTS.withEnabled(false))
                    .readRepair(false)
                    .antiEntropy(
                        AntiEntropyConfig.DEFAULTS
                            .withInterval(Duration.ofMillis(100))
                            .withTombstoneGrace(GRACE)));
    four.formCluster();
    NodeId n4 = NodeId.of("n4");
    byte[] key = null;
    for (int i = 0; key == null; i++) {
      byte[] k = ("k" + i).getBytes(UTF_8);
      if (four.node(1).ring().orElseThrow().preferenceList(Token.of(k), 3).contains(n4)) {
        key = k;
      }
    }
    DynamoNode n1 = four.node(1);
    Context written =
        four.join(
            n1.put(STORE, key, "old".getBytes(UTF_8), Context.EMPTY, RequestOptions.quorum(3)));
    four.cluster.node(n4).stop();
    four.cluster.runUntilOrFail(
        "n1 sees n4 down",
        () -> !n1.membership().reachability().isReachable(n4),
        Duration.ofMinutes(1));
    four.join(n1.membership().remove(n4));
    four.formCluster();
    four.join(n1.delete(STORE, key, written, RequestOptions.quorum(3)));
    byte[] deleted = key;
    four.cluster.runUntilOrFail(
        "the delete purged on the three owners",
        () -> ownersCopies(four, deleted).stream().allMatch(Siblings::isEmpty),
        Duration.ofMinutes(2));

    four.cluster.node(n4).start();
    DynamoNode back = four.cluster.node(n4).service();
    four.cluster.runUntilOrFail(
        "n4 learns it was removed",
        () -> back.membership().view().status(n4) == NodeStatus.REMOVED,
        Duration.ofMinutes(1));
    four.join(back.membership().join(NodeId.of("n1"))); // it comes back by an admin join
    four.formCluster();
    four.cluster.runUntilOrFail(
        "n4 holds its partitions completely again",
        () ->
            figure(back, "partitions.incomplete") == 0
                && back.ring().orElseThrow().preferenceList(Token.of(deleted), 3).contains(n4),
        Duration.ofMinutes(2));
    four.cluster.runFor(Duration.ofSeconds(5));

    assertThat(ownersCopies(four, deleted)).allMatch(Siblings::isEmpty);
    assertThat(four.join(n1.get(STORE, deleted, RequestOptions.quorum(3))).values()).isEmpty();
    // What dropped the old value: the transfer's sweep, while n4 was removed and held data of
    // partitions it no longer replicated; or, had it not run yet, the regained partition's pull.
    assertThat(figure(back, "stale.dropped") + figure(back, "transfer", "keys_dropped"))
        .isPositive();
  }

  private static List<Siblings> ownersCopies(DynamoSim sim, byte[] key) {
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    List<Siblings> copies = new ArrayList<>();
    for (NodeId owner : owners) {
      CompletableFuture<Siblings> copy = new CompletableFuture<>();
      sim.cluster.node(owner).schedule(Duration.ZERO, n -> copy.complete(n.dataOf(STORE, key)));
      copies.add(sim.join(copy));
    }
    return copies;
  }

  /** With N = 1 there is no one to pull from: a node that lost data completes at once. */
  @Test
  void aPartitionWithNoOtherOwnerIsCompleteAtOnce() {
    DynamoSim single =
        new DynamoSim(
            23,
            3,
            List.of(new StoreDefinition("one", 1, 1, 1, 64, 64 * 1024, 64, 1 << 20, 4096)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b ->
                b.handoff(HandoffConfig.DEFAULTS.withEnabled(false))
                    .readRepair(false)
                    .antiEntropy(AntiEntropyConfig.DEFAULTS.withInterval(Duration.ofMillis(100))));
    single.formCluster();
    SimCluster<DynamoNode>.Instance lost = single.cluster.node(3);
    lost.wipe();
    lost.start();
    single.formCluster();
    single.cluster.runUntilOrFail(
        "n3's partitions complete",
        () -> figure(lost.service(), "partitions.incomplete") == 0,
        Duration.ofSeconds(30));
  }

  /** `repair --wait` says so when the pass could not reach every owner. */
  @Test
  void aRequestedPassThatSkippedAnOwnerFailsItsWaiter() {
    sim.formCluster();
    writeKeys(5);
    sim.cluster.node(2).stop();
    Throwable error = sim.errorOf(sim.node(1).repair(true));
    assertThat(error)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exchanges skipped");
  }

  @Test
  void startUpRefusesAGracePeriodNotLongerThanTheHintsMaximumAge() {
    MembershipConfig membership = MembershipConfig.builder(NodeId.of("n1")).build();
    NodeConfig.Builder builder =
        NodeConfig.builder(membership)
            .stores(List.of(StoreDefinition.of(STORE)))
            .clusterSecret(io.dynamokv.core.security.TestSecrets.CLUSTER)
            .handoff(HandoffConfig.DEFAULTS.withMaxAge(Duration.ofHours(3)))
            .antiEntropy(AntiEntropyConfig.DEFAULTS.withTombstoneGrace(Duration.ofHours(3)));
    org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tombstone grace period (PT3H) must be longer than the hints'");
  }

  private List<byte[]> writeKeys(int count) {
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] key = ("k" + i).getBytes(UTF_8);
      sim.join(
          sim.node(1 + i % 3)
              .put(STORE, key, ("v" + i).getBytes(UTF_8), Context.EMPTY, RequestOptions.quorum(3)));
      keys.add(key);
    }
    return keys;
  }

  /** Each owner's own copy of {@code key}, read on its scheduler. */
  private List<Siblings> localCopies(byte[] key) {
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    List<Siblings> copies = new ArrayList<>();
    for (NodeId owner : owners) {
      CompletableFuture<Siblings> copy = new CompletableFuture<>();
      sim.cluster.node(owner).schedule(Duration.ZERO, n -> copy.complete(n.dataOf(STORE, key)));
      copies.add(sim.join(copy));
    }
    return copies;
  }

  private long purged() {
    long total = 0;
    for (DynamoNode node : sim.cluster.services()) {
      total += figure(node, "tombstones.purged");
    }
    return total;
  }

  private static long figure(DynamoNode node, String stat) {
    return figure(node, "anti-entropy", stat);
  }

  private static long figure(DynamoNode node, String name, String stat) {
    for (StatusSection section : node.status()) {
      if (section.name().equals(name)) {
        for (StatusSection.Stat s : section.stats()) {
          if (s.name().equals(stat)) {
            return s.value();
          }
        }
      }
    }
    throw new AssertionError("no " + name + " figure " + stat);
  }
}
