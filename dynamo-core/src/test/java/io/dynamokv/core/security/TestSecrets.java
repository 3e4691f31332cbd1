/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.security;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Cluster secrets for tests: fixed, so simulations replay bit for bit. */
public final class TestSecrets {
  /** The secret of every test cluster, unless a test wants another. */
  public static final ClusterSecret CLUSTER = of("the test cluster's shared secret");

  private TestSecrets() {}

  /** A cluster secret made of {@code secret}'s bytes (at least 16). */
  public static ClusterSecret of(String secret) {
    return ClusterSecret.of(List.of(secret.getBytes(StandardCharsets.UTF_8)));
  }
}
