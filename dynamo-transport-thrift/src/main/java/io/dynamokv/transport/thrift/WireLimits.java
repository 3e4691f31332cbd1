/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

/** Limits every side of the Thrift protocol shares: clients, the server and peers. */
public final class WireLimits {
  /** Largest frame a side reads unless configured otherwise: 16 MiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

  private WireLimits() {}
}
