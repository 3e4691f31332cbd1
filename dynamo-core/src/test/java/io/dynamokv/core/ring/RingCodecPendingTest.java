/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static io.dynamokv.core.ring.RingPlannerTest.node;
import static io.dynamokv.core.ring.RingPlannerTest.nodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.DynamoException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** {@link RingCodec} format 3: rings with a pending layout. */
class RingCodecPendingTest {
  private static final RingPlanner Q8 = RingPlanner.fixedPartitions(8, 3);

  /** Laid out explicitly: the bytes below pin the codec, not the planner's layout. */
  private static final Ring SMALL =
      Ring.ofPartitions(
              1,
              List.of(node(0), node(1), node(0), node(2), node(1), node(0), node(1), node(2)),
              Map.of(node(1), "z1", node(2), "z0"))
          .withEpoch(2);

  /** SMALL as format 2 wrote it before format 3 existed. */
  private static final String SMALL_FORMAT_2 =
      "0203020103086e6f64652d303030086e6f64652d303031086e6f64652d30303202027a30027a310002010300"
          + "01000201000102";

  /** A strategy-1 ring as format 2 wrote it before format 3 existed. */
  private static final String TOKENS_FORMAT_2 =
      "0201000102086e6f64652d303030086e6f64652d30303101016101000218aa1003bf9e7cd6b99e4f193e64ad"
          + "346ecbfcdbf9a3db5f9045c40bd15cb0a00248b759ff6be8fc9d4bec7961ff96f0d5833ab489f814dbe2"
          + "d50feb417bf0d0a9";

  private static final Ring MOVING =
      Q8.move(SMALL, nodes(5), Map.of(node(1), "z1", node(2), "z0", node(4), "z1"));

  @Test
  void ringsWithoutPendingKeepTheirFormatTwoBytes() {
    assertThat(hex(RingCodec.encode(SMALL))).isEqualTo(SMALL_FORMAT_2);
    assertThat(RingCodec.decode(HexFormat.of().parseHex(SMALL_FORMAT_2))).isEqualTo(SMALL);
    Ring tokens = RingPlanner.randomTokens(2, 3).initial(nodes(2), Map.of(node(0), "a"));
    assertThat(hex(RingCodec.encode(tokens))).isEqualTo(TOKENS_FORMAT_2);
    assertThat(RingCodec.encode(MOVING.withoutPending()))
        .isEqualTo(RingCodec.encode(SMALL.atVersion(MOVING.version())));
    assertThat(RingCodec.encode(MOVING.withoutPending())[0]).isEqualTo(RingCodec.FORMAT);
  }

  @Test
  void aMovingRingRoundTripsAsFormatThree() {
    assertThat(MOVING.moving()).isTrue();
    byte[] bytes = RingCodec.encode(MOVING);
    assertThat(bytes[0]).isEqualTo(RingCodec.FORMAT_WITH_PENDING);
    Ring decoded = RingCodec.decode(bytes);
    assertThat(decoded).isEqualTo(MOVING);
    assertThat(decoded.pending()).isEqualTo(MOVING.pending());
    assertThat(decoded.pending().orElseThrow().zones()).containsEntry(node(4), "z1");
    assertThat(decoded.epoch()).isEqualTo(2);
    assertThat(RingCodec.encode(decoded)).isEqualTo(bytes);
    // format 2's fields, the kind (1: incoming), then the pending layout as format 2 writes one
    byte[] current = RingCodec.encode(MOVING.withoutPending());
    byte[] target = RingCodec.encode(MOVING.pending().orElseThrow());
    assertThat(bytes).isEqualTo(formatThree(current, target));

    Ring wide = RingPlanner.fixedPartitions(1024, 3).initial(nodes(300), Map.of());
    Ring wideMoving = RingPlanner.fixedPartitions(1024, 3).move(wide, nodes(301), Map.of());
    assertThat(RingCodec.decode(RingCodec.encode(wideMoving))).isEqualTo(wideMoving);
  }

  @Test
  void everyTruncationAndTrailingByteIsRefused() {
    byte[] bytes = RingCodec.encode(MOVING);
    for (int length = 0; length < bytes.length; length++) {
      byte[] prefix = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> RingCodec.decode(prefix))
          .as("prefix of %d bytes", length)
          .isInstanceOf(RingFormatException.class);
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> RingCodec.decode(longer))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("unexpected bytes");
  }

  @Test
  void aPendingLayoutIdenticalToTheCurrentIsRefused() {
    byte[] plain = RingCodec.encode(SMALL);
    assertThatThrownBy(() -> RingCodec.decode(formatThree(plain, plain)))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("equals the current one");
  }

  @Test
  void aPendingLayoutOfAnotherSizeIsRefused() {
    Ring q16 = RingPlanner.fixedPartitions(16, 3).initial(nodes(4), Map.of());
    assertThatThrownBy(
            () -> RingCodec.decode(formatThree(RingCodec.encode(SMALL), RingCodec.encode(q16))))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("Q=16")
        .hasMessageContaining("Q=8");
    Ring q4 = RingPlanner.fixedPartitions(4, 3).initial(nodes(4), Map.of());
    assertThatThrownBy(
            () -> RingCodec.decode(formatThree(RingCodec.encode(SMALL), RingCodec.encode(q4))))
        .isInstanceOf(RingFormatException.class);
  }

  @Test
  void strategyOneHasNoFormatThree() {
    Ring tokens = RingPlanner.randomTokens(2, 3).initial(nodes(2), Map.of());
    Ring other = RingPlanner.randomTokens(2, 3).initial(nodes(3), Map.of());
    byte[] bytes = formatThree(RingCodec.encode(tokens), RingCodec.encode(other));
    assertThatThrownBy(() -> RingCodec.decode(bytes))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("only for strategy 3");
  }

  @Test
  void aHugePendingNodeCountDoesNotAllocate() {
    byte[] current = RingCodec.encode(SMALL);
    byte[] bytes = Arrays.copyOf(current, current.length + 6);
    bytes[0] = RingCodec.FORMAT_WITH_PENDING;
    byte[] count = {1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
    System.arraycopy(count, 0, bytes, current.length, count.length);
    assertThatThrownBy(() -> RingCodec.decode(bytes))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("pending node count")
        .hasMessageContaining("cannot fit");
  }

  @Property
  void corruptedMovingRingsAreEitherRefusedOrCanonical(
      @ForAll @IntRange(min = 0, max = 200) int position, @ForAll byte value) {
    byte[] bytes = RingCodec.encode(MOVING);
    bytes[position % bytes.length] = value;
    Ring ring;
    try {
      ring = RingCodec.decode(bytes);
    } catch (DynamoException e) {
      assertThat(e).isInstanceOf(RingFormatException.class);
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(RingCodec.encode(ring)).isEqualTo(bytes);
  }

  /**
   * Format 3 bytes from two format-2 encodings at epoch and version below 128: {@code current} with
   * format byte 3, then {@code target}'s layout (its bytes after the 4-byte header).
   */
  /** Format 3 by hand: {@code current}'s format-2 bytes, kind 1 (incoming), the target layout. */
  private static byte[] formatThree(byte[] current, byte[] target) {
    return formatThree(current, 1, target);
  }

  private static byte[] formatThree(byte[] current, int kind, byte[] target) {
    byte[] bytes = Arrays.copyOf(current, current.length + 1 + target.length - 4);
    bytes[0] = RingCodec.FORMAT_WITH_PENDING;
    bytes[current.length] = (byte) kind;
    System.arraycopy(target, 4, bytes, current.length + 1, target.length - 4);
    return bytes;
  }

  @Test
  void aRetiringRingRoundTripsAndAnUnknownKindIsRefused() {
    Ring switched = MOVING.promoted();
    assertThat(switched.retiring()).isTrue();
    byte[] bytes = RingCodec.encode(switched);
    assertThat(RingCodec.decode(bytes)).isEqualTo(switched);
    assertThat(RingCodec.decode(bytes).retiring()).isTrue();
    byte[] current = RingCodec.encode(switched.withoutPending());
    byte[] previous = RingCodec.encode(switched.pending().orElseThrow());
    assertThat(bytes).isEqualTo(formatThree(current, 2, previous));
    assertThatThrownBy(() -> RingCodec.decode(formatThree(current, 3, previous)))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("kind is 3");
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
