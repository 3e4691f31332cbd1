/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TokenTest {
  @Test
  void tokenIsTheMd5OfTheKey() {
    assertThat(Token.of(new byte[0]).toString()).isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
    assertThat(Token.of("abc".getBytes(StandardCharsets.US_ASCII)).toString())
        .isEqualTo("900150983cd24fb0d6963f7d28e17f72");
  }

  @Test
  void comparesUnsigned() {
    Token small = new Token(1L, 0L);
    Token large = new Token(-1L, 0L);
    assertThat(small).isLessThan(large);
    assertThat(new Token(0L, -1L)).isGreaterThan(new Token(0L, 1L));
    assertThat(Token.MIN).isLessThan(Token.MAX);
    assertThat(Token.MAX.next()).isEqualTo(Token.MIN);
    assertThat(new Token(0L, -1L).next()).isEqualTo(new Token(1L, 0L));
  }

  @Test
  void fractionIsThePositionOnTheRing() {
    assertThat(Token.MIN.fraction()).isZero();
    assertThat(new Token(Long.MIN_VALUE, 0L).fraction()).isEqualTo(0.5);
    assertThat(Token.MAX.fraction()).isLessThanOrEqualTo(1.0);
  }

  @Test
  void rejectsWrongLength() {
    assertThatThrownBy(() -> Token.fromBytes(new byte[15]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes");
  }

  @Property
  void bytesRoundTrip(@ForAll long high, @ForAll long low) {
    Token token = new Token(high, low);
    assertThat(token.toBytes()).hasSize(16);
    assertThat(Token.fromBytes(token.toBytes())).isEqualTo(token);
  }

  @Property
  void tokenOrderIsUnsignedByteOrder(
      @ForAll long h1, @ForAll long l1, @ForAll long h2, @ForAll long l2) {
    Token a = new Token(h1, l1);
    Token b = new Token(h2, l2);
    assertThat(Integer.signum(a.compareTo(b)))
        .isEqualTo(Integer.signum(Arrays.compareUnsigned(a.toBytes(), b.toBytes())));
  }

  @Property
  void rangeMembershipMatchesFraction(@ForAll @Size(2) List<Long> highs) {
    TokenRange range = new TokenRange(new Token(highs.get(0), 0L), new Token(highs.get(1), 0L));
    TokenRange complement = new TokenRange(range.end(), range.start());
    if (!range.start().equals(range.end())) {
      assertThat(range.fraction() + complement.fraction()).isCloseTo(1.0, within());
      assertThat(range.contains(range.start())).isTrue();
      assertThat(range.contains(range.end())).isFalse();
      assertThat(complement.contains(range.end())).isTrue();
    } else {
      assertThat(range.fraction()).isEqualTo(1.0);
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-12);
  }
}
