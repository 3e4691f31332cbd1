/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * {@code dynamo.thrift.tls}: whether clients must connect with TLS, and the stores. The TLS
 * listener is the client listener ({@code dynamo.node.port}) and takes its limits from {@code
 * dynamo.thrift}. The compact constructor checks only what the rest of the server relies on; {@link
 * ConfigLoader} reports problems with the file and key. {@link #toString()} never shows a password.
 *
 * @param enabled the client port ({@code dynamo.node.port}) serves TLS only; false: no TLS, and the
 *     other settings are not used
 * @param keyStore the node's certificate and private key; not null when enabled
 * @param keyStorePassword its password (also the key's), or null
 * @param keyStoreType PKCS12 or JKS
 * @param trustStore when not null, clients must present a certificate this store trusts
 * @param trustStorePassword its password, or null
 * @param trustStoreType PKCS12 or JKS
 * @param protocols TLS versions offered, e.g. TLSv1.3 and TLSv1.2
 */
public record ClientTls(
    boolean enabled,
    Path keyStore,
    String keyStorePassword,
    String keyStoreType,
    Path trustStore,
    String trustStorePassword,
    String trustStoreType,
    List<String> protocols) {

  public ClientTls {
    Objects.requireNonNull(keyStoreType, "keyStoreType");
    Objects.requireNonNull(trustStoreType, "trustStoreType");
    protocols = List.copyOf(protocols);
    if (enabled && keyStore == null) {
      throw new IllegalArgumentException("TLS needs a key store");
    }
  }

  /** TLS off. */
  public static ClientTls disabled() {
    return new ClientTls(
        false, null, null, "PKCS12", null, null, "PKCS12", List.of("TLSv1.3", "TLSv1.2"));
  }

  @Override
  public String toString() {
    return "ClientTls[enabled="
        + enabled
        + ", keyStore="
        + keyStore
        + (keyStorePassword == null ? "" : " (password set)")
        + ", trustStore="
        + trustStore
        + (trustStorePassword == null ? "" : " (password set)")
        + ", protocols="
        + protocols
        + "]";
  }
}
