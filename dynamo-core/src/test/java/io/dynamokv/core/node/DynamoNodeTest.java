/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimNetwork;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Focused coordination scenarios on a simulated 5-node cluster (N=3, R=2, W=2). */
class DynamoNodeTest {
  private static final String STORE = "cart";
  private static final RequestOptions DEFAULTS = RequestOptions.DEFAULTS;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static List<String> strings(GetResult r) {
    return r.values().stream().map(v -> new String(v, UTF_8)).sorted().toList();
  }

  /** The error a request failed with (unwrapped), or null if it succeeded. */
  private <T> Throwable errorOf(java.util.concurrent.CompletionStage<T> request) {
    return sim.errorOf(request);
  }

  /** A node that is not among the key's 3 owners. */
  private int outsiderOf(byte[] key) {
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    return sim.cluster.nodes().stream()
        .filter(n -> !owners.contains(n.id()))
        .findFirst()
        .orElseThrow()
        .index();
  }

  private final DynamoSim sim = new DynamoSim(42, 5, List.of(StoreDefinition.of(STORE)));

  @Test
  void putThenGetThroughAnyNode() {
    sim.formCluster();
    byte[] key = bytes("alice");
    sim.join(sim.node(1).put(STORE, key, bytes("book"), Context.EMPTY, DEFAULTS));
    for (int i = 1; i <= 5; i++) {
      assertThat(strings(sim.join(sim.node(i).get(STORE, key, DEFAULTS)))).containsExactly("book");
    }
    assertThat(sim.join(sim.node(2).get(STORE, bytes("absent"), DEFAULTS)).isAbsent()).isTrue();
  }

  @Test
  void concurrentWritersBecomeSiblingsAndAReconcilingWriteReplacesThem() {
    sim.formCluster();
    byte[] key = bytes("cart-1");
    Context start = sim.join(sim.node(1).put(STORE, key, bytes("milk"), Context.EMPTY, DEFAULTS));
    GetResult read = sim.join(sim.node(2).get(STORE, key, DEFAULTS));
    // Two clients write with the same context, through different coordinators.
    sim.join(sim.node(3).put(STORE, key, bytes("milk,eggs"), read.context(), DEFAULTS));
    sim.join(sim.node(4).put(STORE, key, bytes("milk,bread"), read.context(), DEFAULTS));
    GetResult siblings = sim.join(sim.node(5).get(STORE, key, RequestOptions.quorum(3)));
    assertThat(strings(siblings)).containsExactly("milk,bread", "milk,eggs");
    sim.join(sim.node(1).put(STORE, key, bytes("milk,eggs,bread"), siblings.context(), DEFAULTS));
    assertThat(strings(sim.join(sim.node(2).get(STORE, key, RequestOptions.quorum(3)))))
        .containsExactly("milk,eggs,bread");
    assertThat(start.isEmpty()).isFalse();
  }

  @Test
  void twoWritesWithTheSameContextThroughTheSameCoordinatorBothSurvive() {
    sim.formCluster();
    byte[] key = bytes("k");
    NodeId owner = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3).get(0);
    DynamoNode coordinator = sim.cluster.node(owner).service();
    sim.join(coordinator.put(STORE, key, bytes("a"), Context.EMPTY, DEFAULTS));
    sim.join(coordinator.put(STORE, key, bytes("b"), Context.EMPTY, DEFAULTS));
    assertThat(strings(sim.join(coordinator.get(STORE, key, RequestOptions.quorum(3)))))
        .containsExactly("a", "b");
  }

  /** The index of the node with id {@code id}. */
  private int indexOf(NodeId id) {
    return sim.cluster.nodes().stream()
        .filter(n -> n.id().equals(id))
        .findFirst()
        .orElseThrow()
        .index();
  }

  @Test
  void aWriteChainedOnTheContextAPutReturnedSupersedesExactlyThatPut() {
    sim.formCluster();
    // y takes the coordinator's next dot after the read, so x1's dot does not directly follow what
    // x's context saw of that coordinator: a plain vector could not name x1 alone.
    assertThat(chainAfterAConcurrentWrite("chained"))
        .as("x3 superseded x1 and x2, which x saw, and not y, which it did not")
        .containsExactly("x3", "y");
  }

  @Test
  void whileAMemberReadsNoDottedContextsAChainedWriteBecomesASiblingAndNothingIsLost() {
    sim.formCluster();
    restartNode3Reading(io.dynamokv.core.wire.WireFormats.BASELINE, 2);

    assertThat(chainAfterAConcurrentWrite("legacy"))
        .as(
            "x1 survives beside x3: the legacy context could not name it, so x3 did not supersede it")
        .containsExactly("x1", "x3", "y");

    restartNode3Reading(io.dynamokv.core.wire.WireFormats.CURRENT, 3);
    assertThat(chainAfterAConcurrentWrite("upgraded")).containsExactly("x3", "y");
  }

  /**
   * Restarts node 3 as a build that reads {@code formats}, and runs until every node agrees on
   * sibling format {@code agreed}.
   */
  private void restartNode3Reading(java.util.SortedMap<String, Integer> formats, int agreed) {
    sim.formats.put(sim.cluster.node(3).id(), formats);
    sim.cluster.node(3).stop();
    sim.cluster.node(3).start();
    sim.formCluster();
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "every node agrees on sibling format " + agreed,
            () ->
                sim.cluster.nodes().stream()
                    .allMatch(
                        n -> n.service().membership().agreedFormats().get("siblings") == agreed),
            java.time.Duration.ofMinutes(1));
  }

  /**
   * y and then x1 write on one read through the key's first owner; x chains x2 (through the second
   * owner) and x3 on the contexts its puts returned. Returns what a read of all three owners finds.
   */
  private List<String> chainAfterAConcurrentWrite(String name) {
    byte[] key = bytes(name);
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    int first = indexOf(owners.get(0));
    int second = indexOf(owners.get(1));
    sim.join(sim.node(first).put(STORE, key, bytes("base"), Context.EMPTY, DEFAULTS));
    Context read = sim.join(sim.node(first).get(STORE, key, DEFAULTS)).context();
    sim.join(sim.node(first).put(STORE, key, bytes("y"), read, DEFAULTS));
    Context afterX = sim.join(sim.node(first).put(STORE, key, bytes("x1"), read, DEFAULTS));
    Context afterX2 = sim.join(sim.node(second).put(STORE, key, bytes("x2"), afterX, DEFAULTS));
    sim.join(sim.node(first).put(STORE, key, bytes("x3"), afterX2, DEFAULTS));
    return strings(sim.join(sim.node(first).get(STORE, key, RequestOptions.quorum(3))));
  }

  @Test
  void deleteSupersedesWhatItsContextSaw() {
    sim.formCluster();
    byte[] key = bytes("gone");
    sim.join(sim.node(1).put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    GetResult read = sim.join(sim.node(2).get(STORE, key, DEFAULTS));
    sim.join(sim.node(3).delete(STORE, key, read.context(), DEFAULTS));
    GetResult after = sim.join(sim.node(4).get(STORE, key, RequestOptions.quorum(3)));
    assertThat(after.isAbsent()).isTrue();
    assertThat(after.context().isEmpty()).isFalse();
  }

  @Test
  void withHandoffOffAWriteSucceedsWithOneOwnerDownAndFailsWithTwo() {
    DynamoSim strict =
        new DynamoSim(
            42,
            5,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            b -> b.handoff(HandoffConfig.DEFAULTS.withEnabled(false)));
    strict.formCluster();
    byte[] key = bytes("quorum");
    List<NodeId> owners = strict.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    DynamoNode coordinator = strict.cluster.node(owners.get(0)).service();
    strict.cluster.node(owners.get(1)).crash();
    strict.join(coordinator.put(STORE, key, bytes("one down"), Context.EMPTY, DEFAULTS));
    strict.cluster.node(owners.get(2)).crash();
    Throwable error =
        strict.errorOf(coordinator.put(STORE, key, bytes("two down"), Context.EMPTY, DEFAULTS));
    assertThat(error)
        .isInstanceOf(InsufficientReplicasException.class)
        .hasMessageContaining("put reached 1 of the 2 replicas it needs");
  }

  @Test
  void aNonOwnerForwardsTheWrite() {
    sim.formCluster();
    byte[] key = bytes("forward-me");
    int outsider = outsiderOf(key);
    sim.join(sim.node(outsider).put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    assertThat(sim.node(outsider).stats().forwarded()).isEqualTo(1);
    assertThat(strings(sim.join(sim.node(outsider).get(STORE, key, DEFAULTS))))
        .containsExactly("v");
  }

  @Test
  void badRequestsFailClearlyAndWriteNothing() {
    sim.formCluster();
    Throwable unknown = errorOf(sim.node(1).get("nope", bytes("k"), DEFAULTS));
    assertThat(unknown).isInstanceOf(StoreNotFoundException.class);
    byte[] huge = new byte[StoreDefinition.DEFAULT_MAX_VALUE_BYTES + 1];
    Throwable tooBig = errorOf(sim.node(1).put(STORE, bytes("k"), huge, Context.EMPTY, DEFAULTS));
    assertThat(tooBig)
        .isInstanceOf(LimitExceededException.class)
        .hasMessageContaining("value bytes is 1048577, over the limit of 1048576");
    assertThat(sim.join(sim.node(1).get(STORE, bytes("k"), RequestOptions.quorum(3))).isAbsent())
        .isTrue();
  }

  /**
   * Found by the coordination simulation: membership persisted an adopted ring only at its next
   * gossip round, so a node that crashed in between came back with an older ring, took itself for
   * an owner of keys it no longer owned and acknowledged W=1 writes that no owner held.
   */
  @Test
  void aNodeThatCrashesRightAfterAdoptingTheRingComesBackWithIt() {
    sim.formCluster();
    Ring agreed = sim.node(1).ring().orElseThrow();
    for (int i = 1; i <= 5; i++) {
      sim.cluster.node(i).crash();
      SimNetwork.Filter cutOff = sim.cluster.isolate(i); // no gossip can bring the ring back
      sim.cluster.node(i).start();
      sim.cluster.runFor(Duration.ofMillis(10));
      assertThat(sim.node(i).ring()).as("n%d's ring after a restart", i).contains(agreed);
      cutOff.off();
    }
  }

  @Test
  void aDuplicatedForwardIsWrittenOnce() {
    sim.formCluster();
    byte[] key = bytes("dup");
    int outsider = outsiderOf(key);
    sim.cluster.filters().ofType(CoordinationMessage.ForwardedWrite.class).duplicate();
    sim.join(sim.node(outsider).put(STORE, key, bytes("once"), Context.EMPTY, DEFAULTS));
    sim.cluster.runFor(java.time.Duration.ofSeconds(1));
    assertThat(strings(sim.join(sim.node(outsider).get(STORE, key, RequestOptions.quorum(3)))))
        .containsExactly("once");
    long duplicates =
        sim.cluster.nodes().stream().mapToLong(n -> n.service().stats().duplicateForwards()).sum();
    assertThat(duplicates).isEqualTo(1);
  }

  /**
   * A probe writes, reads back and deletes its node's reserved key through any node, owner or not;
   * clients cannot write reserved keys, so probes never touch their data.
   */
  @Test
  void theServingProbeWorksThroughEveryNodeAndClientsCannotWriteReservedKeys() {
    sim.formCluster();
    for (int i = 1; i <= 5; i++) {
      DynamoNode node = sim.node(i);
      sim.join(new ServingProbe(node).run(STORE));
      assertThat(sim.join(node.get(STORE, ServingProbe.key(node.id()), DEFAULTS)).isAbsent())
          .as("the probe of n%d left nothing", i)
          .isTrue();
    }
    byte[] reserved = ServingProbe.key(sim.node(1).id());
    assertThat(errorOf(sim.node(2).put(STORE, reserved, bytes("v"), Context.EMPTY, DEFAULTS)))
        .isInstanceOf(io.dynamokv.core.InvalidRequestException.class)
        .hasMessageContaining("reserved for the system");
    assertThat(errorOf(sim.node(2).delete(STORE, reserved, Context.EMPTY, DEFAULTS)))
        .isInstanceOf(io.dynamokv.core.InvalidRequestException.class);
    assertThat(ServingProbe.isReserved(bytes("dynamo:probe"))).isFalse();
  }

  /** On one node, a default store (R=2, W=2) fails both ways: the advice names both quorums. */
  @Test
  void aClusterSmallerThanTheQuorumsSaysWhichQuorumsToLower() {
    DynamoSim alone = new DynamoSim(7, 1, List.of(StoreDefinition.of(STORE)));
    alone.formCluster();
    byte[] key = bytes("k");
    assertThat(errorOf(alone, alone.node(1).put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS)))
        .isInstanceOf(io.dynamokv.core.InsufficientReplicasException.class)
        .hasMessageContaining("fewer than W=2")
        .hasMessageEndingWith("lower the store's write-quorum (and its read-quorum, R=2, too))");
    assertThat(errorOf(alone, alone.node(1).get(STORE, key, DEFAULTS)))
        .hasMessageEndingWith("lower the store's read-quorum (and its write-quorum, W=2, too))");
    assertThat(errorOf(alone, alone.node(1).get(STORE, key, RequestOptions.quorum(1)))).isNull();
  }

  private static <T> Throwable errorOf(DynamoSim in, java.util.concurrent.CompletionStage<T> r) {
    return in.await(r).handle((ok, e) -> e == null ? null : DynamoException.unwrap(e)).join();
  }
}
