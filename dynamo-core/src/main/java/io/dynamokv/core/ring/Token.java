/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A position on the 128-bit ring: the MD5 digest of a key read as an unsigned big-endian integer
 * (paper §4.2). Tokens order as unsigned integers, which is also the unsigned lexicographic order
 * of their {@link #toBytes() 16-byte} form, so a token range is one contiguous range of storage
 * keys (see {@link StorageKeys}).
 *
 * @param high the most significant 64 bits, unsigned
 * @param low the least significant 64 bits, unsigned
 */
public record Token(long high, long low) implements Comparable<Token> {
  /** The number of bytes of {@link #toBytes()}. */
  public static final int BYTES = 16;

  /** The lowest token, 0: where the ring starts (and, clockwise past {@link #MAX}, wraps to). */
  public static final Token MIN = new Token(0L, 0L);

  /** The highest token, 2^128 - 1. */
  public static final Token MAX = new Token(-1L, -1L);

  private static final ThreadLocal<MessageDigest> MD5 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java platform must provide MD5", e);
            }
          });

  /** The token of a user key: MD5 of its bytes. */
  public static Token of(byte[] key) {
    MessageDigest md5 = MD5.get();
    byte[] digest = md5.digest(key);
    return fromBytes(digest, 0);
  }

  /** The token whose {@link #toBytes()} is {@code bytes} (exactly 16 bytes). */
  public static Token fromBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "a token is exactly 16 bytes, found " + bytes.length + " bytes");
    }
    return fromBytes(bytes, 0);
  }

  /** The token stored in {@code bytes[offset .. offset + 16)}. */
  public static Token fromBytes(byte[] bytes, int offset) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, BYTES);
    return new Token(buffer.getLong(), buffer.getLong());
  }

  /** The 16-byte big-endian form; its unsigned lexicographic order is the token order. */
  public byte[] toBytes() {
    byte[] bytes = new byte[BYTES];
    writeTo(bytes, 0);
    return bytes;
  }

  /** Writes the 16-byte big-endian form into {@code bytes[offset .. offset + 16)}. */
  public void writeTo(byte[] bytes, int offset) {
    ByteBuffer.wrap(bytes, offset, BYTES).putLong(high).putLong(low);
  }

  /** The next token clockwise ({@link #MAX} wraps to {@link #MIN}). */
  public Token next() {
    long newLow = low + 1;
    return new Token(newLow == 0 ? high + 1 : high, newLow);
  }

  /** This token as a fraction of the ring, in [0, 1). */
  public double fraction() {
    return unsignedToDouble(high) / 0x1p64 + unsignedToDouble(low) / 0x1p128;
  }

  static double unsignedToDouble(long value) {
    double d = (double) (value >>> 1) * 2.0;
    return d + (value & 1L);
  }

  /** Unsigned comparison: the clockwise order of positions starting from {@link #MIN}. */
  @Override
  public int compareTo(Token other) {
    int c = Long.compareUnsigned(high, other.high);
    return c != 0 ? c : Long.compareUnsigned(low, other.low);
  }

  /** 32 lower-case hex digits. */
  @Override
  public String toString() {
    return HexFormat.of().formatHex(toBytes());
  }
}
