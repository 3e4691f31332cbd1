/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimNetwork;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The version defects a skeptical review reproduced (issue 14), each on a simulated 5-node cluster
 * (N=3, R=2, W=2): a disk that rolls back must not make a node reissue dots (Riak's kv679), a
 * context is untrusted input, and clocks stay bounded on every replica.
 */
class VersionSafetyTest {
  private static final String STORE = "cart";
  private static final RequestOptions ALL = RequestOptions.quorum(3);

  private DynamoSim sim = new DynamoSim(14, 5, List.of(StoreDefinition.of(STORE)));

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static List<String> strings(GetResult r) {
    return r.values().stream().map(v -> new String(v, UTF_8)).sorted().toList();
  }

  private <T> Throwable errorOf(java.util.concurrent.CompletionStage<T> request) {
    return sim.await(request)
        .handle((ok, e) -> e == null ? null : DynamoException.unwrap(e))
        .join();
  }

  private List<NodeId> owners(byte[] key) {
    return sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
  }

  private SimCluster<DynamoNode>.Instance instance(NodeId id) {
    return sim.cluster.node(id);
  }

  /** What {@code node} stores for {@code key}, read straight from its directory. */
  private Siblings stored(NodeId node, byte[] key) {
    byte[] bytes =
        MemoryStorageEngine.open(instance(node).directory())
            .keyspace("data-" + STORE)
            .get(StorageKeys.storageKey(key));
    return bytes == null ? Siblings.empty() : VersionCodec.decodeSiblings(bytes);
  }

  /** The actor {@code node} wrote {@code key} with, from its stored clock. */
  private Actor actorOf(NodeId node, byte[] key) {
    return stored(node, key).context().toMap().keySet().stream()
        .filter(a -> a.node().equals(node))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  /** A context a client made up: an encoded clock no server issued. */
  private static Context forged(Map<Actor, Long> clock) {
    return Context.fromBytes(VersionCodec.encode(VectorClock.of(clock)));
  }

  /**
   * Riak's kv679, as reproduced: v1 and v2 written through owner c; c loses its last commit in a
   * power failure (write-no-sync keeps it in the page cache only); a blind v3 through c is
   * acknowledged. Before the fix c kept its incarnation, reissued v2's dot for v3, and the replicas
   * kept one of the two values: every R=3 read returned [v1, v2].
   */
  @Test
  void aNodeWhoseDiskRolledBackNeverReissuesADot() {
    Actor[] actors = rolledBackNodeWritesV3();
    assertThat(actors[1]).as("v3's actor").isNotEqualTo(actors[0]);
    assertThat(sim.reissuedDots).as("keys holding two values under one dot").isEmpty();
    for (int i = 1; i <= 5; i++) {
      assertThat(strings(sim.join(sim.node(i).get(STORE, bytes("kv679"), ALL))))
          .as("R=3 read through n%d", i)
          .containsExactly("v1", "v2", "v3");
    }
  }

  /**
   * The same with the behaviour before the fix (the node keeps its incarnation): v3 reuses v2's
   * dot. The dotted sets now keep both values, so reads still show v3, but every replica reports
   * the reissued dot: what the test above rules out.
   */
  @Test
  void withoutTheFixTheRolledBackNodeReissuesADot() {
    sim =
        new DynamoSim(
            14,
            5,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.KEEPS_INCARNATION_AFTER_ROLLBACK,
            Duration.ofMillis(500));
    Actor[] actors = rolledBackNodeWritesV3();
    assertThat(actors[1]).isEqualTo(actors[0]);
    assertThat(sim.reissuedDots).isNotEmpty();
  }

  /**
   * v1 and v2 through owner c, c loses v2's commit in a power failure, then a blind v3 through c:
   * the actors that wrote v2 and v3.
   */
  private Actor[] rolledBackNodeWritesV3() {
    sim.formCluster();
    byte[] key = bytes("kv679");
    NodeId c = owners(key).get(0);
    instance(c).directory().durability(Durability.WRITE_NO_SYNC);
    DynamoNode coordinator = instance(c).service();
    sim.join(coordinator.put(STORE, key, bytes("v1"), Context.EMPTY, ALL));
    long afterV1 = instance(c).directory().commits();
    sim.join(coordinator.put(STORE, key, bytes("v2"), Context.EMPTY, ALL));
    assertThat(stored(c, key).siblingCount()).isEqualTo(2);
    Actor v2 = actorOf(c, key);

    assertThat(instance(c).powerFailureLosingCommitsAfter(afterV1)).isPositive();
    assertThat(stored(c, key).siblingCount()).as("c lost v2").isEqualTo(1);
    instance(c).start();
    sim.awaitAllReachable();
    sim.join(
        instance(c)
            .service()
            .put(STORE, key, bytes("v3"), Context.EMPTY, RequestOptions.quorum(2)));
    return new Actor[] {v2, actorOf(c, key)};
  }

  /**
   * A context claiming counter Long.MAX-1 for the coordinator's actor was acknowledged, and every
   * later put of the key through that coordinator failed with an ArithmeticException (INTERNAL).
   */
  @Test
  void aContextNearTheTopOfTheCounterRangeNeitherWedgesTheKeyNorLosesAWrite() {
    sim.formCluster();
    byte[] key = bytes("top");
    NodeId c = owners(key).get(0);
    DynamoNode coordinator = instance(c).service();
    sim.join(coordinator.put(STORE, key, bytes("v1"), Context.EMPTY, ALL));
    Actor actor = actorOf(c, key);

    errorOf(
        coordinator.put(
            STORE, key, bytes("forged"), forged(Map.of(actor, Long.MAX_VALUE - 1)), ALL));

    for (int round = 0; round < 3; round++) {
      GetResult read = sim.join(coordinator.get(STORE, key, ALL));
      String next = "v" + (round + 2);
      assertThat(errorOf(coordinator.put(STORE, key, bytes(next), read.context(), ALL)))
          .as("put %s through %s after the forged context", next, c)
          .isNull();
      assertThat(strings(sim.join(sim.node(1 + round).get(STORE, key, ALL)))).containsExactly(next);
    }
  }

  /**
   * A context claiming counters of another actor above anything it issued made the cluster treat
   * that actor's next write as already seen: acknowledged, then gone.
   */
  @Test
  void aContextClaimingAnotherActorsFutureWritesCannotHideThem() {
    sim.formCluster();
    byte[] key = bytes("future");
    List<NodeId> owners = owners(key);
    NodeId a = owners.get(0);
    NodeId b = owners.get(1);
    sim.join(instance(b).service().put(STORE, key, bytes("v1"), Context.EMPTY, ALL));
    Actor actorOfB = actorOf(b, key);

    // b does not hear of the forged write, so its own record stays at counter 1.
    SimNetwork.Filter cut = sim.cluster.isolate(instance(b).index());
    errorOf(
        instance(a)
            .service()
            .put(
                STORE,
                key,
                bytes("forged"),
                forged(Map.of(actorOfB, 1000L)),
                RequestOptions.quorum(2)));
    cut.off();
    sim.awaitAllReachable();

    sim.join(
        instance(b)
            .service()
            .put(STORE, key, bytes("v2"), Context.EMPTY, RequestOptions.quorum(2)));
    for (int i = 1; i <= 5; i++) {
      assertThat(strings(sim.join(sim.node(i).get(STORE, key, ALL))))
          .as("R=3 read through n%d", i)
          .contains("v2");
    }
  }

  /** A context copied from another key (a common application bug) was accepted. */
  @Test
  void aContextOfAnotherKeyIsRefused() {
    sim.formCluster();
    sim.join(sim.node(1).put(STORE, bytes("a"), bytes("x"), Context.EMPTY, ALL));
    Context ofA = sim.join(sim.node(2).get(STORE, bytes("a"), ALL)).context();
    assertThat(ofA.isEmpty()).isFalse();

    Throwable error = errorOf(sim.node(3).put(STORE, bytes("b"), bytes("y"), ofA, ALL));

    assertThat(error).isInstanceOf(InvalidContextException.class);
    assertThat(sim.join(sim.node(4).get(STORE, bytes("b"), ALL)).isAbsent()).isTrue();
  }

  /**
   * Pruning happened only at the coordinator, and a replica's sync took the union of entries, so a
   * replica re-added what each coordinator had pruned: with five coordinators its clock grew past
   * the bound although it held a single live sibling.
   */
  @Test
  void everyReplicaKeepsTheClockWithinTheBound() {
    int bound = 2;
    StoreDefinition fiveCopies =
        new StoreDefinition(STORE, 5, 3, 3, 64, 64 * 1024, 64, 1 << 20, 4096);
    sim =
        new DynamoSim(
            14,
            5,
            List.of(fiveCopies),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b ->
                b.maxClockEntries(bound)
                    .ringPlanner(io.dynamokv.core.ring.RingPlanner.fixedPartitions(64, 5)));
    sim.formCluster();
    byte[] key = bytes("bounded");
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 5);
    RequestOptions all = RequestOptions.quorum(5);
    Context context = Context.EMPTY;
    for (int round = 0; round < 8; round++) {
      DynamoNode coordinator = instance(owners.get(round % 4)).service();
      sim.join(coordinator.put(STORE, key, bytes("v" + round), context, all));
      GetResult read = sim.join(coordinator.get(STORE, key, all));
      assertThat(strings(read)).contains("v" + round);
      context = read.context();
      for (NodeId replica : owners) {
        Siblings set = stored(replica, key);
        long liveActors = set.siblings().stream().map(s -> s.dot().actor()).distinct().count();
        assertThat(set.clockSize())
            .as("clock of %s after write %d: %s", replica, round, set)
            .isLessThanOrEqualTo(bound + (int) liveActors);
      }
    }
  }

  /**
   * What incarnations cost (docs/ARCHITECTURE.md): a hot key written round-robin through its three
   * owners, whose machines lose power 20 times in all (write-no-sync), carries one clock entry per
   * incarnation that coordinated it, until pruning bounds it.
   */
  @Test
  void aHotKeysClockAfterTwentyUncleanRestarts() {
    int[] unpruned = clockAfterUncleanRestarts(20, 1000);
    int[] pruned = clockAfterUncleanRestarts(20, NodeConfig.DEFAULT_MAX_CLOCK_ENTRIES);
    System.out.printf(
        "hot key after 20 unclean restarts: %d clock entries (%d bytes stored) without pruning,"
            + " %d entries (%d bytes) pruned at %d%n",
        unpruned[0], unpruned[1], pruned[0], pruned[1], NodeConfig.DEFAULT_MAX_CLOCK_ENTRIES);
    assertThat(unpruned[0]).isEqualTo(3 + 20);
    assertThat(pruned[0]).isEqualTo(NodeConfig.DEFAULT_MAX_CLOCK_ENTRIES);
  }

  /** The largest clock (entries, stored bytes) any owner holds at the end. */
  private int[] clockAfterUncleanRestarts(int restarts, int maxClockEntries) {
    sim =
        new DynamoSim(
            14,
            5,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b -> b.maxClockEntries(maxClockEntries));
    sim.formCluster();
    byte[] key = bytes("hot");
    List<NodeId> owners = owners(key);
    for (NodeId owner : owners) {
      instance(owner).directory().durability(Durability.WRITE_NO_SYNC);
    }
    int round = 0;
    for (int restart = 0; restart <= restarts; restart++) {
      if (restart > 0) {
        SimCluster<DynamoNode>.Instance victim = instance(owners.get(restart % 3));
        victim.powerFailure();
        victim.start();
        assertThat(victim.service().incarnation().fresh()).isTrue();
        sim.awaitAllReachable();
      }
      for (NodeId owner : owners) {
        DynamoNode coordinator = instance(owner).service();
        Context context = sim.join(coordinator.get(STORE, key, ALL)).context();
        sim.join(coordinator.put(STORE, key, bytes("v" + round++), context, ALL));
      }
    }
    int entries = 0;
    int bytes = 0;
    for (NodeId owner : owners) {
      Siblings set = stored(owner, key);
      assertThat(set.siblingCount()).isEqualTo(1);
      entries = Math.max(entries, set.clockSize());
      bytes = Math.max(bytes, VersionCodec.encode(set).length);
    }
    return new int[] {entries, bytes};
  }
}
