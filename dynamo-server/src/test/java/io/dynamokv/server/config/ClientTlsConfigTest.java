/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dynamo.thrift.tls} as read from configuration and the environment. */
class ClientTlsConfigTest {
  @TempDir Path dir;

  private ConfigLoader loader(String... sets) {
    List<String> all = new ArrayList<>(List.of("dynamo.node.id=n1", "dynamo.node.port=7100"));
    all.addAll(List.of(sets));
    return ConfigLoader.isolated(dir).withSets(all);
  }

  @Test
  void offByDefault() {
    ClientTls tls = loader().load().clientTls();
    assertThat(tls.enabled()).isFalse();
    assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(tls.keyStoreType()).isEqualTo("PKCS12");
    assertThat(tls.trustStore()).isNull();
  }

  @Test
  void thePasswordComesFromTheEnvironmentAndIsNeverShown() {
    ClientTls tls =
        loader("dynamo.thrift.tls.enabled=true", "dynamo.thrift.tls.key-store=node.p12")
            .withEnvironment(
                Map.of(
                    "DYNAMO_THRIFT_TLS_KEY_STORE_PASSWORD", "s3cret",
                    // The CLI's variables are not node settings: neither refused nor used.
                    "DYNAMO_TLS_TRUST_STORE", "trust.p12",
                    "DYNAMO_TLS_TRUST_STORE_PASSWORD", "x"))
            .load()
            .clientTls();
    assertThat(tls.keyStore()).isEqualTo(dir.resolve("node.p12"));
    assertThat(tls.keyStorePassword()).isEqualTo("s3cret");
    assertThat(tls.trustStore()).isNull();
    assertThat(tls.toString()).doesNotContain("s3cret").contains("(password set)");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(
            () ->
                loader(
                        "dynamo.thrift.tls.enabled=true",
                        "dynamo.thrift.tls.key-store=node.p12",
                        "dynamo.thrift.tls.protocols=[TLSv1.1]",
                        "dynamo.thrift.tls.key-store-type=PEM")
                    .load())
        .isInstanceOf(ConfigValidationException.class)
        .hasMessageContaining(
            "dynamo.thrift.tls.protocols: expected one or both of TLSv1.3 and TLSv1.2")
        .hasMessageContaining("dynamo.thrift.tls.key-store-type: expected PKCS12 or JKS");
  }

  @Test
  void thereIsNoTlsPortNorTlsLimitsOfItsOwn() {
    assertThatThrownBy(() -> loader("dynamo.thrift.tls.port=9100").load())
        .as("no TLS port of its own: the client port serves TLS")
        .isInstanceOf(ConfigValidationException.class)
        .hasMessageContaining("dynamo.thrift.tls.port: unknown key");
    assertThatThrownBy(() -> loader("dynamo.thrift.tls.idle-timeout=1m").load())
        .hasMessageContaining("dynamo.thrift.tls.idle-timeout: unknown key");
  }
}
