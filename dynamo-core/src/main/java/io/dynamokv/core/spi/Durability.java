/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

/**
 * What a write that returned normally survives. Dynamo relies on replication across N nodes for
 * most of its durability; the local mode decides what a single node can lose.
 */
public enum Durability {
  /**
   * Every commit is fsynced before it returns: survives a JVM crash and an OS crash or power loss.
   * Slowest.
   */
  SYNC,

  /**
   * Every commit is written to the operating system before it returns, and flushed to disk
   * periodically: survives a JVM crash ({@code kill -9}); an OS crash or power loss can lose the
   * writes since the last flush.
   */
  WRITE_NO_SYNC,

  /**
   * Commits MAY stay in the engine's own buffers and are written and flushed periodically: a JVM
   * crash or an OS crash can lose the writes since the last flush. Fastest.
   */
  NO_SYNC
}
