/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.InvalidContextException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class VersionCodecProperties {

  @Provide
  Arbitrary<VectorClock> clocks() {
    Arbitrary<Actor> actors =
        Combinators.combine(
                Arbitraries.strings().withChars("abcXYZ019._-").ofMinLength(1).ofMaxLength(64),
                Arbitraries.longs().between(0, Long.MAX_VALUE))
            .as(Actor::of);
    return Arbitraries.maps(actors, Arbitraries.longs().between(1, Long.MAX_VALUE))
        .ofMaxSize(12)
        .map(VectorClock::of);
  }

  @Provide
  Arbitrary<List<History.Op>> histories() {
    return History.ops(true, 40);
  }

  @Property
  void contextsRoundTrip(@ForAll("clocks") VectorClock clock) {
    byte[] bytes = VersionCodec.encode(clock);
    assertThat(VersionCodec.decodeContext(bytes)).isEqualTo(clock);
    assertThat(bytes.length == 0).isEqualTo(clock.isEmpty());
  }

  @Property
  void siblingSetsRoundTrip(
      @ForAll @IntRange(min = 1, max = 3) int nodes, @ForAll("histories") List<History.Op> ops) {
    History history = History.run(nodes, 3, ops, () -> {});
    for (Siblings s : history.replicas) {
      assertThat(VersionCodec.decodeSiblings(VersionCodec.encode(s))).isEqualTo(s);
      VectorClock context = s.context();
      assertThat(VersionCodec.decodeContext(VersionCodec.encode(context))).isEqualTo(context);
    }
  }

  /**
   * Any damage is either rejected cleanly or yields a value whose encoding is exactly the input.
   */
  @Property
  void damagedEncodingsAreRejectedOrCanonical(
      @ForAll("histories") List<History.Op> ops,
      @ForAll @IntRange(min = 0, max = 10_000) int where,
      @ForAll @IntRange(min = 0, max = 255) int newByte,
      @ForAll @IntRange(min = 0, max = 2) int damage) {
    History history = History.run(2, 2, ops, () -> {});
    byte[] set = damage(VersionCodec.encode(history.replicas[0]), where, newByte, damage);
    try {
      Siblings decoded = VersionCodec.decodeSiblings(set);
      if (set[0] != 1) { // formats 2 and 3 are canonical
        assertThat(VersionCodec.encode(decoded)).isEqualTo(set);
      } else { // read as format 1, which is never written: it converts to a valid set
        assertThat(VersionCodec.decodeSiblings(VersionCodec.encode(decoded))).isEqualTo(decoded);
      }
    } catch (InvalidContextException expected) {
      assertThat(expected).hasMessageContaining("invalid stored sibling set");
    }
    byte[] context =
        damage(VersionCodec.encode(history.replicas[0].context()), where, newByte, damage);
    try {
      assertThat(VersionCodec.encode(VersionCodec.decodeContext(context))).isEqualTo(context);
    } catch (InvalidContextException expected) {
      assertThat(expected).hasMessageContaining("invalid clock");
    }
  }

  /** The same for contexts with explicit dots beyond their vector (kind 'D'). */
  @Property
  void damagedDottedContextsAreRejectedOrCanonical(
      @ForAll("clocks") VectorClock clock,
      @ForAll @IntRange(min = 0, max = 10_000) int where,
      @ForAll @IntRange(min = 0, max = 255) int newByte,
      @ForAll @IntRange(min = 0, max = 2) int damage) {
    Actor stranger = Actor.of("zz-stranger", 3);
    CausalContext dotted =
        CausalContext.of(clock, java.util.List.of(new Dot(stranger, 5), new Dot(stranger, 9)));
    byte[] bytes = damage(VersionCodec.encode(dotted), where, newByte, damage);
    try {
      assertThat(VersionCodec.encode(VersionCodec.decodeCausalContext(bytes))).isEqualTo(bytes);
    } catch (InvalidContextException expected) {
      assertThat(expected).hasMessageMatching("(?s)invalid (clock|context) .*");
    }
  }

  /** Sets holding values under reissued dots round-trip too. */
  @Property
  void setsWithReissuedDotsRoundTrip(@ForAll("reissuing") History history) {
    for (Siblings s : history.replicas) {
      assertThat(VersionCodec.decodeSiblings(VersionCodec.encode(s))).isEqualTo(s);
    }
  }

  @Provide
  Arbitrary<History> reissuing() {
    return Combinators.combine(Arbitraries.integers().between(0, 3), History.rollbackOps(60, 1))
        .as((bound, ops) -> History.run(new History(3, 3, bound, true), ops, () -> {}));
  }

  private static byte[] damage(byte[] bytes, int where, int newByte, int damage) {
    if (bytes.length == 0) {
      return new byte[] {(byte) newByte};
    }
    int at = where % bytes.length;
    return switch (damage) {
      case 0 -> { // overwrite one byte
        byte[] copy = bytes.clone();
        copy[at] = (byte) newByte;
        yield copy;
      }
      case 1 -> java.util.Arrays.copyOf(bytes, at); // truncate
      default -> { // insert one byte
        byte[] copy = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, copy, 0, at);
        copy[at] = (byte) newByte;
        System.arraycopy(bytes, at, copy, at + 1, bytes.length - at);
        yield copy;
      }
    };
  }

  @Property
  void randomBytesNeverEscapeAsAnythingButInvalidContext(
      @ForAll @net.jqwik.api.constraints.Size(max = 64) byte[] bytes, @ForAll boolean header) {
    if (header && bytes.length >= 2) {
      bytes[0] = (byte) (bytes.length % 3 == 0 ? 1 : VersionCodec.FORMAT_VERSION);
      bytes[1] = (byte) (bytes.length % 2 == 0 ? 'C' : 'S');
    }
    for (Runnable decode :
        List.<Runnable>of(
            () -> VersionCodec.decodeContext(bytes), () -> VersionCodec.decodeSiblings(bytes))) {
      try {
        decode.run();
      } catch (InvalidContextException expected) {
        // the only acceptable failure
      }
    }
  }
}
