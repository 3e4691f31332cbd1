/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSecretTest {
  private static final HexFormat HEX = HexFormat.of();

  /** RFC 5869, appendix A, test case 1. */
  @Test
  void hkdfMatchesTheRfcTestVector() {
    byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
    byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
    byte[] prk = Hkdf.extract(salt, ikm);
    assertThat(HEX.formatHex(prk))
        .isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    assertThat(HEX.formatHex(Hkdf.expand(prk, info, 42)))
        .isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }

  @Test
  void eachPurposeGetsItsOwnKeyAndEachSecretItsOwnId() {
    ClusterSecret one = TestSecrets.of("sixteen bytes at least");
    ClusterSecret two = TestSecrets.of("another secret entirely");
    assertThat(one.derive("contexts").key(0)).isNotEqualTo(one.derive("peers").key(0));
    assertThat(one.derive("contexts").key(0))
        .isEqualTo(TestSecrets.of("sixteen bytes at least").derive("contexts").key(0));
    assertThat(one.signingKeyId()).isNotEqualTo(two.signingKeyId());
    assertThat(one.toString()).doesNotContain("sixteen").contains("signing");
  }

  @Test
  void parsesFilesAndRejectsBadOnesClearly() {
    String a = Base64.getEncoder().encodeToString(new byte[32]);
    byte[] bBytes = new byte[32];
    bBytes[0] = 1;
    String b = Base64.getEncoder().encodeToString(bBytes);
    ClusterSecret parsed = ClusterSecret.parse("# comment\n\n" + a + "\n" + b + "\n", "f");
    assertThat(parsed.keyIds()).hasSize(2);
    assertThat(parsed.signingKeyId())
        .isEqualTo(ClusterSecret.of(List.of(new byte[32])).signingKeyId());

    assertThatThrownBy(() -> ClusterSecret.parse("# nothing\n", "f"))
        .hasMessageContaining("f: holds no secret");
    assertThatThrownBy(() -> ClusterSecret.parse("not base64!\n", "f"))
        .hasMessageContaining("f:1: not a base64 secret");
    assertThatThrownBy(
            () -> ClusterSecret.parse("\n" + Base64.getEncoder().encodeToString(new byte[8]), "f"))
        .hasMessageContaining("f:2: the secret has 8 bytes, at least 16");
    assertThatThrownBy(() -> ClusterSecret.parse(a + "\n" + a, "f"))
        .hasMessageContaining("the same secret");
  }
}
