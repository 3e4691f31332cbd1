/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import static io.dynamokv.core.merkle.TestSets.key;
import static io.dynamokv.core.merkle.TestSets.written;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.VersionCodec;
import io.dynamokv.core.version.Versioned;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the digest of a key's set depends on, and what it does not. */
class KeyDigestTest {
  private static final byte[] KEY = key(1);

  private static Siblings write(String value, long millis) {
    return Siblings.empty()
        .update(
            VectorClock.empty(),
            Versioned.of(value.getBytes(StandardCharsets.UTF_8), millis),
            Actor.of("n1", 1));
  }

  @Test
  void setsWithTheSameClockButDifferentValuesDiffer() {
    Siblings a = write("apple", 1_000);
    Siblings b = write("pear", 1_000);
    assertThat(b.context()).isEqualTo(a.context());
    assertThat(KeyDigest.of(KEY, a)).isNotEqualTo(KeyDigest.of(KEY, b));
    Siblings tombstone =
        Siblings.empty().update(VectorClock.empty(), Versioned.tombstone(1_000), Actor.of("n1", 1));
    Siblings emptyValue =
        Siblings.empty()
            .update(VectorClock.empty(), Versioned.of(new byte[0], 1_000), Actor.of("n1", 1));
    assertThat(tombstone.context()).isEqualTo(emptyValue.context());
    assertThat(KeyDigest.of(KEY, tombstone)).isNotEqualTo(KeyDigest.of(KEY, emptyValue));
  }

  @Test
  void dotsContextAndKeyCount() {
    Siblings a = write("v", 1_000);
    Siblings otherActor =
        Siblings.empty()
            .update(
                VectorClock.empty(),
                Versioned.of("v".getBytes(StandardCharsets.UTF_8), 1_000),
                Actor.of("n2", 1));
    assertThat(KeyDigest.of(KEY, otherActor)).isNotEqualTo(KeyDigest.of(KEY, a));
    assertThat(KeyDigest.of(key(2), a)).isNotEqualTo(KeyDigest.of(KEY, a));
    // the same value, having seen one more write (its context differs)
    Siblings seenMore = Siblings.sync(a, TestSets.overwritten(otherActor, new byte[0], "n2"));
    assertThat(KeyDigest.of(KEY, seenMore)).isNotEqualTo(KeyDigest.of(KEY, a));
  }

  @Test
  void equalContentGivesEqualDigestsWhateverPathBuiltIt() {
    Siblings a = written("a".getBytes(StandardCharsets.UTF_8), "n1");
    Siblings b = written("b".getBytes(StandardCharsets.UTF_8), "n2");
    Siblings c = TestSets.concurrent(a, "c".getBytes(StandardCharsets.UTF_8), "n3");
    Siblings left = Siblings.sync(Siblings.sync(a, b), c);
    Siblings right = Siblings.sync(c, Siblings.sync(b, a));
    Siblings decoded = VersionCodec.decodeSiblings(VersionCodec.encode(left));
    assertThat(right).isNotSameAs(left);
    assertThat(KeyDigest.of(KEY, right)).isEqualTo(KeyDigest.of(KEY, left));
    assertThat(KeyDigest.of(KEY, decoded)).isEqualTo(KeyDigest.of(KEY, left));
    assertThat(KeyDigest.ofEncoded(KEY, VersionCodec.encode(left)))
        .isEqualTo(KeyDigest.of(KEY, left));
  }

  @Test
  void anEmptySetHasNoDigestAndAPresentOneNeverLooksAbsent() {
    assertThat(KeyDigest.of(KEY, Siblings.empty())).isEqualTo(KeyDigest.ABSENT);
    assertThat(KeyDigest.ofEncoded(KEY, new byte[0])).isEqualTo(KeyDigest.ABSENT);
    for (int i = 0; i < 1_000; i++) {
      assertThat(KeyDigest.of(key(i), write("x", i))).isNotEqualTo(KeyDigest.ABSENT);
    }
  }
}
