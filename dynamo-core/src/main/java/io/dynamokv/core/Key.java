/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string with content equality and unsigned lexicographic order: the order
 * storage engines scan in, so {@code Key}s sort exactly as their bytes sit on disk.
 */
public final class Key implements Comparable<Key> {
  private final byte[] bytes;
  private int hash;

  private Key(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A key holding a copy of {@code bytes}. */
  public static Key of(byte[] bytes) {
    return new Key(bytes.clone());
  }

  /**
   * A key that takes ownership of {@code bytes}: the caller MUST NOT modify the array afterwards.
   */
  public static Key wrap(byte[] bytes) {
    return new Key(bytes);
  }

  /** A copy of the bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  public byte byteAt(int index) {
    return bytes[index];
  }

  @Override
  public int compareTo(Key other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(bytes);
      hash = h;
    }
    return h;
  }

  /** Hex, as in logs and error messages. */
  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes);
  }
}
