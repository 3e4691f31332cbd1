/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads {@code dynamo.thrift.tls} into a {@link ClientTls}, recording every problem. Whether the
 * stores can be opened with their passwords is checked at start-up ({@code StartupChecks}), where
 * the files are read.
 */
final class ClientTlsReader {
  static final String PREFIX = "dynamo.thrift.tls.";
  private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
  private static final Set<String> STORE_TYPES = Set.of("PKCS12", "JKS");

  private final SettingsReader r;
  private final Function<String, Path> paths;

  /**
   * @param paths reads a path setting, relative to the working directory
   */
  ClientTlsReader(SettingsReader r, Function<String, Path> paths) {
    this.r = r;
    this.paths = paths;
  }

  /** The settings, or null when a problem was recorded. */
  ClientTls read() {
    String p = PREFIX;
    Boolean enabled = r.bool(p + "enabled");
    Path keyStore = optionalPath(p + "key-store");
    String keyStorePassword = optionalString(p + "key-store-password");
    String keyStoreType = storeType(p + "key-store-type");
    Path trustStore = optionalPath(p + "trust-store");
    String trustStorePassword = optionalString(p + "trust-store-password");
    String trustStoreType = storeType(p + "trust-store-type");
    List<String> protocols = r.strings(p + "protocols");
    if (protocols != null) {
      if (protocols.isEmpty() || !PROTOCOLS.containsAll(protocols)) {
        r.problem(
            p + "protocols", "expected one or both of TLSv1.3 and TLSv1.2, found " + protocols);
        protocols = null;
      }
    }
    if (Boolean.TRUE.equals(enabled) && keyStore == null && r.isNull(p + "key-store")) {
      r.problem(
          p + "key-store",
          "required when dynamo.thrift.tls.enabled is true: a PKCS12 file with the node's"
              + " certificate and private key (scripts/make-test-ca.sh makes one for trials)");
      enabled = null;
    }
    if (enabled == null || keyStoreType == null || trustStoreType == null || protocols == null) {
      return null;
    }
    return new ClientTls(
        enabled,
        keyStore,
        keyStorePassword,
        keyStoreType,
        trustStore,
        trustStorePassword,
        trustStoreType,
        protocols);
  }

  private Path optionalPath(String key) {
    return r.isNull(key) ? null : paths.apply(key);
  }

  private String optionalString(String key) {
    return r.isNull(key) ? null : r.string(key);
  }

  private String storeType(String key) {
    String type = r.token(key, "PKCS12 or JKS");
    if (type != null && !STORE_TYPES.contains(type.toUpperCase(java.util.Locale.ROOT))) {
      r.problem(key, "expected PKCS12 or JKS, found \"" + type + "\"");
      return null;
    }
    return type == null ? null : type.toUpperCase(java.util.Locale.ROOT);
  }
}
