/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.coordination.CoordinationMessage.Flush;
import io.dynamokv.core.coordination.CoordinationMessage.Flushed;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ForwardedWriteReply;
import io.dynamokv.core.coordination.CoordinationMessage.HintWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaRead;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaReadReply;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWrite;
import io.dynamokv.core.coordination.CoordinationMessage.ReplicaWriteReply;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The coordination protocol's codec: round trips, and nothing but clean refusals otherwise. */
class CoordinationCodecProperties {
  private static final CoordinationCodec CODEC = CoordinationCodec.PROTOCOL;

  @Provide
  Arbitrary<CoordinationMessage> messages() {
    Arbitrary<String> stores = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    Arbitrary<ForwardedWrite> forwards =
        Combinators.combine(
                Arbitraries.longs(),
                stores,
                bytes,
                bytes,
                Arbitraries.of(true, false),
                bytes,
                Arbitraries.integers(),
                Arbitraries.longs())
            .as(ForwardedWrite::new);
    return Arbitraries.oneOf(
        Combinators.combine(stores, bytes).as(ReplicaRead::new),
        bytes.map(ReplicaReadReply::new),
        Combinators.combine(stores, bytes, bytes).as(ReplicaWrite::new),
        Arbitraries.just(new ReplicaWriteReply()),
        forwards,
        bytes.map(ForwardedWriteReply::new),
        Combinators.combine(
                stores,
                bytes,
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(64),
                bytes)
            .as(
                (store, key, owner, siblings) ->
                    new HintWrite(store, key, NodeId.of(owner), siblings)),
        Arbitraries.just(new Flush()),
        Arbitraries.longs().greaterOrEqual(0).map(Flushed::new));
  }

  @Property
  void everyMessageRoundTrips(@ForAll("messages") CoordinationMessage message) {
    byte[] bytes = CODEC.encode(message);
    assertThat(bytes[0])
        .as("format byte")
        .isEqualTo(
            (byte)
                (message instanceof Flush || message instanceof Flushed
                    ? CoordinationCodec.FORMAT_FLUSH
                    : 1));
    CoordinationMessage decoded = CODEC.decode(bytes);
    // records holding arrays compare them by identity: compare field by field
    assertThat(decoded).hasSameClassAs(message).usingRecursiveComparison().isEqualTo(message);
    assertThat(CODEC.encode(decoded)).isEqualTo(bytes);
  }

  /** Any damage decodes to a message whose encoding is the input, or is refused cleanly. */
  @Property
  void damageIsRefusedCleanlyOrCanonical(
      @ForAll("messages") CoordinationMessage message,
      @ForAll @IntRange(min = 0, max = 1000) int where,
      @ForAll byte value,
      @ForAll boolean truncate) {
    byte[] bytes = CODEC.encode(message);
    int at = where % bytes.length;
    byte[] damaged = truncate ? Arrays.copyOf(bytes, at) : bytes.clone();
    if (!truncate) {
      damaged[at] = value;
    }
    try {
      assertThat(CODEC.encode(CODEC.decode(damaged))).isEqualTo(damaged);
    } catch (InvalidRequestException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Test
  void anUnknownFormatIsRefusedNamingWhatThisNodeReads() {
    byte[] bytes = CODEC.encode(new ReplicaWriteReply());
    bytes[0] = 3;
    assertThatThrownBy(() -> CODEC.decode(bytes))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage(
            "coordination format 3 is not one this node reads (1 to 2): it was written by a newer"
                + " version; upgrade this node");
  }

  @Test
  void eachMessageIsReadInItsOwnFormatOnly() {
    byte[] flush = CODEC.encode(new Flush());
    assertThat(flush).containsExactly(2, 8);
    assertThat(CODEC.decode(flush)).isInstanceOf(Flush.class);
    byte[] flushInOne = {1, 8};
    assertThatThrownBy(() -> CODEC.decode(flushInOne))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("message tag 8 in format 1");
    assertThat(CODEC.decode(CODEC.encode(new Flushed(5)))).isEqualTo(new Flushed(5));
    byte[] negativeEpoch = {2, 9, 1}; // zigzag 1 is -1
    assertThatThrownBy(() -> CODEC.decode(negativeEpoch))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("negative epoch -1");
    byte[] flushedInOne = {1, 9, 2};
    assertThatThrownBy(() -> CODEC.decode(flushedInOne))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("message tag 9 in format 1");
    byte[] replyInTwo = {2, 4};
    assertThatThrownBy(() -> CODEC.decode(replyInTwo))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("message tag 4 in format 2");
  }

  @Test
  void aLengthBeyondTheInputIsRefusedBeforeAllocating() {
    // ReplicaReadReply claiming 2^31 - 1 bytes of siblings in a 7-byte message
    byte[] claim = {1, 2, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7};
    assertThatThrownBy(() -> CODEC.decode(claim))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("siblings needs 2147483647 bytes, only 0 are left");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 99}))
        .hasMessageContaining("unknown message tag 99");
    assertThatThrownBy(() -> CODEC.decode(new byte[] {1, 4, 0}))
        .hasMessageContaining("1 trailing bytes");
  }
}
