/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * {@code dynamo.thrift.tls}: whether clients must connect with TLS, to which port, and the stores.
 * The compact constructor checks only what the rest of the server relies on; {@link ConfigLoader}
 * reports problems with the file and key. {@link #toString()} never shows a password.
 *
 * @param enabled clients are served over TLS on {@code port} only (the node's Thrift port refuses
 *     their requests); false: no TLS, and the other settings are not used
 * @param port the TLS port, on {@code dynamo.node.host}
 * @param keyStore the node's certificate and private key; not null when enabled
 * @param keyStorePassword its password (also the key's), or null
 * @param keyStoreType PKCS12 or JKS
 * @param trustStore when not null, clients must present a certificate this store trusts
 * @param trustStorePassword its password, or null
 * @param trustStoreType PKCS12 or JKS
 * @param protocols TLS versions offered, e.g. TLSv1.3 and TLSv1.2
 * @param maxConnections open TLS connections (a thread each); more are closed on accept
 * @param idleTimeout how long a TLS connection may go without a request before it is closed
 */
public record ClientTls(
    boolean enabled,
    int port,
    Path keyStore,
    String keyStorePassword,
    String keyStoreType,
    Path trustStore,
    String trustStorePassword,
    String trustStoreType,
    List<String> protocols,
    int maxConnections,
    Duration idleTimeout) {

  public ClientTls {
    Objects.requireNonNull(keyStoreType, "keyStoreType");
    Objects.requireNonNull(trustStoreType, "trustStoreType");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    protocols = List.copyOf(protocols);
    if (enabled && keyStore == null) {
      throw new IllegalArgumentException("TLS needs a key store");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, found " + port);
    }
  }

  /** TLS off. */
  public static ClientTls disabled() {
    return new ClientTls(
        false,
        0,
        null,
        null,
        "PKCS12",
        null,
        null,
        "PKCS12",
        List.of("TLSv1.3", "TLSv1.2"),
        256,
        Duration.ofMinutes(5));
  }

  @Override
  public String toString() {
    return "ClientTls[enabled="
        + enabled
        + ", port="
        + port
        + ", keyStore="
        + keyStore
        + (keyStorePassword == null ? "" : " (password set)")
        + ", trustStore="
        + trustStore
        + (trustStorePassword == null ? "" : " (password set)")
        + ", protocols="
        + protocols
        + ", maxConnections="
        + maxConnections
        + ", idleTimeout="
        + idleTimeout
        + "]";
  }
}
