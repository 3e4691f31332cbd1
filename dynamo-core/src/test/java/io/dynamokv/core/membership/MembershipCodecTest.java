/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MembershipCodecTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("node-b.1");
  private static final NodeState SA = new NodeState(A, 3, 77, NodeStatus.NORMAL, "h:1", "z", 5);
  private static final NodeState SB =
      new NodeState(B, 1L << 40, -1, NodeStatus.LEAVING, "héllo:2", "", 0);

  /** A node of a later release: it reads a newer sibling format and a protocol to come. */
  private static final NodeState SC =
      new NodeState(
          NodeId.of("c"),
          2,
          5,
          NodeStatus.NORMAL,
          "h:3",
          "",
          1,
          new TreeMap<>(Map.of("siblings", 3, "hints", 1)));

  private static final RingState RING = new RingState(new byte[] {1, 2, 3}, 9, B);
  private static final RingState EPOCH_RING = new RingState(new byte[] {4, 5}, 2, 1, A);
  private static final Removal REMOVAL = new Removal(B, 4, A);

  static List<GossipMessage> samples() {
    return List.of(
        new GossipMessage.Syn(
            new TreeMap<>(Map.of(A, SA.stamp(), B, SB.stamp())),
            9,
            B,
            new TreeMap<>(Map.of(B, REMOVAL))),
        new GossipMessage.Syn(new TreeMap<>(), 0, null, new TreeMap<>()),
        new GossipMessage.Syn(new TreeMap<>(Map.of(A, SA.stamp())), 2, 1, A, new TreeMap<>()),
        new GossipMessage.Ack(
            List.of(SA, SB),
            RING,
            new TreeMap<>(Map.of(B, REMOVAL)),
            new TreeSet<>(List.of(A)),
            true),
        new GossipMessage.Ack(List.of(), null, new TreeMap<>(), new TreeSet<>(), false),
        new GossipMessage.Ack2(List.of(SB), RING),
        new GossipMessage.Ack2(List.of(), null),
        new GossipMessage.Ack2(List.of(SA), EPOCH_RING),
        new GossipMessage.Ack2(List.of(SA, SC), RING),
        new GossipMessage.Ack2Reply());
  }

  @Test
  void messagesRoundTrip() {
    for (GossipMessage m : samples()) {
      byte[] bytes = MembershipCodec.encode(m);
      assertThat(MembershipCodec.encodedSize(m)).isEqualTo(bytes.length);
      assertThat(MembershipCodec.decodeMessage(bytes)).isEqualTo(m);
    }
  }

  @Test
  void stateViewAndSelfRoundTrip() {
    assertThat(MembershipCodec.decodeNodeState(MembershipCodec.encode(SA))).isEqualTo(SA);
    ClusterView v =
        new ClusterView(
            new TreeMap<>(Map.of(A, SA, B, SB)), new TreeMap<>(Map.of(B, REMOVAL)), RING);
    assertThat(MembershipCodec.decodeView(MembershipCodec.encode(v))).isEqualTo(v);
    var self = new MembershipCodec.SelfRecord(SA, 2);
    assertThat(MembershipCodec.decodeSelf(MembershipCodec.encode(self))).isEqualTo(self);
  }

  @Test
  void digestsAreCompact() {
    // 1000 digests of 4-character ids with small versions: about 8 bytes each.
    TreeMap<NodeId, VersionStamp> d = new TreeMap<>();
    for (int i = 0; i < 1000; i++) {
      d.put(NodeId.of("n" + i), new VersionStamp(1, 100 + i));
    }
    int size = MembershipCodec.encodedSize(new GossipMessage.Syn(d, 0, null, new TreeMap<>()));
    assertThat(size).isLessThan(10_000);
  }

  @Test
  void rejectsGarbageWithClearMessages() {
    assertThatThrownBy(() -> MembershipCodec.decodeMessage(new byte[0]))
        .isInstanceOf(MembershipCodec.MalformedException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> MembershipCodec.decodeMessage(new byte[] {4, 1}))
        .hasMessageContaining("unsupported format 4 (this node reads formats 1 to 3)");
    assertThatThrownBy(() -> MembershipCodec.decodeMessage(new byte[] {0, 1}))
        .hasMessageContaining("unsupported format 0");
    assertThatThrownBy(() -> MembershipCodec.decodeMessage(new byte[] {1, 99}))
        .hasMessageContaining("unknown message tag");
    // a count of 2^31-1 digests in a 6-byte input: refused before allocating
    assertThatThrownBy(
            () ->
                MembershipCodec.decodeMessage(
                    new byte[] {1, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7}))
        .hasMessageContaining("count");
    byte[] ok = MembershipCodec.encode(samples().get(0));
    byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 1);
    assertThatThrownBy(() -> MembershipCodec.decodeMessage(trailing))
        .hasMessageContaining("trailing");
    byte[] badId = MembershipCodec.encode(SA);
    badId[3] = '!';
    assertThatThrownBy(() -> MembershipCodec.decodeNodeState(badId))
        .isInstanceOf(MembershipCodec.MalformedException.class);
  }

  /**
   * A message or record is written in the oldest format that can express it: while every state
   * reads the baseline formats, gossip stays in format 2 (what nodes before format negotiation
   * read); a state that reads newer formats makes it format 3, which carries every state's table.
   */
  @Test
  void formatThreeOnlyForStatesThatReadNewerFormats() {
    assertThat(MembershipCodec.encode(new GossipMessage.Ack2(List.of(SA, SB), RING))[0])
        .isEqualTo((byte) 2);
    assertThat(MembershipCodec.encode(SA)[0]).isEqualTo((byte) 2);
    byte[] mixed = MembershipCodec.encode(new GossipMessage.Ack2(List.of(SA, SC), RING));
    assertThat(mixed[0]).isEqualTo((byte) 3);
    assertThat(MembershipCodec.decodeMessage(mixed))
        .isEqualTo(new GossipMessage.Ack2(List.of(SA, SC), RING));
    assertThat(MembershipCodec.decodeNodeState(MembershipCodec.encode(SC)).formats())
        .containsExactlyEntriesOf(new TreeMap<>(Map.of("hints", 1, "siblings", 3)));
  }

  @Test
  void formatTablesThatMakeNoSenseAreRefused() {
    byte[] sc = MembershipCodec.encode(SC);
    // the table's last entry is "siblings" 3: version 0 is no version
    byte[] zero = sc.clone();
    zero[zero.length - 1] = 0;
    assertThatThrownBy(() -> MembershipCodec.decodeNodeState(zero))
        .isInstanceOf(MembershipCodec.MalformedException.class)
        .hasMessageContaining("not a format family and version");
    // "hints" listed twice: the second entry rewritten from "siblings" 3 to "hints" 3
    int at = new String(sc, StandardCharsets.ISO_8859_1).indexOf("siblings");
    byte[] twice = Arrays.copyOf(sc, at + 6);
    twice[at - 1] = 5;
    System.arraycopy("hints".getBytes(StandardCharsets.US_ASCII), 0, twice, at, 5);
    twice[at + 5] = 3;
    assertThatThrownBy(() -> MembershipCodec.decodeNodeState(twice))
        .hasMessageContaining("listed twice");
  }

  /** Format 1 (before ring epochs) is still read, as epoch 0: what nodes persisted before. */
  @Test
  void formatOneDecodesAsEpochZero() {
    byte[] ack2 = {1, 3, 0, 9, 1, 'a', 3, 7, 8, 9};
    assertThat(MembershipCodec.decodeMessage(ack2))
        .isEqualTo(new GossipMessage.Ack2(List.of(), new RingState(new byte[] {7, 8, 9}, 0, 9, A)));
    byte[] syn = {1, 1, 0, 4, 1, 'a', 0};
    assertThat(MembershipCodec.decodeMessage(syn))
        .isEqualTo(new GossipMessage.Syn(new TreeMap<>(), 0, 4, A, new TreeMap<>()));
    // and format 2 writes the epoch after the version
    assertThat(
            MembershipCodec.encode(
                new GossipMessage.Ack2(List.of(), new RingState(new byte[] {7}, 5, 9, A))))
        .containsExactly(2, 3, 0, 9, 5, 1, 'a', 1, 7);
  }

  @Test
  void encodedMessagesEncodeAsTheirBytes() {
    byte[] bytes = MembershipCodec.encode(samples().get(0));
    GossipMessage.Encoded encoded = new GossipMessage.Encoded(bytes.clone());
    assertThat(MembershipCodec.encode(encoded)).isEqualTo(bytes);
    assertThat(MembershipCodec.encodedSize(encoded)).isEqualTo(bytes.length);
    assertThat(encoded).isEqualTo(new GossipMessage.Encoded(bytes.clone()));
  }

  @Property
  void truncationsAndBitFlipsNeverEscapeAsOtherExceptions(
      @ForAll("sampleIndex") int which, @ForAll int position, @ForAll byte flip) {
    byte[] bytes = MembershipCodec.encode(samples().get(which));
    int pos = Math.floorMod(position, bytes.length);
    byte[] truncated = java.util.Arrays.copyOf(bytes, pos);
    assertThatThrownBy(() -> MembershipCodec.decodeMessage(truncated))
        .isInstanceOf(MembershipCodec.MalformedException.class);
    byte[] flipped = bytes.clone();
    flipped[pos] ^= flip;
    try {
      MembershipCodec.decodeMessage(flipped);
    } catch (MembershipCodec.MalformedException expected) {
      // fine: either decodes to something or fails cleanly
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<Integer> sampleIndex() {
    return Arbitraries.integers().between(0, samples().size() - 1);
  }
}
