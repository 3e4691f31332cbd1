/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidContextException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CausalContextTest {
  private static final Actor A = Actor.of("a", 1);
  private static final Actor B = Actor.of("b", 1);

  private static Dot dot(Actor actor, long counter) {
    return new Dot(actor, counter);
  }

  @Test
  void dotsThatFollowTheVectorFoldIntoItAndCoveredOnesVanish() {
    VectorClock clock = VectorClock.of(Map.of(A, 3L));
    CausalContext c = CausalContext.of(clock, List.of(dot(A, 5), dot(A, 4), dot(A, 2), dot(B, 1)));
    assertThat(c.clock()).isEqualTo(VectorClock.of(Map.of(A, 5L, B, 1L)));
    assertThat(c.dots()).isEmpty();
    assertThat(c).isEqualTo(CausalContext.of(c.clock()));
  }

  @Test
  void aDotAfterAGapStaysExplicitAndCoversOnlyItself() {
    CausalContext c = CausalContext.of(VectorClock.of(Map.of(A, 3L)), List.of(dot(A, 5)));
    assertThat(c.dots()).containsExactly(dot(A, 5));
    assertThat(c.covers(dot(A, 3))).isTrue();
    assertThat(c.covers(dot(A, 4))).as("the gap: another client's write").isFalse();
    assertThat(c.covers(dot(A, 5))).isTrue();
    assertThat(c.covers(dot(A, 6))).isFalse();
    assertThat(c.ceiling()).isEqualTo(VectorClock.of(Map.of(A, 5L)));
    assertThat(c.with(dot(A, 4)))
        .as("the gap filled")
        .isEqualTo(CausalContext.of(VectorClock.of(Map.of(A, 5L))));
  }

  @Test
  void aChainTooLongForAContextKeepsTheVectorAndItsNewestDot() {
    CausalContext c = CausalContext.of(VectorClock.of(Map.of(A, 1L)));
    List<Dot> chain = new ArrayList<>();
    for (int i = 0; i < CausalContext.MAX_DOTS; i++) {
      Dot d = dot(A, 3 + i); // a:2 is another client's, so none folds
      chain.add(d);
      c = c.with(d);
    }
    assertThat(c.dots()).containsExactlyElementsOf(chain);
    Dot next = dot(A, 3 + CausalContext.MAX_DOTS);
    CausalContext overflowed = c.with(next);
    assertThat(overflowed.dots()).containsExactly(next);
    assertThat(overflowed.clock()).isEqualTo(c.clock());
    chain.add(next);
    assertThatThrownBy(() -> CausalContext.of(VectorClock.empty(), chain))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aContextWithoutDotsEncodesAsItsClockSoContextsOfEarlierBuildsStayValid() {
    VectorClock clock = VectorClock.of(Map.of(A, 3L, B, 2L));
    assertThat(VersionCodec.encode(CausalContext.of(clock))).isEqualTo(VersionCodec.encode(clock));
    assertThat(VersionCodec.decodeCausalContext(VersionCodec.encode(clock)))
        .isEqualTo(CausalContext.of(clock));
  }

  @Test
  void aDottedContextRoundTripsAndNonCanonicalDotsAreRefused() {
    CausalContext c =
        CausalContext.of(VectorClock.of(Map.of(A, 3L)), List.of(dot(A, 5), dot(B, 7)));
    byte[] bytes = VersionCodec.encode(c);
    assertThat(bytes[1]).isEqualTo((byte) 'D');
    assertThat(VersionCodec.decodeCausalContext(bytes)).isEqualTo(c);
    // By hand: format 2, kind 'D', node "a" (and "b"), entry a@1:3, then the dots.
    byte[] headA = {2, 'D', 1, 1, 'a', 1, 0, 1, 3};
    byte[] head = {2, 'D', 2, 1, 'a', 1, 'b', 1, 0, 1, 3};
    assertRejected(headA, new byte[] {1, 0, 1, 4}, "canonical"); // a@1:4 follows the entry
    assertRejected(headA, new byte[] {1, 0, 1, 2}, "canonical"); // a@1:2 is covered by it
    assertRejected(head, new byte[] {2, 1, 1, 9, 0, 1, 6}, "canonical"); // b before a: unsorted
    assertRejected(head, new byte[] {2, 1, 1, 9, 1, 1, 9}, "canonical"); // b@1:9 twice
    assertRejected(headA, new byte[] {0}, "dot count 0");
    assertRejected(headA, new byte[] {17}, "dot count"); // more than there are bytes for
    byte[] seventeen = new byte[1 + 17 * 3];
    seventeen[0] = 17;
    for (int i = 0; i < 17; i++) {
      seventeen[1 + 3 * i] = 1;
      seventeen[2 + 3 * i] = 1;
      seventeen[3 + 3 * i] = (byte) (10 + i);
    }
    assertRejected(head, seventeen, "not within 1..16");
    byte[] unusedB = {2, 'D', 2, 1, 'a', 1, 'b', 1, 0, 1, 3, 1, 0, 1, 5};
    assertThatThrownBy(() -> VersionCodec.decodeCausalContext(unusedB))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("not used");
    byte[] format3 = VersionCodec.encode(c).clone();
    format3[0] = 3;
    assertThatThrownBy(() -> VersionCodec.decodeCausalContext(format3))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("unknown format version 3");
  }

  private static void assertRejected(byte[] head, byte[] dots, String message) {
    byte[] bytes = java.util.Arrays.copyOf(head, head.length + dots.length);
    System.arraycopy(dots, 0, bytes, head.length, dots.length);
    assertThatThrownBy(() -> VersionCodec.decodeCausalContext(bytes))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining(message);
  }
}
