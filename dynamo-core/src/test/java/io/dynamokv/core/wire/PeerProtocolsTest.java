/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.FailureCode;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.InternalException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NotAReplicaException;
import io.dynamokv.core.coordination.CoordinationCodec;
import io.dynamokv.core.coordination.CoordinationMessage;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.transfer.TransferCodec;
import io.dynamokv.core.transfer.TransferMessage;
import java.util.concurrent.CompletionException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The registry transports encode and decode with, and the failure reply every node speaks. */
class PeerProtocolsTest {
  private static final PeerProtocols NODE = DynamoNode.PROTOCOLS;

  @Test
  void aNodeSpeaksFailureMembershipCoordinationAntiEntropyAndTransferByTheirIds() {
    assertThat(NODE.byId().keySet()).containsExactly(1, 2, 3, 4, 5);
    assertThat(NODE.toString())
        .isEqualTo("1 failure, 2 membership, 3 coordination, 4 anti-entropy, 5 transfer");
    assertThat(NODE.protocolOf(new CoordinationMessage.ReplicaWriteReply()))
        .isSameAs(CoordinationCodec.PROTOCOL);
    assertThat(NODE.protocolOf(new GossipMessage.Ack2Reply())).isSameAs(MembershipCodec.PROTOCOL);
    assertThat(NODE.protocolOf(new TransferMessage.ReadyQuery(0, 1)))
        .isSameAs(TransferCodec.PROTOCOL);
    assertThat(NODE.protocolOf(new Failure(FailureCode.INTERNAL, "x", 0, 0)))
        .isSameAs(Failure.PROTOCOL);
  }

  @Test
  void framesCarryTheProtocolIdAndTheCodecsBytes() {
    CoordinationMessage m = new CoordinationMessage.ReplicaRead("s", new byte[] {1, 2});
    PeerProtocols.Frame frame = NODE.encode(m);
    assertThat(frame.protocol()).isEqualTo(CoordinationCodec.ID);
    assertThat(frame.bytes()).isEqualTo(CoordinationCodec.PROTOCOL.encode(m));
    assertThat(NODE.decode(frame)).usingRecursiveComparison().isEqualTo(m);
  }

  @Test
  void gossipArrivesUndecodedForMembershipToValidate() {
    GossipMessage m = new GossipMessage.Ack2Reply();
    PeerProtocols.Frame frame = NODE.encode(m);
    assertThat(frame.protocol()).isEqualTo(MembershipCodec.PROTOCOL_ID);
    assertThat(NODE.decode(frame)).isEqualTo(new GossipMessage.Encoded(frame.bytes()));
    assertThat(NODE.decode(2, new byte[] {99}))
        .as("even garbage: membership refuses and counts it")
        .isEqualTo(new GossipMessage.Encoded(new byte[] {99}));
  }

  @Test
  void unknownProtocolsAndTypesAreRefused() {
    assertThatThrownBy(() -> NODE.decode(9, new byte[] {1}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage(
            "unsupported peer protocol 9 (this node speaks 1 failure, 2 membership, 3"
                + " coordination, 4 anti-entropy, 5 transfer): is the peer running a newer"
                + " version?");
    assertThatThrownBy(() -> NODE.encode(new PeerMessage() {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("belongs to no protocol this node speaks");
  }

  @Test
  void protocolsMustNotClaimOneIdOrOneType() {
    assertThatThrownBy(
            () -> PeerProtocols.of(CoordinationCodec.PROTOCOL, CoordinationCodec.PROTOCOL))
        .hasMessageContaining("both claim protocol id 3");
  }

  @Provide
  Arbitrary<Failure> failures() {
    return Combinators.combine(
            Arbitraries.of(FailureCode.class),
            Arbitraries.strings().ofMaxLength(100),
            Arbitraries.integers(),
            Arbitraries.integers())
        .as(Failure::new);
  }

  @Property
  void failuresRoundTrip(@ForAll("failures") Failure failure) {
    byte[] bytes = Failure.PROTOCOL.encode(failure);
    assertThat(bytes[0]).isEqualTo((byte) 1);
    assertThat(Failure.PROTOCOL.decode(bytes)).isEqualTo(failure);
  }

  @Property
  void failuresKeepTheirKindAcrossHops(@ForAll("failures") Failure failure) {
    Failure relayed = Failure.of(failure.toException());
    assertThat(relayed.code()).isEqualTo(failure.code());
    assertThat(relayed.message()).isEqualTo(failure.message());
  }

  @Test
  void aCodeFromANewerNodeReadsAsInternal() {
    byte[] bytes = Failure.PROTOCOL.encode(new Failure(FailureCode.INTERNAL, "m", 0, 0));
    bytes[1] = 42;
    assertThat(Failure.PROTOCOL.decode(bytes).code()).isEqualTo(FailureCode.INTERNAL);
  }

  @Test
  void aCodeOfZeroAndAnOverlongVarintAreMalformed() {
    byte[] bytes = Failure.PROTOCOL.encode(new Failure(FailureCode.INTERNAL, "m", 0, 0));
    bytes[1] = 0;
    assertThatThrownBy(() -> Failure.PROTOCOL.decode(bytes))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("code 0 is never written");

    assertThat(new WireReader("t", new byte[] {(byte) 0x81, 0x01}).varint("v")).isEqualTo(129);
    assertThat(new WireReader("t", new byte[] {0x00}).varint("v")).isZero();
    assertThatThrownBy(() -> new WireReader("t", new byte[] {(byte) 0x80, 0x00}).varint("v"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("overlong");
    assertThatThrownBy(
            () -> new WireReader("t", new byte[] {(byte) 0x81, (byte) 0x80, 0x00}).varint("v"))
        .hasMessageContaining("overlong");
  }

  @Test
  void failuresOfExceptions() {
    assertThat(Failure.of(new CompletionException(new NotAReplicaException("no"))))
        .isEqualTo(new Failure(FailureCode.NOT_A_REPLICA, "no", 0, 0));
    assertThat(Failure.of(new InsufficientReplicasException("put", 1, 2, "n2 down")))
        .isEqualTo(
            new Failure(
                FailureCode.INSUFFICIENT_REPLICAS,
                "put reached 1 of the 2 replicas it needs (n2 down)",
                1,
                2));
    assertThat(Failure.of(new IllegalArgumentException("bad")).code())
        .isEqualTo(FailureCode.INVALID_REQUEST);
    assertThat(Failure.of(new IllegalStateException("bug")).code()).isEqualTo(FailureCode.INTERNAL);
    assertThat(new Failure(FailureCode.INTERNAL, "bug", 0, 0).toException())
        .isExactlyInstanceOf(InternalException.class)
        .matches(e -> e.outcomeUnknown());
  }
}
