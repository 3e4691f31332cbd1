/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.security.ClusterSecret;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContextSignerTest {
  private static final byte[] OLD = "the old secret, 32 bytes or so..".getBytes(UTF_8);
  private static final byte[] NEW = "the new secret, 32 bytes or so..".getBytes(UTF_8);
  private static final byte[] KEY = "cart:alice".getBytes(UTF_8);
  private static final VectorClock CLOCK = VectorClock.of(Map.of(Actor.of("n1", 7), 3L));

  private static ContextSigner signer(byte[]... secrets) {
    return new ContextSigner(ClusterSecret.of(List.of(secrets)));
  }

  @Test
  void aSignedContextVerifiesForItsStoreAndKeyOnly() {
    ContextSigner signer = signer(OLD);
    byte[] context = signer.sign("carts", KEY, CLOCK);
    assertThat(signer.verify("carts", KEY, context)).isEqualTo(CausalContext.of(CLOCK));
    assertThatThrownBy(() -> signer.verify("carts", "cart:bob".getBytes(UTF_8), context))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("another key or store");
    assertThatThrownBy(() -> signer.verify("orders", KEY, context))
        .isInstanceOf(InvalidContextException.class);
  }

  @Test
  void aContextWithExplicitDotsVerifiesWithTheDots() {
    ContextSigner signer = signer(OLD);
    CausalContext dotted =
        CausalContext.of(
            CLOCK, List.of(new Dot(Actor.of("n1", 7), 5), new Dot(Actor.of("n2", 1), 2)));
    assertThat(dotted.dots()).hasSize(2);
    byte[] context = signer.sign("carts", KEY, dotted);
    assertThat(signer.verify("carts", KEY, context)).isEqualTo(dotted);
    context[context.length - 1] ^= 1;
    assertThatThrownBy(() -> signer.verify("carts", KEY, context))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("signature does not match");
  }

  @Test
  void theEmptyClockIsTheEmptyContext() {
    ContextSigner signer = signer(OLD);
    assertThat(signer.sign("carts", KEY, VectorClock.empty())).isEmpty();
    assertThat(signer.verify("carts", KEY, new byte[0])).isEqualTo(CausalContext.empty());
  }

  @Test
  void rotationAddsTheNewSecretThenSignsWithItThenDropsTheOld() {
    byte[] signedByOld = signer(OLD).sign("carts", KEY, CLOCK);
    // Step 1: every node verifies with both, still signing with the old one.
    assertThat(signer(OLD, NEW).verify("carts", KEY, signedByOld))
        .isEqualTo(CausalContext.of(CLOCK));
    // Step 2: nodes sign with the new one; contexts clients hold still verify.
    ContextSigner step2 = signer(NEW, OLD);
    byte[] signedByNew = step2.sign("carts", KEY, CLOCK);
    assertThat(step2.verify("carts", KEY, signedByOld)).isEqualTo(CausalContext.of(CLOCK));
    assertThat(signer(OLD, NEW).verify("carts", KEY, signedByNew))
        .isEqualTo(CausalContext.of(CLOCK));
    // Step 3: the old secret is gone; its contexts are refused, naming why.
    assertThatThrownBy(() -> signer(NEW).verify("carts", KEY, signedByOld))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("which this cluster does not have")
        .hasMessageContaining("read the key again");
  }

  @Test
  void damageIsRefusedNamingWhy() {
    ContextSigner signer = signer(OLD);
    byte[] context = signer.sign("carts", KEY, CLOCK);
    for (int i = 0; i < context.length; i++) {
      byte[] flipped = context.clone();
      flipped[i] ^= 1;
      assertThatThrownBy(() -> signer.verify("carts", KEY, flipped))
          .isInstanceOf(InvalidContextException.class);
    }
    assertThatThrownBy(() -> signer.verify("carts", KEY, VersionCodec.encode(CLOCK)))
        .isInstanceOf(InvalidContextException.class)
        .hasMessageContaining("not a context this cluster signed");
    assertThatThrownBy(() -> signer.verify("carts", KEY, new byte[] {1, 'C', 0, 0}))
        .hasMessageContaining("earlier build");
  }
}
