/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RingCodecTest {
  private static final Ring ZONED = zoned();

  private static Ring zoned() {
    Map<NodeId, String> zones = new TreeMap<>();
    for (int i = 0; i < 10; i++) {
      if (i != 4) {
        zones.put(RingPlannerTest.node(i), "zone-" + (i % 3) + "-é");
      }
    }
    return RingPlanner.fixedPartitions(1024, 3).initial(RingPlannerTest.nodes(10), zones);
  }

  @Test
  void strategyThreeRoundTripsCompactly() {
    byte[] bytes = RingCodec.encode(ZONED);
    assertThat(RingCodec.decode(bytes)).isEqualTo(ZONED);
    assertThat(bytes.length).isBetween(1024, 1024 + 150);
    assertThat(RingCodec.encode(RingCodec.decode(bytes))).isEqualTo(bytes);
  }

  @Test
  void moreThan256NodesUseTwoBytesPerPartition() {
    Ring ring = RingPlanner.fixedPartitions(1024, 3).initial(RingPlannerTest.nodes(300), Map.of());
    byte[] bytes = RingCodec.encode(ring);
    assertThat(RingCodec.decode(bytes)).isEqualTo(ring);
    assertThat(bytes.length).isLessThan(2 * 1024 + 300 * 10);
  }

  @Test
  void strategyOneRoundTrips() {
    Ring ring =
        RingPlanner.randomTokens(8, 3)
            .initial(RingPlannerTest.nodes(5), Map.of(RingPlannerTest.node(1), "z"));
    byte[] bytes = RingCodec.encode(ring);
    assertThat(RingCodec.decode(bytes)).isEqualTo(ring);
    assertThat(bytes.length).isLessThan(5 * 8 * 16 + 100);
  }

  @Test
  void latestPrefersTheHigherVersionThenTheLargerBytes() {
    RingPlanner planner = RingPlanner.fixedPartitions(1024, 3);
    Ring next = planner.join(ZONED, NodeId.of("x"), null);
    Ring rival = planner.join(ZONED, NodeId.of("y"), null);
    assertThat(Ring.latest(ZONED, next)).isSameAs(next);
    assertThat(Ring.latest(next, ZONED)).isSameAs(next);
    assertThat(Ring.latest(next, rival)).isEqualTo(Ring.latest(rival, next));
  }

  @Test
  void unknownFormatIsRejectedClearly() {
    byte[] bytes = RingCodec.encode(ZONED);
    bytes[0] = 4;
    assertThatThrownBy(() -> RingCodec.decode(bytes))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("unsupported ring format 4 (this node reads formats 1 to 3)");
  }

  @Test
  void theEpochRoundTripsAndFormatOneReadsAsEpochZero() {
    Ring fresh = ZONED.withEpoch(7);
    byte[] bytes = RingCodec.encode(fresh);
    assertThat(bytes[0]).isEqualTo(RingCodec.FORMAT);
    assertThat(RingCodec.decode(bytes)).isEqualTo(fresh);
    assertThat(RingCodec.decode(bytes).epoch()).isEqualTo(7);
    assertThat(fresh).isNotEqualTo(ZONED);
    // format 1 = format 2 without the epoch varint after the strategy byte
    byte[] v1 = RingCodec.encode(ZONED);
    byte[] old = new byte[v1.length - 1];
    old[0] = RingCodec.FORMAT_WITHOUT_EPOCH;
    old[1] = v1[1];
    System.arraycopy(v1, 3, old, 2, v1.length - 3);
    assertThat(v1[2]).isZero(); // epoch 0, one byte
    assertThat(RingCodec.decode(old)).isEqualTo(ZONED);
  }

  @Test
  void aHigherEpochOutranksAnyVersion() {
    RingPlanner planner = RingPlanner.fixedPartitions(1024, 3);
    Ring far = planner.join(ZONED, NodeId.of("x"), null);
    Ring fresh = planner.fresh(1, ZONED.nodes(), ZONED.zones());
    assertThat(fresh.version()).isEqualTo(1);
    assertThat(Ring.latest(far, fresh)).isSameAs(fresh);
    assertThat(Ring.latest(fresh, far)).isSameAs(fresh);
    assertThat(planner.next(fresh, far.nodes(), Map.of()).epoch()).isEqualTo(1);
  }

  @Test
  void hugeCountsDoNotAllocate() {
    byte[] bytes = {1, 3, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};
    assertThatThrownBy(() -> RingCodec.decode(bytes))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("cannot fit");
    assertThatThrownBy(() -> RingCodec.decode(new byte[0]))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] bytes = RingCodec.encode(ZONED);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> RingCodec.decode(longer))
        .isInstanceOf(RingFormatException.class)
        .hasMessageContaining("unexpected bytes");
  }

  @Test
  void everyTruncationIsRejected() {
    byte[] bytes = RingCodec.encode(ZONED);
    for (int length = 0; length < bytes.length; length++) {
      byte[] prefix = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> RingCodec.decode(prefix)).isInstanceOf(RingFormatException.class);
    }
  }

  @Property
  void garbageIsEitherRejectedOrCanonical(@ForAll @Size(max = 200) byte[] bytes) {
    assertDecodesCanonicallyOrFails(bytes);
  }

  @Property
  void corruptedRingsAreEitherRejectedOrCanonical(
      @ForAll @IntRange(min = 0, max = 1200) int position,
      @ForAll byte value,
      @ForAll boolean strategyOne) {
    byte[] bytes =
        RingCodec.encode(
            strategyOne
                ? RingPlanner.randomTokens(4, 3).initial(RingPlannerTest.nodes(4), Map.of())
                : ZONED);
    bytes[position % bytes.length] = value;
    assertDecodesCanonicallyOrFails(bytes);
  }

  private static void assertDecodesCanonicallyOrFails(byte[] bytes) {
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
}
