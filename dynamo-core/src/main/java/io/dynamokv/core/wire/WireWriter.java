/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds a binary encoding: bytes, unsigned and zigzag varints, length-prefixed byte strings and
 * UTF-8 strings. The counterpart of {@link WireReader}; not thread-safe.
 */
public final class WireWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

  /** A writer whose first byte is {@code format}. */
  public static WireWriter withFormat(int format) {
    return new WireWriter().u8(format);
  }

  public WireWriter u8(int value) {
    if (value < 0 || value > 255) {
      throw new IllegalArgumentException("not a byte: " + value);
    }
    out.write(value);
    return this;
  }

  public WireWriter bool(boolean value) {
    out.write(value ? 1 : 0);
    return this;
  }

  /** An unsigned LEB128 varint; {@code value} must not be negative. */
  public WireWriter varint(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("negative varint: " + value);
    }
    return rawVarint(value);
  }

  /** A signed value, zigzag-encoded so that small magnitudes stay short. */
  public WireWriter zigzag(long value) {
    return rawVarint((value << 1) ^ (value >> 63));
  }

  /** A length (varint) and the bytes. */
  public WireWriter bytes(byte[] bytes) {
    varint(bytes.length);
    out.write(bytes, 0, bytes.length);
    return this;
  }

  public WireWriter string(String value) {
    return bytes(value.getBytes(StandardCharsets.UTF_8));
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }

  private WireWriter rawVarint(long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }
}
