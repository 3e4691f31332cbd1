/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.NodeId;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionCodecTest {
  private static final Actor A0 = Actor.of("node-a", 0);
  private static final Actor A7 = Actor.of("node-a", 7);
  private static final Actor B3 = Actor.of("node-b", 3);

  /** Hand-built encodings, to pin down the format independently of the encoder. */
  private static byte[] bytes(long... unsignedVarints) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (long v : unsignedVarints) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }
    return out.toByteArray();
  }

  private static Siblings sample() {
    TestEpochs epochs = new TestEpochs();
    Siblings s = Siblings.empty();
    s = s.update(VectorClock.empty(), Versioned.of(new byte[] {1, 2, 3}, 10), A0);
    s = s.update(VectorClock.empty(), Versioned.tombstone(11), A0);
    return s.update(
        VectorClock.empty(),
        Versioned.of(new byte[0], 12),
        s.actorFor(NodeId.of("node-b"), VectorClock.empty(), epochs));
  }

  @Test
  void theEmptyContextIsZeroBytes() {
    assertThat(VersionCodec.encode(VectorClock.empty())).isEmpty();
    assertThat(VersionCodec.decodeContext(new byte[0])).isEqualTo(VectorClock.empty());
  }

  @Test
  void clockLayoutIsVersionKindDictionaryEntries() {
    VectorClock clock = VectorClock.of(Map.of(A0, 2L, A7, 300L, B3, 1L));
    byte[] expected =
        concat(
            new byte[] {2, 'C', 2, 6},
            "node-a".getBytes(),
            new byte[] {6},
            "node-b".getBytes(),
            bytes(3, 0, 0, 2, 0, 7, 300, 1, 3, 1));
    assertThat(VersionCodec.encode(clock)).isEqualTo(expected);
    assertThat(VersionCodec.decodeContext(expected)).isEqualTo(clock);
  }

  @Test
  void setLayoutIsDictionaryPrunedEpochsEntriesAndDottedSiblings() {
    // One pruned epoch (node-b at 3), entries a@0 (counter 2, time 9) and a@7 (counter 1, time 8),
    // siblings a@0:2 = value [5] at 9, and a@7:1 = a tombstone at 8.
    byte[] expected =
        concat(
            new byte[] {2, 'S', 2, 6},
            "node-a".getBytes(),
            new byte[] {6},
            "node-b".getBytes(),
            bytes(1, 1, 3), // pruned epochs
            bytes(2, 0, 0, 2, 9, 0, 7, 1, 8), // entries
            bytes(2, 0, 2, 0, 9, 1, 5, 1, 1, 1, 8, 0)); // siblings
    Siblings decoded = VersionCodec.decodeSiblings(expected);
    assertThat(decoded.siblings())
        .containsExactly(
            new Sibling(new Dot(A0, 2), Versioned.of(new byte[] {5}, 9)),
            new Sibling(new Dot(A7, 1), Versioned.tombstone(8)));
    assertThat(decoded.prunedEpoch(NodeId.of("node-b"))).isEqualTo(3);
    assertThat(decoded.context()).isEqualTo(VectorClock.of(Map.of(A0, 2L, A7, 1L)));
    assertThat(VersionCodec.encode(decoded)).isEqualTo(expected);
  }

  @Test
  void setsOfFormat1AreStillReadWithTheirImplicitDots() {
    // Format 1: a pruned epoch floor of 4 (stored + 1), actor a@7 with counter 3 and two values,
    // newest first: dots a@7:3 and a@7:2.
    byte[] format1 =
        concat(
            new byte[] {1, 'S', 1, 6},
            "node-a".getBytes(),
            bytes(5, 1, 0, 7, 3, 100, 2),
            bytes(0, 100, 1, 'x'),
            bytes(1, 90, 0));
    Siblings s = VersionCodec.decodeSiblings(format1);
    assertThat(s.siblings())
        .containsExactly(
            new Sibling(new Dot(A7, 2), Versioned.tombstone(90)),
            new Sibling(new Dot(A7, 3), Versioned.of(new byte[] {'x'}, 100)));
    assertThat(s.prunedEpoch(NodeId.of("node-a"))).isEqualTo(4);
    assertThat(VersionCodec.decodeSiblings(VersionCodec.encode(s))).isEqualTo(s);
    assertThat(VersionCodec.encode(s)[0]).isEqualTo((byte) VersionCodec.FORMAT_VERSION);
  }

  @Test
  void twoValuesUnderOneDotRoundTrip() {
    Siblings s =
        Siblings.of(
            VectorClock.of(Map.of(A0, 1L)),
            new long[] {5},
            java.util.List.of(
                new Sibling(new Dot(A0, 1), Versioned.of(new byte[] {1}, 5)),
                new Sibling(new Dot(A0, 1), Versioned.of(new byte[] {2}, 5))),
            new java.util.TreeMap<>());
    assertThat(s.reissuedDots()).isEqualTo(1);
    assertThat(VersionCodec.decodeSiblings(VersionCodec.encode(s))).isEqualTo(s);
  }

  @Test
  void aSetThatSawDotsBeyondItsVectorIsWrittenInFormat3AndOtherSetsStayInFormat2() {
    Siblings plain =
        Siblings.empty().update(VectorClock.empty(), Versioned.of(new byte[] {1}, 5), A0);
    assertThat(VersionCodec.encode(plain)[0]).isEqualTo((byte) 2);
    // A client that saw a7:3 (but not a7:1 or a7:2) writes through a replica that never had a7.
    CausalContext sawA7 = CausalContext.of(VectorClock.empty(), java.util.List.of(new Dot(A7, 3)));
    Siblings beyond = plain.update(sawA7, Versioned.of(new byte[] {2}, 6), A0);
    assertThat(beyond.hasSeen(new Dot(A7, 3))).isTrue();
    assertThat(beyond.hasSeen(new Dot(A7, 2))).isFalse();
    byte[] encoded = VersionCodec.encode(beyond);
    assertThat(encoded[0]).isEqualTo((byte) 3);
    assertThat(VersionCodec.decodeSiblings(encoded)).isEqualTo(beyond);
    assertThat(VersionCodec.encode(VersionCodec.decodeSiblings(encoded))).isEqualTo(encoded);
    // Once the vector reaches the dot, it folds in and the set is format 2 again.
    Siblings caughtUp =
        Siblings.sync(
            beyond,
            Siblings.empty().update(VectorClock.empty(), Versioned.of(new byte[] {3}, 7), A7));
    assertThat(caughtUp.hasSeen(new Dot(A7, 2))).isFalse();
    Siblings full =
        Siblings.sync(
            caughtUp,
            Siblings.empty()
                .update(VectorClock.of(Map.of(A7, 1L)), Versioned.of(new byte[] {4}, 8), A7));
    assertThat(full.context().counter(A7)).isEqualTo(3);
    assertThat(VersionCodec.encode(full)[0]).isEqualTo((byte) 2);
  }

  @Test
  void repeatedNodesCostLittle() {
    VectorClock one = VectorClock.of(Map.of(A0, 1L));
    VectorClock two = VectorClock.of(Map.of(A0, 1L, A7, 1L));
    assertThat(VersionCodec.encode(two).length - VersionCodec.encode(one).length).isEqualTo(3);
  }

  @Test
  void siblingSetsRoundTripWithTombstonesAndEmptyValues() {
    Siblings s = sample();
    assertThat(VersionCodec.decodeSiblings(VersionCodec.encode(s))).isEqualTo(s);
    assertThat(VersionCodec.decodeSiblings(VersionCodec.encode(s.pruned(1))))
        .isEqualTo(s.pruned(1));
  }

  @Test
  void everyTruncationIsRejected() {
    byte[] set = VersionCodec.encode(sample());
    for (int n = 0; n < set.length; n++) {
      byte[] prefix = Arrays.copyOf(set, n);
      assertThatThrownBy(() -> VersionCodec.decodeSiblings(prefix))
          .isInstanceOf(InvalidContextException.class);
    }
    byte[] context = VersionCodec.encode(sample().context());
    for (int n = 1; n < context.length; n++) {
      byte[] prefix = Arrays.copyOf(context, n);
      assertThatThrownBy(() -> VersionCodec.decodeContext(prefix))
          .isInstanceOf(InvalidContextException.class);
    }
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] context = VersionCodec.encode(VectorClock.of(Map.of(A0, 1L)));
    byte[] longer = Arrays.copyOf(context, context.length + 1);
    assertThatThrownBy(() -> VersionCodec.decodeContext(longer))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("1 trailing bytes");
  }

  @Test
  void hugeClaimedCountsFailFast() {
    long[] huge = {Integer.MAX_VALUE, Long.MAX_VALUE, 1L << 40};
    for (long n : huge) {
      assertRejected(concat(new byte[] {2, 'C'}, bytes(n)), "claims");
      assertRejected(concat(new byte[] {2, 'C', 0}, bytes(n)), "claims");
      assertRejected(concat(new byte[] {2, 'S', 0}, bytes(n)), "claims");
      assertRejected(concat(new byte[] {2, 'S', 0, 0}, bytes(n)), "claims");
      assertRejected(concat(new byte[] {2, 'S', 1, 1, 'a', 0, 1, 0, 0, 5, 0}, bytes(n)), "claims");
      assertRejected(
          concat(new byte[] {2, 'S', 1, 1, 'a', 0, 1, 0, 0, 5, 0, 1, 0, 1, 0, 0}, bytes(n)),
          "value length");
      assertRejected(
          concat(new byte[] {1, 'S', 1, 1, 'a', 0, 1, 0, 0, 5, 0}, bytes(n)), "value count");
    }
  }

  @Test
  void malformedInputIsRejectedWithClearMessages() {
    assertRejected(new byte[] {3, 'C', 0, 0}, "unknown format version 3");
    assertRejected(new byte[] {1, 'C', 0, 0}, "unknown format version 1");
    assertThatThrownBy(() -> VersionCodec.decodeContext(new byte[] {2, 'S', 0, 0}))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("a clock and a sibling set are not interchangeable");
    assertRejected(concat(new byte[] {2, 'C', 1, 1, 'a'}, bytes(1, 0, 0, 0)), "counter");
    assertRejected(
        concat(new byte[] {2, 'C', 2, 1, 'b', 1, 'a'}, bytes(2, 0, 0, 1, 1, 0, 1)),
        "not strictly ascending");
    assertRejected(
        concat(new byte[] {2, 'C', 1, 1, 'a'}, bytes(2, 0, 3, 1, 0, 3, 1)),
        "actors are not strictly ascending");
    assertRejected(new byte[] {2, 'C', 1, 1, '!', 1, 0, 0, 1}, "node id");
    assertRejected(new byte[] {2, 'C', 2, 1, 'a', 1, 'b', 1, 0, 0, 1}, "not used");
    assertRejected(new byte[] {2, 'C', 1, 1, 'a', 1, 1, 0, 1}, "node index");
    assertRejected(
        new byte[] {2, 'C', 1, 1, 'a', 1, 0, (byte) 0x80, 0, 1}, "not minimally encoded");
    assertRejected(concat(new byte[] {2, 'C', 1, 1, 'a', 1, 0, 0}, bytes(-1L)), "overflows");
    // Sets: a sibling above its entry's counter, an entry index out of range, unknown flags,
    // duplicate siblings, pruned epochs out of order.
    byte[] dictA = {2, 'S', 1, 1, 'a'};
    assertRejected(concat(dictA, bytes(0, 1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0)), "not covered");
    assertRejected(concat(dictA, bytes(0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0)), "entry index");
    assertRejected(concat(dictA, bytes(0, 1, 0, 0, 1, 0, 1, 0, 1, 7, 0, 0)), "value flags");
    assertRejected(
        concat(dictA, bytes(0, 1, 0, 0, 1, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0)),
        "strictly ascending");
    assertRejected(
        concat(new byte[] {2, 'S', 2, 1, 'a', 1, 'b'}, bytes(2, 1, 0, 0, 0, 0, 0)),
        "ascending node order");
    assertRejected(
        new byte[] {1, 'S', 1, 1, 'a', 0, 1, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0},
        "2 values but counter 1");
  }

  private static void assertRejected(byte[] bytes, String message) {
    boolean context = bytes[1] == 'C';
    assertThatThrownBy(
            () -> {
              if (context) {
                VersionCodec.decodeContext(bytes);
              } else {
                VersionCodec.decodeSiblings(bytes);
              }
            })
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining(message);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
