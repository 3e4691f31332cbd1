/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static io.dynamokv.core.membership.GossipRefusal.Reason.ILLEGAL_CHANGE;
import static io.dynamokv.core.membership.GossipRefusal.Reason.INVALID_RING;
import static io.dynamokv.core.membership.GossipRefusal.Reason.MALFORMED;
import static io.dynamokv.core.membership.GossipRefusal.Reason.OUT_OF_RANGE;
import static io.dynamokv.core.membership.GossipRefusal.Reason.TOO_FAR_AHEAD;
import static io.dynamokv.core.membership.GossipRefusal.Reason.TOO_LARGE;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.sim.SimSeeds;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gossip is validated whole before it touches membership (issue 15): on a formed 3-node cluster,
 * hostile messages sent to n1 are refused with the right reason, change nothing, reach no disk, are
 * counted, and are reported once per sender and reason.
 */
class GossipValidationTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");
  private static final int MAX_MEMBERS = 6;

  private final List<String> suspicions = new ArrayList<>();
  private final List<GossipRefusal> reported = new ArrayList<>();
  private final List<Long> suppressed = new ArrayList<>();
  private MembershipSim sim;

  @BeforeEach
  void formCluster() {
    sim =
        new MembershipSim(
            MembershipSim.builder(
                SimSeeds.seed(15),
                3,
                i -> MembershipSim.ids("n1", "n2", "n3"),
                false,
                suspicions,
                b -> b.maxMembers(MAX_MEMBERS)));
    sim.cluster.startAll();
    assertThat(sim.roundsUntil(sim::formed, Duration.ofSeconds(60), Duration.ofMillis(100)))
        .isNotNegative();
    sim.service(1)
        .addRefusalListener(
            (refusal, count) -> {
              reported.add(refusal);
              suppressed.add(count);
            });
    sim.cluster.runFor(Duration.ofMillis(1));
  }

  // ---- every reason ----

  @Test
  void undecodableBytesAreRefusedAsMalformed() {
    assertRefused(new GossipMessage.Encoded(new byte[] {2, 3, (byte) 0xff}), MALFORMED, "");
    assertRefused(new GossipMessage.Encoded(new byte[] {9, 1}), MALFORMED, "unsupported format 9");
    assertRefused(
        new GossipMessage.Ack(List.of(), null, new TreeMap<>(), new TreeSet<>(), false),
        MALFORMED,
        "is a response, not a request");
  }

  @Test
  void tooManyEntriesAreRefused() {
    List<NodeState> fakes = new ArrayList<>();
    for (int i = 0; i < MAX_MEMBERS - 2; i++) {
      fakes.add(new NodeState(NodeId.of("fake" + i), 1, 0, NodeStatus.JOINING, "f:1", "", 0));
    }
    assertRefused(ack2(fakes, null), TOO_LARGE, "more than maxMembers=" + MAX_MEMBERS);
    assertThat(sim.view(1).members()).hasSize(3);
  }

  @Test
  void countersThatCouldOverflowAreRefused() {
    NodeState n2 = known(N2);
    assertRefused(ack2(List.of(withGeneration(n2, Long.MAX_VALUE)), null), OUT_OF_RANGE, "2^62");
    assertRefused(ack2(List.of(withVersion(n2, -5)), null), OUT_OF_RANGE, "version");
    assertRefused(ack2(List.of(), ring(Long.MAX_VALUE, "n1,n2,n3")), OUT_OF_RANGE, "ring version");
    TreeMap<NodeId, VersionStamp> digests = new TreeMap<>(Map.of(N2, new VersionStamp(-1, 0)));
    assertRefused(
        new GossipMessage.Syn(digests, 0, null, new TreeMap<>()), OUT_OF_RANGE, "digest of n2");
  }

  @Test
  void illFormedAddressesAndZonesAreRefused() {
    NodeState n2 = known(N2);
    NodeState newline =
        new NodeState(N3, 1, 0, NodeStatus.JOINING, "n3:7000\nforged log line", "", 0);
    assertRefused(ack2(List.of(newline), null), OUT_OF_RANGE, "visible ASCII");
    NodeState zone =
        new NodeState(N2, n2.generation() + 1, 0, n2.status(), n2.address(), "z\u0007", 0);
    assertRefused(ack2(List.of(zone), null), OUT_OF_RANGE, "control character");
  }

  @Test
  void jumpsBeyondTheConfiguredBoundAreRefused() {
    NodeState n2 = known(N2);
    long genJump = MembershipConfig.DEFAULT_MAX_GENERATION_JUMP;
    long versionJump = MembershipConfig.DEFAULT_MAX_VERSION_JUMP;
    assertRefused(
        ack2(List.of(withGeneration(n2, n2.generation() + genJump + 1)), null),
        TOO_FAR_AHEAD,
        "maxGenerationJump");
    assertRefused(
        ack2(List.of(withVersion(n2, n2.version() + versionJump + 1000)), null),
        TOO_FAR_AHEAD,
        "maxVersionJump");
    RingState current = sim.view(1).ring();
    assertRefused(
        ack2(List.of(), ring(current.version() + versionJump + 1, "n1,n2,n3")),
        TOO_FAR_AHEAD,
        "ring version");
    assertRefused(
        ack2(
            List.of(),
            new RingState("n1,n2,n3".getBytes(US_ASCII), current.epoch() + genJump + 1, 1, N1)),
        TOO_FAR_AHEAD,
        "ring epoch");
    // within the bound: accepted
    NodeState ahead = withGeneration(n2, n2.generation() + genJump);
    assertAccepted(ack2(List.of(ahead), null));
    assertThat(sim.view(1).members().get(N2).generation()).isEqualTo(ahead.generation());
  }

  @Test
  void statusesMoveOnlyForwardWithinAGeneration() {
    NodeState n2 = known(N2);
    NodeState left = withStatus(n2, n2.version() + 1000, NodeStatus.LEFT);
    assertAccepted(ack2(List.of(left), null)); // well-formed: only authentication stops a fake
    assertRefused(
        ack2(List.of(withStatus(left, left.version() + 1, NodeStatus.NORMAL)), null),
        ILLEGAL_CHANGE,
        "cannot go from LEFT to NORMAL");
    NodeState moved =
        new NodeState(
            N2,
            left.generation(),
            left.version() + 1,
            NodeStatus.LEFT,
            "elsewhere:7000",
            left.zone(),
            left.ringVersion(),
            left.formats());
    assertRefused(ack2(List.of(moved), null), ILLEGAL_CHANGE, "changed its address");
    NodeState twin =
        new NodeState(
            N2, left.generation(), left.version(), NodeStatus.REMOVED, left.address(), "", 0);
    assertRefused(ack2(List.of(twin), null), ILLEGAL_CHANGE, "two different states");
    assertRefused(ack2(List.of(left, left), null), ILLEGAL_CHANGE, "two states of n2");
    // a new generation may start anew
    assertAccepted(ack2(List.of(withGeneration(withStatus(left, 0, NodeStatus.JOINING), 9)), null));
  }

  @Test
  void theLifeCycleTable() {
    for (NodeStatus from : NodeStatus.values()) {
      assertThat(GossipValidator.legal(from, from)).isTrue();
      assertThat(GossipValidator.legal(from, NodeStatus.REMOVED)).isTrue();
    }
    assertThat(GossipValidator.legal(NodeStatus.NORMAL, NodeStatus.JOINING)).isTrue();
    assertThat(GossipValidator.legal(NodeStatus.JOINING, NodeStatus.LEFT)).isTrue();
    assertThat(GossipValidator.legal(NodeStatus.LEAVING, NodeStatus.NORMAL)).isFalse();
    assertThat(GossipValidator.legal(NodeStatus.LEFT, NodeStatus.LEAVING)).isFalse();
    assertThat(GossipValidator.legal(NodeStatus.REMOVED, NodeStatus.JOINING)).isFalse();
  }

  @Test
  void ringsThatDoNotValidateAreRefused() {
    long next = sim.view(1).ring().version() + 1;
    assertRefused(ack2(List.of(), ring(next, "n1,,n3")), INVALID_RING, "ring e0 v" + next);
    assertRefused(ack2(List.of(), ring(next, "n1,n2,n3,zz")), INVALID_RING, "not a known member");
    // an owner may be learned in the same message
    NodeState zz = new NodeState(NodeId.of("zz"), 1, 0, NodeStatus.JOINING, "zz:7000", "", 0);
    assertAccepted(ack2(List.of(zz), ring(next, "n1,n2,n3,zz")));
    assertThat(sim.view(1).ring().version()).isEqualTo(next);
  }

  @Test
  void removalsAreBounded() {
    long own = sim.view(1).members().get(N1).generation();
    assertRefused(
        syn(new Removal(N1, own + 1, N2)), ILLEGAL_CHANGE, "beyond its own generation " + own);
    long n2 = known(N2).generation();
    assertRefused(
        syn(new Removal(N2, n2 + MembershipConfig.DEFAULT_MAX_GENERATION_JUMP + 1, N3)),
        TOO_FAR_AHEAD,
        "the removal of n2");
    assertThat(sim.view(1).status(N1)).isEqualTo(NodeStatus.NORMAL);
    assertThat(sim.view(1).status(N2)).isEqualTo(NodeStatus.NORMAL);
  }

  /**
   * A removal of a node this node sees alive with a newer generation does not apply: n2 was removed
   * while dead and joined again; a removal of the generation it restarted in (before it rejoined)
   * arrives late, and changes nothing anywhere.
   */
  @Test
  void aRemovalOfAnOlderGenerationOfALiveNodeDoesNotApply() {
    sim.cluster.node(2).crash();
    sim.cluster.runFor(Duration.ofSeconds(15));
    sim.service(1).remove(N2);
    sim.cluster.runFor(Duration.ofSeconds(5));
    sim.cluster.node(2).start();
    assertThat(
            sim.roundsUntil(
                () -> sim.view(2).status(N2) == NodeStatus.REMOVED,
                Duration.ofSeconds(30),
                Duration.ofMillis(100)))
        .isNotNegative();
    long restarted = sim.view(2).members().get(N2).generation();
    sim.service(2).join(N1);
    assertThat(sim.roundsUntil(sim::formed, Duration.ofSeconds(30), Duration.ofMillis(100)))
        .isNotNegative();
    assertThat(known(N2).generation()).isGreaterThan(restarted);
    assertAccepted(syn(new Removal(N2, restarted, N3)));
    sim.cluster.runFor(Duration.ofSeconds(10));
    for (int i = 1; i <= 3; i++) {
      assertThat(sim.view(i).status(N2)).as("n2 as n%d sees it", i).isEqualTo(NodeStatus.NORMAL);
    }
    assertThat(sim.ringOwners(1)).contains(N2);
  }

  // ---- what a refusal does ----

  @Test
  void aRefusedMessageChangesNothingAndReachesNoDisk() {
    RingState before = sim.view(1).ring();
    RingState newer = ring(before.version() + 1, "n1,n2");
    NodeState bad = withGeneration(known(N2), -1);
    assertRefused(ack2(List.of(bad), newer), OUT_OF_RANGE, "");
    sim.cluster.runFor(Duration.ofSeconds(5));
    for (int i = 1; i <= 3; i++) {
      assertThat(sim.view(i).ring()).as("n%d's ring", i).isEqualTo(before);
      MemoryStorageEngine engine = MemoryStorageEngine.open(sim.cluster.node(i).directory());
      ClusterView persisted =
          MembershipCodec.decodeView(
              engine.keyspace(StorageEngine.METADATA).get(Membership.VIEW_KEY));
      assertThat(persisted.ring()).as("n%d's persisted ring", i).isEqualTo(before);
    }
    assertThat(sim.service(1).stats().refused().get(OUT_OF_RANGE)).isEqualTo(1);
    assertThat(sim.service(1).stats().refusedTotal()).isEqualTo(1);
  }

  @Test
  void othersGossipNeverChangesThisNodesStatusOrAddressOnlyRaisesItsGeneration() {
    NodeState self = known(N1);
    NodeState forged =
        new NodeState(
            N1,
            self.generation(),
            self.version() + 1000,
            NodeStatus.LEAVING,
            "evil:1",
            "elsewhere",
            0);
    assertAccepted(ack2(List.of(forged), null));
    MembershipView.Member now = sim.view(1).members().get(N1);
    assertThat(now.status()).isEqualTo(NodeStatus.NORMAL);
    assertThat(now.address()).isEqualTo("n1:7000");
    assertThat(now.zone()).isEqualTo(self.zone());
    assertThat(now.ringVersion()).isEqualTo(sim.view(1).ringVersion());
    assertThat(now.generation()).isEqualTo(self.generation() + 1);
    NodeState far =
        withGeneration(forged, now.generation() + MembershipConfig.DEFAULT_MAX_GENERATION_JUMP + 1);
    assertRefused(ack2(List.of(far), null), TOO_FAR_AHEAD, "this node (n1)");
    assertThat(sim.view(1).members().get(N1).generation()).isEqualTo(self.generation() + 1);
  }

  @Test
  void refusalsAreReportedOncePerSenderAndReasonPerInterval() {
    GossipMessage garbage = new GossipMessage.Encoded(new byte[] {1});
    for (int i = 0; i < 5; i++) {
      sim.service(1).handle(N2, garbage);
    }
    sim.service(1).handle(N3, garbage);
    sim.cluster.runFor(Duration.ofMillis(1));
    assertThat(reported).extracting(GossipRefusal::from).containsExactly(N2, N3);
    assertThat(reported.get(0).reason()).isEqualTo(MALFORMED);
    assertThat(reported.get(0).source()).isEqualTo(GossipRefusal.Source.GOSSIP);
    sim.cluster.runFor(Duration.ofMinutes(1));
    sim.service(1).handle(N2, garbage);
    sim.cluster.runFor(Duration.ofMillis(1));
    assertThat(reported).extracting(GossipRefusal::from).containsExactly(N2, N3, N2);
    assertThat(suppressed).containsExactly(0L, 0L, 4L);
    assertThat(sim.service(1).stats().refused().get(MALFORMED)).isEqualTo(7);
    assertThat(sim.service(1).refusals(MALFORMED)).isEqualTo(7);
  }

  // ---- persisted state ----

  @Test
  void persistedStateIsValidatedAtStartAndWhatIsIgnoredIsReported() {
    SimClusterNode n3 = new SimClusterNode(3);
    n3.crash();
    ClusterView view = n3.persistedView();
    TreeMap<NodeId, NodeState> nodes = new TreeMap<>(view.nodes());
    nodes.put(N2, withGeneration(nodes.get(N2), Long.MAX_VALUE));
    n3.persist(
        new ClusterView(
            nodes, view.removals(), new RingState("n1,n2,zz".getBytes(US_ASCII), 77, N1)));
    sim.cluster.node(3).start();
    List<GossipRefusal> ignored = new ArrayList<>();
    sim.service(3).addRefusalListener((r, n) -> ignored.add(r));
    assertThat(sim.roundsUntil(sim::formed, Duration.ofSeconds(60), Duration.ofMillis(100)))
        .isNotNegative();
    assertThat(ignored).extracting(GossipRefusal::source).containsOnly(GossipRefusal.Source.DISK);
    assertThat(ignored)
        .extracting(GossipRefusal::detail)
        .anySatisfy(d -> assertThat(d).contains("ignored the state of n2"))
        .anySatisfy(d -> assertThat(d).contains("ignored the ring").contains("v77"));
    assertThat(sim.view(3).ring()).isEqualTo(sim.view(1).ring());
    assertThat(n3.persistedView().ring()).isEqualTo(sim.view(1).ring());
  }

  /**
   * The founding seed loses its record of itself: it does not found a new cluster (a fresh ring at
   * version 1), it resumes from its persisted view and learns its generation back from its peers.
   */
  @Test
  void anUnreadableRecordOfItselfDoesNotMakeTheSeedFoundANewCluster() {
    SimClusterNode n1 = new SimClusterNode(1);
    long generation = known(N1).generation();
    RingState ring = sim.view(1).ring();
    n1.crash();
    n1.metadata().put(Membership.SELF_KEY, new byte[] {2, 18, 1});
    sim.cluster.node(1).start();
    sim.cluster.runFor(Duration.ofMillis(1));
    assertThat(sim.view(1).ring()).isEqualTo(ring);
    assertThat(sim.view(1).members().get(N1).generation()).isEqualTo(1);
    assertThat(
            sim.roundsUntil(
                () -> sim.formed() && sim.view(2).members().get(N1).generation() > generation,
                Duration.ofSeconds(60),
                Duration.ofMillis(100)))
        .isNotNegative();
    assertThat(sim.view(1).status(N1)).isEqualTo(NodeStatus.NORMAL);
    assertThat(sim.view(1).ring()).isEqualTo(ring);
    assertThat(sim.service(1).stats().refused().get(MALFORMED)).isEqualTo(1);
  }

  // ---- helpers ----

  /** Node {@code i}'s directory, whether it is up or not. */
  private final class SimClusterNode {
    private final int index;

    SimClusterNode(int index) {
      this.index = index;
    }

    void crash() {
      sim.cluster.node(index).crash();
    }

    io.dynamokv.core.spi.Keyspace metadata() {
      return MemoryStorageEngine.open(sim.cluster.node(index).directory())
          .keyspace(StorageEngine.METADATA);
    }

    ClusterView persistedView() {
      return MembershipCodec.decodeView(metadata().get(Membership.VIEW_KEY));
    }

    void persist(ClusterView view) {
      metadata().put(Membership.VIEW_KEY, MembershipCodec.encode(view));
    }
  }

  private CompletableFuture<PeerMessage> deliver(GossipMessage message) {
    CompletableFuture<PeerMessage> answer =
        sim.service(1).handle(N2, message).toCompletableFuture();
    sim.cluster.runFor(Duration.ofMillis(1));
    assertThat(answer).isDone();
    return answer;
  }

  private void assertRefused(GossipMessage message, GossipRefusal.Reason reason, String detail) {
    long before = sim.service(1).refusals(reason);
    CompletableFuture<PeerMessage> answer = deliver(message);
    assertThat(answer)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            GossipRefusedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage()).contains(detail);
            });
    assertThat(sim.service(1).refusals(reason)).isEqualTo(before + 1);
  }

  private void assertAccepted(GossipMessage message) {
    CompletableFuture<PeerMessage> answer = deliver(message);
    try {
      answer.join();
    } catch (CompletionException e) {
      throw new AssertionError("refused: " + e.getCause(), e);
    }
  }

  /** n1's current knowledge of {@code id} (the published view; heartbeats may lag a round). */
  private NodeState known(NodeId id) {
    MembershipView.Member m = sim.view(1).members().get(id);
    return new NodeState(
        id,
        m.generation(),
        m.version(),
        m.status(),
        m.address(),
        m.zone(),
        m.ringVersion(),
        new TreeMap<>(m.formats()));
  }

  private static GossipMessage.Ack2 ack2(List<NodeState> states, RingState ring) {
    return new GossipMessage.Ack2(states, ring);
  }

  private static GossipMessage.Syn syn(Removal removal) {
    return new GossipMessage.Syn(
        new TreeMap<>(), 0, null, new TreeMap<>(Map.of(removal.node(), removal)));
  }

  private static RingState ring(long version, String owners) {
    return new RingState(owners.getBytes(US_ASCII), version, N1);
  }

  private static NodeState withGeneration(NodeState s, long generation) {
    return new NodeState(
        s.id(), generation, 0, s.status(), s.address(), s.zone(), s.ringVersion(), s.formats());
  }

  private static NodeState withVersion(NodeState s, long version) {
    return new NodeState(
        s.id(),
        s.generation(),
        version,
        s.status(),
        s.address(),
        s.zone(),
        s.ringVersion(),
        s.formats());
  }

  private static NodeState withStatus(NodeState s, long version, NodeStatus status) {
    return new NodeState(
        s.id(),
        s.generation(),
        version,
        status,
        s.address(),
        s.zone(),
        s.ringVersion(),
        s.formats());
  }
}
