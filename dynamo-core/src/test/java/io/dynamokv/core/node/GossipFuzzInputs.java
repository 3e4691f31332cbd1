/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static io.dynamokv.core.node.GossipFuzzTest.N1;
import static io.dynamokv.core.node.GossipFuzzTest.N2;
import static io.dynamokv.core.node.GossipFuzzTest.N3;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.NodeState;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.membership.Removal;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.membership.VersionStamp;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.RingPlanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes the named saved inputs of {@link GossipFuzzTest}: the reproductions, valid
 * messages that reach the applying code, and one hostile message per check of the validator, each
 * built against the state of the test's harness (n1 with ring version 2 over n1, n2, n3; n2 and n3
 * at generation 1, version 1, JOINING). Run it after a change of the gossip or ring format:
 *
 * <pre>
 * mvn -pl dynamo-core test-compile
 * java -cp dynamo-core/target/classes:dynamo-core/target/test-classes \
 *   io.dynamokv.core.node.GossipFuzzInputs \
 *   dynamo-core/src/test/resources/io/dynamokv/core/node/GossipFuzzTestInputs/gossip
 * </pre>
 *
 * Inputs named {@code found-*} (what fuzzing found) are not written here; keep them. A {@code
 * valid-} prefix means every message is accepted; any other name, that at least one is refused.
 */
final class GossipFuzzInputs {
  private static final RingPlanner PLANNER = RingPlanner.fixedPartitions(64, 3);
  private static final NodeId N4 = NodeId.of("n4");
  private static final NodeId STRANGER = NodeId.of("x9");

  private GossipFuzzInputs() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (Map.Entry<String, List<byte[]>> e : inputs().entrySet()) {
      Files.write(dir.resolve(e.getKey()), GossipFuzzTest.join(e.getValue()));
    }
  }

  static Map<String, List<byte[]>> inputs() {
    Ring v2 = PLANNER.next(PLANNER.initial(ids(N1), Map.of()), ids(N1, N2, N3), Map.of());
    byte[] v2Bytes = RingCodec.encode(v2);
    Ring v3 = PLANNER.next(v2, ids(N1, N2, N3, N4), Map.of());
    long genJump = MembershipConfig.DEFAULT_MAX_GENERATION_JUMP;
    long versionJump = MembershipConfig.DEFAULT_MAX_VERSION_JUMP;

    Map<String, List<byte[]>> in = new LinkedHashMap<>();
    // valid: they reach the applying code
    in.put(
        "valid-syn",
        of(
            new GossipMessage.Syn(
                new TreeMap<>(
                    Map.of(
                        N1, new VersionStamp(1, 0),
                        N2, new VersionStamp(1, 1),
                        N3, new VersionStamp(1, 1))),
                0,
                2,
                N1,
                new TreeMap<>())));
    in.put("valid-ack2-heartbeat", of(ack2(List.of(state(N2, 1, 5, NodeStatus.JOINING)), null)));
    in.put(
        "valid-ack2-new-member-and-its-ring",
        of(ack2(List.of(state(N4, 1, 1, NodeStatus.JOINING)), ring(v3, N1))));
    in.put("valid-removal-of-a-member", of(syn(new Removal(N3, 1, N2))));
    in.put(
        "valid-a-forged-state-of-the-receiver-only-raises-its-generation",
        of(
            ack2(
                List.of(new NodeState(N1, 1, 1_000_000, NodeStatus.LEAVING, "evil:1", "z", 9)),
                null)));
    in.put("valid-format-1-empty-ack2", List.of(new byte[] {1, 3, 0, 0}));
    in.put(
        "valid-several-messages",
        List.of(
            encode(ack2(List.of(state(N2, 1, 3, NodeStatus.NORMAL)), null)),
            encode(ack2(List.of(state(N2, 1, 4, NodeStatus.LEAVING)), null)),
            encode(ack2(List.of(state(N2, 1, 5, NodeStatus.LEFT)), null))));

    // the reproductions
    in.put(
        "repro-ring-1-2-3-at-version-1000",
        of(ack2(List.of(), new RingState(new byte[] {1, 2, 3}, 1000, N2))));
    in.put(
        "repro-valid-ring-at-version-long-max",
        of(ack2(List.of(), new RingState(v2Bytes, Long.MAX_VALUE, N2))));

    // one per check
    in.put("empty", List.of(new byte[0]));
    // a Syn with no digests, no ring and no removals, in a format no node reads yet
    in.put("format-4", List.of(new byte[] {4, 1, 0, 0, 0}));
    byte[] syn = encode(syn(new Removal(N3, 0, N2)));
    in.put("truncated-syn", List.of(Arrays.copyOf(syn, syn.length - 1)));
    in.put(
        "ack-sent-as-a-request",
        of(new GossipMessage.Ack(List.of(), null, new TreeMap<>(), new TreeSet<>(), false)));
    in.put("ack2-reply-sent-as-a-request", List.of(new byte[] {2, 4}));
    byte[] garbage = new byte[40];
    new SplittableRandom(15).nextBytes(garbage);
    garbage[0] = 2;
    in.put("random-bytes", List.of(garbage));
    // More members than maxMembers (4096) takes ~50 KB, which slows fuzzing down for every input:
    // GossipValidationTest covers that refusal.
    in.put(
        "generation-long-max",
        of(ack2(List.of(state(N2, Long.MAX_VALUE, 0, NodeStatus.JOINING)), null)));
    in.put("negative-version", of(ack2(List.of(state(N2, 1, -1, NodeStatus.JOINING)), null)));
    in.put(
        "heartbeat-beyond-the-jump",
        of(ack2(List.of(state(N2, 1, versionJump + 2, NodeStatus.JOINING)), null)));
    in.put(
        "generation-beyond-the-jump",
        of(ack2(List.of(state(N2, genJump + 2, 0, NodeStatus.JOINING)), null)));
    in.put(
        "receiver-generation-beyond-the-jump",
        of(ack2(List.of(state(N1, genJump + 1, 0, NodeStatus.NORMAL)), null)));
    in.put(
        "ring-version-beyond-the-jump",
        of(ack2(List.of(), new RingState(v2Bytes, 0, 2 + versionJump + 1, N1))));
    in.put(
        "ring-epoch-beyond-the-jump",
        of(ack2(List.of(), new RingState(v2Bytes, genJump + 1, 1, N1))));
    in.put("ring-bytes-of-another-version", of(ack2(List.of(), new RingState(v2Bytes, 0, 3, N1))));
    in.put(
        "address-with-a-newline",
        of(
            ack2(
                List.of(new NodeState(N4, 1, 0, NodeStatus.JOINING, "n4:1\nforged", "", 0)),
                null)));
    in.put(
        "address-changed-within-a-generation",
        of(ack2(List.of(new NodeState(N2, 1, 9, NodeStatus.JOINING, "evil:1", "", 0)), null)));
    in.put(
        "two-states-of-one-member",
        of(
            ack2(
                List.of(state(N2, 1, 7, NodeStatus.JOINING), state(N2, 1, 8, NodeStatus.JOINING)),
                null)));
    in.put(
        "left-then-normal-within-a-generation",
        List.of(
            encode(ack2(List.of(state(N2, 1, 2, NodeStatus.LEFT)), null)),
            encode(ack2(List.of(state(N2, 1, 3, NodeStatus.NORMAL)), null))));
    in.put("removal-of-the-receiver-beyond-its-generation", of(syn(new Removal(N1, 5, N2))));
    in.put("removal-beyond-the-jump", of(syn(new Removal(N2, 1 + genJump + 1, N3))));
    in.put(
        "ring-owned-by-a-stranger",
        of(ack2(List.of(), ring(PLANNER.next(v2, ids(N1, N2, N3, STRANGER), Map.of()), N1))));
    in.put(
        "ring-of-another-partition-count",
        of(
            ack2(
                List.of(),
                ring(
                    Ring.ofPartitions(
                        3,
                        RingPlanner.fixedPartitions(128, 3)
                            .initial(ids(N1, N2, N3), Map.of())
                            .owners(),
                        Map.of()),
                    N1))));
    in.put(
        "ring-with-a-repeated-owner-in-a-window",
        of(ack2(List.of(state(N4, 1, 1, NodeStatus.JOINING)), ring(violating(v3), N1))));
    return in;
  }

  /** {@code ring} with partitions 0 and 1 given the same owner (balance kept by a swap). */
  private static Ring violating(Ring ring) {
    List<NodeId> owners = new ArrayList<>(ring.owners());
    int other = owners.lastIndexOf(owners.get(0));
    NodeId moved = owners.get(1);
    owners.set(1, owners.get(0));
    owners.set(other, moved);
    return Ring.ofPartitions(ring.version(), owners, Map.of());
  }

  private static TreeSet<NodeId> ids(NodeId... ids) {
    return new TreeSet<>(Arrays.asList(ids));
  }

  private static NodeState state(NodeId id, long generation, long version, NodeStatus status) {
    return new NodeState(id, generation, version, status, id + ":7000", "", 0);
  }

  private static RingState ring(Ring ring, NodeId author) {
    return new RingState(RingCodec.encode(ring), ring.epoch(), ring.version(), author);
  }

  private static GossipMessage.Ack2 ack2(List<NodeState> states, RingState ring) {
    return new GossipMessage.Ack2(states, ring);
  }

  private static GossipMessage.Syn syn(Removal removal) {
    return new GossipMessage.Syn(
        new TreeMap<>(), 0, null, new TreeMap<>(Map.of(removal.node(), removal)));
  }

  private static List<byte[]> of(GossipMessage message) {
    return List.of(encode(message));
  }

  private static byte[] encode(GossipMessage message) {
    return MembershipCodec.encode(message);
  }
}
