/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.time.Duration;

/**
 * Per-request overrides of the store's settings.
 *
 * @param quorum {@code R} for a read or {@code W} for a write, 1 to N; 0 keeps the store's setting
 * @param timeout how long the coordinator waits for the quorum, at most {@link #MAX_TIMEOUT};
 *     {@code null} keeps the server's default
 */
public record RequestOptions(int quorum, Duration timeout) {
  /** The store's settings. */
  public static final RequestOptions DEFAULTS = new RequestOptions(0, null);

  /** The longest timeout a request may ask for. */
  public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

  public RequestOptions {
    if (quorum < 0) {
      throw new IllegalArgumentException(
          "quorum must be 0 (store default) or positive, found " + quorum);
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive, found " + timeout);
    }
    if (timeout != null && timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "timeout must be at most " + MAX_TIMEOUT + ", found " + timeout);
    }
  }

  public static RequestOptions quorum(int quorum) {
    return new RequestOptions(quorum, null);
  }
}
