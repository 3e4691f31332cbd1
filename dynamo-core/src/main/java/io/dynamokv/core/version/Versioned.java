/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The payload of one write: the value bytes, or a tombstone for a delete, and the coordinator's
 * wall-clock time of the write. The time is used only to order clock pruning and for display, never
 * to decide which write wins.
 *
 * <p>Tombstones are versions like any other: they supersede what their write's context saw and
 * replicate like values. A tombstone's bytes are an optional marker that clients never see (tests
 * use it to tell deletes apart); deletes through the client API carry none.
 */
public final class Versioned {
  private static final byte[] NONE = new byte[0];

  private final byte[] value;
  private final boolean tombstone;
  private final long wallMillis;

  private Versioned(byte[] value, boolean tombstone, long wallMillis) {
    if (wallMillis < 0) {
      throw new IllegalArgumentException("wall-clock millis must be >= 0, found: " + wallMillis);
    }
    this.value = value;
    this.tombstone = tombstone;
    this.wallMillis = wallMillis;
  }

  /** A value (copied) written at {@code wallMillis}. */
  public static Versioned of(byte[] value, long wallMillis) {
    return new Versioned(value.clone(), false, wallMillis);
  }

  /** A delete marker written at {@code wallMillis}. */
  public static Versioned tombstone(long wallMillis) {
    return new Versioned(NONE, true, wallMillis);
  }

  /** A delete marker carrying {@code marker} (copied), which only the server side sees. */
  public static Versioned tombstone(byte[] marker, long wallMillis) {
    return new Versioned(marker.clone(), true, wallMillis);
  }

  /** Takes ownership of {@code value}: the caller MUST NOT modify it afterwards. */
  static Versioned wrap(byte[] value, boolean tombstone, long wallMillis) {
    return new Versioned(value, tombstone, wallMillis);
  }

  /** A copy of the value bytes; for a tombstone, its marker (usually empty). */
  public byte[] value() {
    return value.clone();
  }

  /** The bytes, not copied: callers in this package MUST NOT modify them. */
  byte[] rawValue() {
    return value;
  }

  public boolean isTombstone() {
    return tombstone;
  }

  public long wallMillis() {
    return wallMillis;
  }

  /** The number of value bytes. */
  public int size() {
    return value.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Versioned other
        && tombstone == other.tombstone
        && wallMillis == other.wallMillis
        && Arrays.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return (Arrays.hashCode(value) * 31 + Long.hashCode(wallMillis)) * 31 + (tombstone ? 1 : 0);
  }

  @Override
  public String toString() {
    return tombstone
        ? "Tombstone@" + wallMillis
        : "Value[" + HexFormat.of().formatHex(value) + "]@" + wallMillis;
  }
}
