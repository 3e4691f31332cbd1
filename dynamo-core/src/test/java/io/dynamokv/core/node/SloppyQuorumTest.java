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
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.version.Siblings;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Sloppy quorums and hinted handoff on a simulated 5-node cluster (N=3, R=2, W=2): writes stay
 * available with owners down, stand-ins hold hints, and hints go home when the owners return.
 */
class SloppyQuorumTest {
  private static final String STORE = "cart";
  private static final RequestOptions DEFAULTS = RequestOptions.DEFAULTS;

  private static DynamoSim sim(UnaryOperator<NodeConfig.Builder> tweak) {
    DynamoSim sim =
        new DynamoSim(
            7,
            5,
            List.of(StoreDefinition.of(STORE)),
            BrokenVariant.NONE,
            Duration.ofMillis(500),
            tweak);
    sim.formCluster();
    sim.awaitAllReachable();
    return sim;
  }

  private static DynamoSim sim() {
    return sim(b -> b.handoff(HandoffConfig.DEFAULTS.withInterval(Duration.ofMillis(200))));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static List<NodeId> owners(DynamoSim sim, byte[] key) {
    return sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
  }

  private static SimCluster<DynamoNode>.Instance instance(DynamoSim sim, NodeId id) {
    return sim.cluster.node(id);
  }

  private static long hintsHeld(DynamoSim sim) {
    return sim.cluster.nodes().stream()
        .filter(SimCluster.Instance::isUp)
        .mapToLong(n -> n.service().hints().count())
        .sum();
  }

  private static List<String> values(Siblings siblings) {
    return siblings.liveValues().stream().map(v -> new String(v.value(), UTF_8)).toList();
  }

  private static void awaitUnreachable(DynamoSim sim, NodeId from, NodeId... down) {
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "the failure detector of " + from + " to suspect " + List.of(down),
            () ->
                List.of(down).stream()
                    .noneMatch(
                        d ->
                            instance(sim, from)
                                .service()
                                .membership()
                                .reachability()
                                .isReachable(d)),
            Duration.ofMinutes(1));
  }

  /**
   * Runs until no node holds a hint, then checks each of {@code owners} holds only {@code value}.
   */
  private static void awaitHintsHome(DynamoSim sim, byte[] key, List<NodeId> owners, String value) {
    sim.cluster
        .simulation()
        .runUntilOrFail("hints drained", () -> hintsHeld(sim) == 0, Duration.ofMinutes(2));
    for (NodeId owner : owners) {
      assertThat(values(instance(sim, owner).service().dataOf(STORE, key)))
          .as("the copy of %s", owner)
          .containsExactly(value);
    }
  }

  @Test
  void aWriteSucceedsWithTwoOwnersDownAndItsHintsGoHome() {
    DynamoSim sim = sim();
    byte[] key = bytes("two-down");
    List<NodeId> owners = owners(sim, key);
    DynamoNode coordinator = instance(sim, owners.get(0)).service();
    instance(sim, owners.get(1)).crash();
    instance(sim, owners.get(2)).crash();

    // Before the failure detector notices, the slots that do not answer try stand-ins.
    sim.join(coordinator.put(STORE, key, bytes("early"), Context.EMPTY, DEFAULTS));
    awaitUnreachable(sim, owners.get(0), owners.get(1), owners.get(2));
    GetResult read = sim.join(coordinator.get(STORE, key, DEFAULTS));
    sim.join(coordinator.put(STORE, key, bytes("late"), read.context(), DEFAULTS));
    assertThat(hintsHeld(sim)).isPositive();

    // A read at R=2 is served by the owner that is up and a stand-in answering from its hint.
    GetResult again = sim.join(coordinator.get(STORE, key, DEFAULTS));
    assertThat(again.values()).extracting(v -> new String(v, UTF_8)).containsExactly("late");

    instance(sim, owners.get(1)).restart();
    instance(sim, owners.get(2)).restart();
    awaitHintsHome(sim, key, owners, "late");
  }

  /**
   * Two owners stop answering (cut off, their messages lost: a frozen process, not yet suspected):
   * a read at R=2 must not wait for them to its timeout, but ask stand-ins for their places
   * half-way through it, as a write does.
   */
  @Test
  void aReadTriesStandInsForOwnersThatDoNotAnswerBeforeTheyAreSuspected() {
    DynamoSim sim = sim();
    byte[] key = bytes("read-hedge");
    List<NodeId> owners = owners(sim, key);
    DynamoNode coordinator = instance(sim, owners.get(0)).service();
    sim.join(coordinator.put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    sim.cluster.isolate(instance(sim, owners.get(1)).index());
    sim.cluster.isolate(instance(sim, owners.get(2)).index());
    assertThat(coordinator.membership().reachability().isReachable(owners.get(1))).isTrue();

    Duration timeout = Duration.ofSeconds(2);
    long start = sim.cluster.now();
    GetResult read = sim.join(coordinator.get(STORE, key, new RequestOptions(2, timeout)));
    long tookMillis = (sim.cluster.now() - start) / 1_000_000;
    assertThat(read.values()).extracting(v -> new String(v, UTF_8)).containsExactly("v");
    assertThat(tookMillis)
        .as("ms until the read answered: the hedge at half the timeout, plus one exchange")
        .isBetween(timeout.toMillis() / 2, timeout.toMillis() * 3 / 4);
  }

  @Test
  void aNodeThatReachesNoOwnerCoordinatesAsAStandIn() {
    DynamoSim sim = sim();
    byte[] key = bytes("no-owner");
    List<NodeId> owners = owners(sim, key);
    SimCluster<DynamoNode>.Instance outsider =
        sim.cluster.nodes().stream()
            .filter(n -> !owners.contains(n.id()))
            .findFirst()
            .orElseThrow();
    owners.forEach(o -> instance(sim, o).crash());
    awaitUnreachable(sim, outsider.id(), owners.toArray(NodeId[]::new));

    sim.join(outsider.service().put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    assertThat(outsider.service().hints().count()).isPositive();

    owners.forEach(o -> instance(sim, o).restart());
    awaitHintsHome(sim, key, owners, "v");
  }

  /**
   * Under write-no-sync an owner's acknowledgement does not survive its power failure, and the hint
   * may be the only other copy of a write (found by a simulation seed: a stand-in deleted its hint
   * on the owner's acknowledgement, the owner lost power, and a W=1 write was gone). A stand-in
   * deletes a delivered hint only once the owner has flushed what it acknowledged.
   */
  @Test
  void aDeliveredHintIsDeletedOnlyOnceItsOwnerMadeItDurable() {
    DynamoSim sim = sim();
    byte[] key = bytes("durable-hint");
    List<NodeId> owners = owners(sim, key);
    SimCluster<DynamoNode>.Instance owner = instance(sim, owners.get(2));
    DynamoNode coordinator = instance(sim, owners.get(0)).service();
    owner.crash();
    awaitUnreachable(sim, owners.get(0), owners.get(2));
    sim.join(coordinator.put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    assertThat(hintsHeld(sim)).isPositive();

    owner.directory().durability(io.dynamokv.core.spi.Durability.WRITE_NO_SYNC);
    owner.restart();
    sim.cluster
        .simulation()
        .runUntilOrFail("hints drained", () -> hintsHeld(sim) == 0, Duration.ofMinutes(2));
    assertThat(values(owner.service().dataOf(STORE, key))).containsExactly("v");

    owner.powerFailureLosingCommitsAfter(
        owner.directory().commits() - owner.directory().unflushedCommits());
    owner.start();
    assertThat(values(owner.service().dataOf(STORE, key)))
        .as("the owner's copy after a power failure, before any repair")
        .containsExactly("v");
  }

  /**
   * A hint stays while its owner does not answer a flush; a member of an earlier build, which
   * cannot be asked to flush, is not asked, and its acknowledgement is taken as before.
   */
  @Test
  void aHintStaysUntilItsOwnerFlushesUnlessAMemberCannotBeAsked() {
    DynamoSim sim = sim();
    byte[] key = bytes("flush-refused");
    List<NodeId> owners = owners(sim, key);
    SimCluster<DynamoNode>.Instance owner = instance(sim, owners.get(2));
    sim.cluster.filters().ofType(CoordinationMessage.Flush.class).drop();
    owner.crash();
    awaitUnreachable(sim, owners.get(0), owners.get(2));
    sim.join(
        instance(sim, owners.get(0))
            .service()
            .put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    owner.restart();
    sim.cluster.simulation().runFor(Duration.ofSeconds(30));
    assertThat(hintsHeld(sim)).as("hints kept: no flush answered").isPositive();

    java.util.TreeMap<String, Integer> earlier =
        new java.util.TreeMap<>(io.dynamokv.core.wire.WireFormats.CURRENT);
    earlier.put("coordination", 1);
    sim.formats.put(owner.id(), earlier);
    owner.stop();
    owner.start();
    awaitHintsHome(sim, key, owners, "v");
    assertThat(owner.service().membership().agreedFormats()).containsEntry("coordination", 1);
  }

  /**
   * A delivered hint may hold an actor's highest counter for its key; deleting it while another
   * record of the key keeps a lower one would let the next dot repeat (a review found this: the
   * repeated dot's write is then silently dropped wherever the first was seen). Retiring a hint
   * keeps its dots in a record that remains.
   */
  @Test
  void aRetiredHintKeepsItsDotsInARecordThatRemains() {
    DynamoSim sim = sim();
    DynamoNode node = sim.node(1);
    Replica replica = node.replica();
    StoreDefinition def = node.config().stores().get(STORE);
    byte[] key = bytes("retired");
    NodeId a = NodeId.of("owner-a");
    NodeId d = NodeId.of("owner-d");
    long now = 1_000;
    io.dynamokv.core.version.CausalContext none = io.dynamokv.core.version.CausalContext.empty();
    Replica.Written first =
        replica.writeHint(
            def, key, a, none, io.dynamokv.core.version.Versioned.of(bytes("1"), now));
    replica.mergeHint(def, key, d, first.siblings());
    Replica.Written second =
        replica.writeHint(
            def,
            key,
            a,
            io.dynamokv.core.version.CausalContext.of(first.siblings().context()),
            io.dynamokv.core.version.Versioned.of(bytes("2"), now));
    assertThat(second.actor()).isEqualTo(first.actor());

    io.dynamokv.core.handoff.HintId hintA = io.dynamokv.core.handoff.HintId.of(STORE, key, a);
    assertThat(replica.retireHint(hintA, node.hints().get(hintA).stored())).isTrue();
    Replica.Written third =
        replica.writeHint(
            def, key, d, none, io.dynamokv.core.version.Versioned.of(bytes("3"), now));

    assertThat(dotOf(third.siblings(), "3"))
        .as("the dot of the third write, after the hint holding the second's was retired")
        .isNotEqualTo(dotOf(second.siblings(), "2"));
  }

  private static io.dynamokv.core.version.Dot dotOf(Siblings set, String value) {
    return set.siblings().stream()
        .filter(s -> new String(s.value().value(), UTF_8).equals(value))
        .findFirst()
        .orElseThrow()
        .dot();
  }

  /**
   * The ring changes while hints are pending: the hint's owner is removed from the cluster, so the
   * hint goes to every current owner of its key, and is retired once all of them have it.
   */
  @Test
  void aHintWhoseOwnerLeftTheRingGoesToEveryCurrentOwner() {
    DynamoSim sim = sim();
    byte[] key = bytes("moved");
    List<NodeId> owners = owners(sim, key);
    NodeId gone = owners.get(2);
    DynamoNode coordinator = instance(sim, owners.get(0)).service();
    instance(sim, gone).crash();
    awaitUnreachable(sim, owners.get(0), gone);
    sim.join(coordinator.put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    // The stand-in's hint may land after the write was acknowledged by W owners.
    sim.cluster
        .simulation()
        .runUntilOrFail("a hint for " + gone, () -> hintsHeld(sim) > 0, Duration.ofSeconds(5));

    sim.join(coordinator.membership().remove(gone));
    sim.cluster
        .simulation()
        .runUntilOrFail(
            "a ring without " + gone,
            () ->
                sim.cluster.nodes().stream()
                    .filter(SimCluster.Instance::isUp)
                    .allMatch(n -> !n.service().ring().orElseThrow().contains(gone)),
            Duration.ofMinutes(2));
    List<NodeId> now = owners(sim, key);
    assertThat(now).doesNotContain(gone);
    awaitHintsHome(sim, key, now, "v");
  }

  /**
   * A node that leaves hands its hints on first, to another node when it cannot reach their owner.
   * The owners are up (a move waits for every member to apply the moving ring, so a down member
   * would hold the leave back), but cut off from the leaver in both directions; the claimant, which
   * asks every member whether it is ready for the switch, is not one of them.
   */
  @Test
  void aLeavingNodeHandsItsHintsOnFirst() {
    DynamoSim sim = sim();
    // A key whose owners are neither the claimant (n1) nor the next one, so that the cut between
    // the leaver and the owners never cuts the leaver off from whoever plans and switches rings.
    int i = 0;
    while (owners(sim, bytes("leaving-" + i)).contains(NodeId.of("n1"))
        || owners(sim, bytes("leaving-" + i)).contains(NodeId.of("n2"))) {
      i++;
    }
    byte[] key = bytes("leaving-" + i);
    List<NodeId> owners = owners(sim, key);
    DynamoNode coordinator = instance(sim, owners.get(0)).service();
    instance(sim, owners.get(1)).crash();
    instance(sim, owners.get(2)).crash();
    awaitUnreachable(sim, owners.get(0), owners.get(1), owners.get(2));
    sim.join(coordinator.put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    SimCluster<DynamoNode>.Instance leaver =
        sim.cluster.nodes().stream()
            .filter(n -> !owners.contains(n.id()) && n.service().hints().count() > 0)
            .findFirst()
            .orElseThrow();
    int l = leaver.index();
    int o1 = instance(sim, owners.get(1)).index();
    int o2 = instance(sim, owners.get(2)).index();
    List<io.dynamokv.core.sim.SimNetwork.Filter> cut =
        List.of(
            sim.cluster.filters().from(l).to(o1, o2).drop(),
            sim.cluster.filters().from(o1, o2).to(l).drop());
    instance(sim, owners.get(1)).restart();
    instance(sim, owners.get(2)).restart();

    sim.join(leaver.service().membership().leave());
    sim.cluster
        .simulation()
        .runUntilOrFail(
            leaver.id() + " to leave",
            () ->
                leaver.service().membership().view().status(leaver.id())
                    == io.dynamokv.core.membership.NodeStatus.LEFT,
            Duration.ofMinutes(2));
    assertThat(leaver.service().hints().count()).as("hints left behind").isZero();
    assertThat(leaver.service().handoff().passedOn()).as("hints passed on").isPositive();
    leaver.stop();
    cut.forEach(io.dynamokv.core.sim.SimNetwork.Filter::off);

    List<NodeId> now =
        instance(sim, owners.get(0))
            .service()
            .ring()
            .orElseThrow()
            .preferenceList(io.dynamokv.core.ring.Token.of(key), 3);
    awaitHintsHome(sim, key, now, "v");
  }

  @Test
  void theCoordinatorKeepsAHintForAnOwnerThatMissedAWriteEvenAfterW() {
    DynamoSim sim = sim();
    byte[] key = bytes("missed");
    List<NodeId> owners = owners(sim, key);
    DynamoNode coordinator = instance(sim, owners.get(0)).service();
    instance(sim, owners.get(2)).crash();
    // W=2 is reached with the second owner; the third's slot finds no answer in time.
    sim.join(coordinator.put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    sim.cluster.simulation().runFor(Duration.ofSeconds(1));
    assertThat(hintsHeld(sim)).isPositive();
    instance(sim, owners.get(2)).restart();
    awaitHintsHome(sim, key, List.of(owners.get(2)), "v");
  }

  @Test
  void anExpiredHintIsDiscardedAndCounted() {
    DynamoSim sim =
        sim(
            b ->
                b.handoff(
                    HandoffConfig.DEFAULTS
                        .withInterval(Duration.ofMillis(200))
                        .withMaxAge(Duration.ofSeconds(5))));
    byte[] key = bytes("expires");
    List<NodeId> owners = owners(sim, key);
    instance(sim, owners.get(2)).crash();
    sim.join(
        instance(sim, owners.get(0))
            .service()
            .put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    sim.cluster.simulation().runFor(Duration.ofSeconds(1));
    assertThat(hintsHeld(sim)).isPositive();
    sim.cluster.simulation().runFor(Duration.ofSeconds(10));
    assertThat(hintsHeld(sim)).isZero();
    long expired =
        sim.cluster.nodes().stream()
            .filter(SimCluster.Instance::isUp)
            .mapToLong(n -> n.service().handoff().expired())
            .sum();
    assertThat(expired).isPositive();
    instance(sim, owners.get(2)).restart();
    sim.cluster.simulation().runFor(Duration.ofSeconds(5));
    assertThat(instance(sim, owners.get(2)).service().dataOf(STORE, key).siblingCount())
        .as("an expired hint is never delivered: anti-entropy repairs past it")
        .isZero();
  }

  @Test
  void standInsAtTheirCapRefuseAndTheWriteFailsCleanly() {
    DynamoSim sim = sim(b -> b.handoff(HandoffConfig.DEFAULTS.withMaxBytes(1)));
    byte[] key = bytes("full");
    List<NodeId> owners = owners(sim, key);
    DynamoNode coordinator = instance(sim, owners.get(0)).service();
    instance(sim, owners.get(1)).crash();
    instance(sim, owners.get(2)).crash();
    awaitUnreachable(sim, owners.get(0), owners.get(1), owners.get(2));
    // The first write fills the stand-ins (each takes one hint: merging is always allowed)...
    sim.join(coordinator.put(STORE, key, bytes("v"), Context.EMPTY, DEFAULTS));
    // ...a write of another key then finds every stand-in at its cap.
    byte[] other = null;
    for (int i = 0; other == null; i++) {
      byte[] candidate = bytes("other-" + i);
      if (owners(sim, candidate).equals(owners)) {
        other = candidate;
      }
    }
    Throwable error =
        sim.errorOf(coordinator.put(STORE, other, bytes("w"), Context.EMPTY, DEFAULTS));
    assertThat(error).isNotNull();
    long refused =
        sim.cluster.nodes().stream()
            .filter(SimCluster.Instance::isUp)
            .mapToLong(n -> n.service().stats().hintsRefused())
            .sum();
    assertThat(refused).isPositive();
    assertThat(coordinator.status().toString()).contains("at.cap");
  }
}
