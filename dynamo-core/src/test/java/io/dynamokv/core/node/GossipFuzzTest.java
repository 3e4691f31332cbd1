/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.GossipRefusedException;
import io.dynamokv.core.membership.Membership;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeState;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.RingPlanner;
import io.dynamokv.core.spi.PeerMessage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what a node does with gossip (issue 15): {@link Membership} decoding {@link
 * GossipMessage.Encoded} bytes as they come off the network, validating them and applying what it
 * accepts, on a real {@link DynamoNode} with the production ring planner.
 *
 * <p>Each input is a sequence of messages, each a 2-byte big-endian length and that many bytes (the
 * last one takes whatever remains), sent by {@code n2} to {@code n1}, a node that founded a cluster
 * and planned {@code n2} and {@code n3} into its ring. The property, whatever arrives:
 *
 * <ul>
 *   <li>n1's own entry is intact: its configured address and zone, the ring version it applied, a
 *       generation far from overflowing, and NORMAL, unless a well-formed removal of its current
 *       generation arrived (REMOVED: a forged removal is what only authentication can stop, see
 *       docs/security.md; fuzzing found that one first);
 *   <li>its ring is valid for the cluster (it decodes, matches the planner, every owner is a
 *       member), far from overflowing, and the one the node routes by;
 *   <li>the claimant can still plan: planning the next ring from it works, and when n1 is the
 *       claimant a new node that joins is planned into the ring (unless fake members filled the
 *       member table, which only authentication prevents);
 *   <li>nothing invalid reached the disk: restarted, the node ignores nothing of what it persisted.
 * </ul>
 *
 * <p>Without {@code JAZZER_FUZZ} this runs the saved inputs under {@code
 * src/test/resources/io/dynamokv/core/node/GossipFuzzTestInputs/gossip/} (regenerate the named ones
 * with {@link GossipFuzzInputs}); see {@code dynamo-core/FUZZING.md} to fuzz for longer.
 */
class GossipFuzzTest {
  static final NodeId N1 = NodeId.of("n1");
  static final NodeId N2 = NodeId.of("n2");
  static final NodeId N3 = NodeId.of("n3");
  static final NodeId PROBE = NodeId.of("zz-probe");

  private static final String INPUTS = "/io/dynamokv/core/node/GossipFuzzTestInputs/gossip";
  private static final RingPlanner PLANNER = RingPlanner.fixedPartitions(64, 3);

  @FuzzTest(maxDuration = "5m")
  void gossip(byte[] input) {
    check(input);
  }

  static void check(byte[] input) {
    Harness harness = new Harness();
    for (byte[] message : split(input)) {
      harness.deliver(message);
    }
    harness.settle();
    harness.assertValid();
  }

  /** The messages of one input: 2-byte length, bytes; the last takes what remains. */
  static List<byte[]> split(byte[] input) {
    List<byte[]> messages = new ArrayList<>();
    int pos = 0;
    while (pos < input.length && messages.size() < 16) {
      if (input.length - pos < 2) {
        messages.add(Arrays.copyOfRange(input, pos, input.length));
        break;
      }
      int length = (input[pos] & 0xff) << 8 | (input[pos + 1] & 0xff);
      int end = (int) Math.min((long) pos + 2 + length, input.length);
      messages.add(Arrays.copyOfRange(input, pos + 2, end));
      pos = end;
    }
    return messages;
  }

  /** Frames {@code messages} as one input. */
  static byte[] join(List<byte[]> messages) {
    int size = 0;
    for (byte[] m : messages) {
      size += 2 + m.length;
    }
    byte[] out = new byte[size];
    int pos = 0;
    for (byte[] m : messages) {
      out[pos++] = (byte) (m.length >>> 8);
      out[pos++] = (byte) m.length;
      System.arraycopy(m, 0, out, pos, m.length);
      pos += m.length;
    }
    return out;
  }

  /** n1 after it founded a cluster and planned n2 and n3 in: ring version 2, epoch 0. */
  static final class Harness {
    final DynamoSim sim = new DynamoSim(1, 1, List.of(StoreDefinition.of("s")));

    Harness() {
      sim.formCluster();
      CompletableFuture<PeerMessage> joined =
          send(new GossipMessage.Ack2(List.of(joining(N2, 1), joining(N3, 1)), null));
      assertThat(joined).isCompleted();
      assertThat(view().ringVersion()).as("harness ring version").isEqualTo(2);
    }

    static NodeState joining(NodeId id, long generation) {
      return new NodeState(id, generation, 1, NodeStatus.JOINING, id + ":7000", "", 0);
    }

    DynamoNode node() {
      return sim.node(1);
    }

    MembershipView view() {
      return node().membership().view();
    }

    CompletableFuture<PeerMessage> send(GossipMessage message) {
      CompletableFuture<PeerMessage> answer =
          node().membership().handle(N2, message).toCompletableFuture();
      sim.cluster.runFor(Duration.ofMillis(1));
      return answer;
    }

    void deliver(byte[] bytes) {
      CompletableFuture<PeerMessage> answer = send(new GossipMessage.Encoded(bytes));
      assertThat(answer).as("answered").isDone();
      answer
          .handle((ok, error) -> error)
          .thenAccept(
              error -> {
                Throwable e = error == null ? null : DynamoException.unwrap(error);
                if (e != null && !(e instanceof GossipRefusedException)) {
                  throw new AssertionError("gossip failed other than by a refusal", e);
                }
              })
          .join();
    }

    /** Two gossip rounds: reconcile, persist, plan. */
    void settle() {
      sim.cluster.runFor(Duration.ofSeconds(2));
    }

    void assertValid() {
      MembershipView view = view();
      assertSelfIntact(view);
      RingState state = view.ring();
      Ring ring = RingCodec.decode(state.ring());
      assertThat(ring.epoch()).isEqualTo(state.epoch());
      assertThat(ring.version()).isEqualTo(state.version());
      PLANNER.verify(ring);
      assertThat(view.members().keySet()).containsAll(ring.nodes());
      assertThat(state.version()).isLessThan(MembershipConfig.COUNTER_LIMIT / 2);
      assertThat(state.epoch()).isLessThan(MembershipConfig.COUNTER_LIMIT / 2);
      assertThat(node().ring()).contains(ring);

      // The claimant can plan the next ring from this one.
      java.util.TreeSet<NodeId> next = new java.util.TreeSet<>(ring.nodes());
      next.add(PROBE);
      if (next.size() <= PLANNER.capacity()) {
        PLANNER.verify(PLANNER.next(ring, next, java.util.Map.of()));
      }
      if (N1.equals(claimant(view)) && ring.nodeCount() < PLANNER.capacity()) {
        CompletableFuture<PeerMessage> probe =
            send(new GossipMessage.Ack2(List.of(joining(PROBE, 1)), null));
        boolean full =
            probe.isCompletedExceptionally()
                && probe
                    .handle((ok, e) -> DynamoException.unwrap(e))
                    .join()
                    .getMessage()
                    .contains("maxMembers");
        if (!full) {
          assertThat(probe).as("a new node's state").isCompleted();
          sim.cluster.runFor(Duration.ofMillis(10));
          if (view().members().containsKey(PROBE)
              && view().status(PROBE) == NodeStatus.JOINING
              && N1.equals(claimant(view()))) {
            assertThat(RingCodec.decode(view().ringBytes()).allNodes())
                .as("the claimant planned the joining node in (as a pending owner)")
                .contains(PROBE);
          }
        }
      }

      // Nothing invalid was persisted: a restart ignores nothing.
      RingState before = view().ring();
      sim.cluster.node(1).restart();
      sim.cluster.runFor(Duration.ofMillis(1));
      assertThat(node().membership().stats().refusedTotal())
          .as("refusals of persisted state at restart")
          .isZero();
      assertThat(view().ring()).isEqualTo(before);
      assertSelfIntact(view());
    }

    private static void assertSelfIntact(MembershipView view) {
      MembershipView.Member self = view.members().get(N1);
      assertThat(self.status()).as("n1's own status").isIn(NodeStatus.NORMAL, NodeStatus.REMOVED);
      assertThat(self.address()).isEqualTo("n1:7000");
      assertThat(self.zone()).isEmpty();
      assertThat(self.ringVersion()).isEqualTo(view.ringVersion());
      assertThat(self.generation()).isBetween(1L, MembershipConfig.COUNTER_LIMIT / 2);
    }

    /** The lowest-id NORMAL member n1 considers reachable, as Membership picks it. */
    private static NodeId claimant(MembershipView view) {
      for (MembershipView.Member m : view.members().values()) {
        if (m.status() == NodeStatus.NORMAL && m.reachable()) {
          return m.id();
        }
      }
      return null;
    }
  }

  // ---- the saved inputs stay meaningful ----

  /**
   * The saved inputs named {@code valid-*} are accepted whole: the corpus keeps reaching the
   * applying code, not just the refusals. The others are each refused at least once.
   */
  @Test
  void savedInputsAreAcceptedOrRefusedAsTheirNamesSay() throws Exception {
    List<Path> inputs = savedInputs();
    assertThat(inputs).hasSizeGreaterThanOrEqualTo(15);
    for (Path input : inputs) {
      Harness harness = new Harness();
      long refusals = 0;
      for (byte[] message : split(Files.readAllBytes(input))) {
        harness.deliver(message);
      }
      refusals = harness.node().membership().stats().refusedTotal();
      String name = input.getFileName().toString();
      if (name.startsWith("valid-")) {
        assertThat(refusals).as("%s refused", name).isZero();
      } else if (name.startsWith("found-valid-")) {
        assertThat(refusals).as("%s refused", name).isZero();
      } else if (!name.startsWith("found-")) {
        assertThat(refusals).as("%s refused", name).isPositive();
      }
    }
  }

  private static List<Path> savedInputs() throws IOException, URISyntaxException {
    try (InputStream marker = GossipFuzzTest.class.getResourceAsStream(INPUTS)) {
      assertThat(marker).as("saved inputs on the class path").isNotNull();
    }
    Path dir = Path.of(GossipFuzzTest.class.getResource(INPUTS).toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }
}
