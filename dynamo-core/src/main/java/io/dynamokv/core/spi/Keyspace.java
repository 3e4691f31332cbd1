/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import java.util.function.UnaryOperator;

/**
 * One named, ordered map of a {@link StorageEngine}, with the engine's contract (unsigned key
 * order, thread safety, durability, closed-engine behaviour).
 */
public interface Keyspace {
  /** The name this keyspace was opened with. */
  String name();

  /** The value of {@code key}, or {@code null} when absent. */
  byte[] get(byte[] key);

  /** Sets {@code key} to {@code value}, replacing any previous value. */
  void put(byte[] key, byte[] value);

  /** Removes {@code key}; removing an absent key is not an error. */
  void delete(byte[] key);

  /**
   * Atomic read-modify-write of one key. {@code fn} receives the current value ({@code null} when
   * absent) and returns the new value, or {@code null} to delete the key. Returning the very array
   * it was given leaves the key untouched (no write happens).
   *
   * <p>The engine MUST call {@code fn} exactly once per call, while no other write to {@code key}
   * can interleave, so concurrent updates of one key never lose each other's effect. {@code fn}
   * MUST NOT call back into the engine. If {@code fn} throws, nothing is written and the exception
   * propagates unchanged.
   *
   * @return what {@code fn} returned
   */
  byte[] update(byte[] key, UnaryOperator<byte[]> fn);

  /**
   * Visits, in ascending unsigned order, every entry with {@code fromInclusive <= key <
   * toExclusive}; a {@code null} bound is unbounded on that side. The visitor stops the scan by
   * returning {@code false}.
   *
   * <p>The scan sees every write committed before it started, and each {@link WriteBatch} whole or
   * not at all. The visitor receives fresh arrays it may keep, and MUST NOT call back into the
   * engine (collect first, then write). Scans over large ranges SHOULD be paged by the caller:
   * engines may hold a read transaction open for the whole visit.
   */
  void scan(byte[] fromInclusive, byte[] toExclusive, EntryVisitor visitor);

  /** Receives the entries of a {@link #scan}. */
  @FunctionalInterface
  interface EntryVisitor {
    /**
     * @return {@code true} to continue, {@code false} to stop the scan
     */
    boolean visit(byte[] key, byte[] value);
  }
}
