/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.FailureCode;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.wire.Failure;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Round trips of the gossip codec (peer protocol 2) and of the failure reply (protocol 1): every
 * message decodes to what was encoded, in the oldest format that expresses it; garbage is refused
 * with the codec's own exception only.
 */
class MembershipCodecProperties {
  private static final List<NodeId> IDS =
      List.of(NodeId.of("a"), NodeId.of("b"), NodeId.of("n3"), NodeId.of("zone-node"));

  @Provide
  Arbitrary<NodeState> states() {
    Arbitrary<SortedMap<String, Integer>> formats =
        Arbitraries.maps(
                Arbitraries.of("siblings", "ring", "hints", "anti-entropy"),
                Arbitraries.integers().between(1, 255))
            .ofMaxSize(4)
            .map(TreeMap::new);
    Arbitrary<String> text =
        Arbitraries.strings().alpha().numeric().withChars(":.-").ofMaxLength(30);
    return Combinators.combine(
            Arbitraries.of(IDS),
            Arbitraries.longs(),
            Arbitraries.longs(),
            Arbitraries.of(NodeStatus.values()),
            text,
            text,
            Arbitraries.longs(),
            formats)
        .as(NodeState::new);
  }

  @Provide
  Arbitrary<RingState> rings() {
    return Combinators.combine(
            Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40),
            Arbitraries.longs().between(0, 1L << 40),
            Arbitraries.longs().between(1, 1L << 40),
            Arbitraries.of(IDS))
        .as(RingState::new);
  }

  @Provide
  Arbitrary<GossipMessage> messages() {
    Arbitrary<List<NodeState>> states = states().list().ofMaxSize(4);
    Arbitrary<RingState> ring = Arbitraries.oneOf(rings(), Arbitraries.just(null));
    Arbitrary<SortedMap<NodeId, Removal>> removals =
        Combinators.combine(Arbitraries.of(IDS), Arbitraries.longs(), Arbitraries.of(IDS))
            .as(Removal::new)
            .list()
            .ofMaxSize(3)
            .map(
                list -> {
                  SortedMap<NodeId, Removal> m = new TreeMap<>();
                  list.forEach(r -> m.put(r.node(), r));
                  return m;
                });
    Arbitrary<SortedMap<NodeId, VersionStamp>> digests =
        Arbitraries.maps(
                Arbitraries.of(IDS),
                Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(VersionStamp::new))
            .ofMaxSize(4)
            .map(TreeMap::new);
    Arbitrary<GossipMessage> syn =
        Combinators.combine(digests, rings(), Arbitraries.of(true, false), removals)
            .as(
                (d, r, withRing, rm) ->
                    withRing
                        ? new GossipMessage.Syn(d, r.epoch(), r.version(), r.author(), rm)
                        : new GossipMessage.Syn(d, 0, 0, null, rm));
    Arbitrary<GossipMessage> ack =
        Combinators.combine(
                states,
                ring,
                removals,
                Arbitraries.of(IDS).set().ofMaxSize(3),
                Arbitraries.of(true, false))
            .as((s, r, rm, req, want) -> new GossipMessage.Ack(s, r, rm, new TreeSet<>(req), want));
    Arbitrary<GossipMessage> ack2 = Combinators.combine(states, ring).as(GossipMessage.Ack2::new);
    return Arbitraries.oneOf(syn, ack, ack2, Arbitraries.just(new GossipMessage.Ack2Reply()));
  }

  @Property
  void everyGossipMessageRoundTrips(@ForAll("messages") GossipMessage message) {
    byte[] bytes = MembershipCodec.encode(message);
    assertThat(MembershipCodec.decodeMessage(bytes)).isEqualTo(message);
    assertThat((int) bytes[0])
        .as("the oldest format that expresses it")
        .isEqualTo(
            carriesFormats(message)
                ? MembershipCodec.FORMAT
                : MembershipCodec.FORMAT_WITHOUT_FORMATS);
  }

  @Property
  void everyNodeStateRoundTrips(@ForAll("states") NodeState state) {
    assertThat(MembershipCodec.decodeNodeState(MembershipCodec.encode(state))).isEqualTo(state);
  }

  @Property
  void garbageIsRefusedCleanly(@ForAll @Size(max = 64) byte[] bytes) {
    try {
      MembershipCodec.decodeMessage(bytes);
    } catch (MembershipCodec.MalformedException expected) {
      // refused, as it must be
    }
  }

  @Property
  void everyFailureRoundTrips(
      @ForAll FailureCode code,
      @ForAll String message,
      @ForAll int answered,
      @ForAll int required) {
    Failure failure = new Failure(code, message, answered, required);
    byte[] bytes = Failure.PROTOCOL.encode(failure);
    assertThat(bytes[0]).as("format byte").isEqualTo((byte) 1);
    assertThat(Failure.PROTOCOL.decode(bytes)).isEqualTo(failure);
  }

  private static boolean carriesFormats(GossipMessage message) {
    List<NodeState> states =
        message instanceof GossipMessage.Ack a
            ? a.states()
            : message instanceof GossipMessage.Ack2 a2 ? a2.states() : List.of();
    return states.stream().anyMatch(s -> !s.formats().isEmpty());
  }
}
