/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import java.util.Arrays;
import java.util.List;

/**
 * The layout of keys in a storage engine: the 16-byte {@link Token} of the user key followed by the
 * user key itself. Because engines order keys by unsigned bytes and the token comes first, every
 * {@link TokenRange} (a strategy-3 partition, a strategy-1 range between tokens) is one contiguous
 * scan, or two when the range wraps past {@link Token#MAX}.
 */
public final class StorageKeys {
  private StorageKeys() {}

  /** {@code token(userKey) ++ userKey}. */
  public static byte[] storageKey(byte[] userKey) {
    return storageKey(Token.of(userKey), userKey);
  }

  /** {@code token ++ userKey}, for a caller that already hashed the key. */
  public static byte[] storageKey(Token token, byte[] userKey) {
    byte[] storageKey = new byte[Token.BYTES + userKey.length];
    token.writeTo(storageKey, 0);
    System.arraycopy(userKey, 0, storageKey, Token.BYTES, userKey.length);
    return storageKey;
  }

  /** The user key of a storage key (a copy). */
  public static byte[] userKey(byte[] storageKey) {
    checkLength(storageKey);
    return Arrays.copyOfRange(storageKey, Token.BYTES, storageKey.length);
  }

  /** The token prefix of a storage key. */
  public static Token tokenOf(byte[] storageKey) {
    checkLength(storageKey);
    return Token.fromBytes(storageKey, 0);
  }

  /**
   * The scans that visit exactly the storage keys whose token lies in {@code range}: one {@link
   * KeyRange} for a range that does not wrap, two ({@code [start, +inf)} then {@code [-inf, end)})
   * for one that does, leaving out an empty second piece.
   */
  public static List<KeyRange> scanRanges(TokenRange range) {
    byte[] from = range.start().toBytes();
    if (!range.wraps()) {
      return List.of(new KeyRange(from, range.end().toBytes()));
    }
    if (range.end().equals(Token.MIN)) {
      return List.of(new KeyRange(from, null));
    }
    return List.of(new KeyRange(from, null), new KeyRange(null, range.end().toBytes()));
  }

  private static void checkLength(byte[] storageKey) {
    if (storageKey.length < Token.BYTES) {
      throw new IllegalArgumentException(
          "a storage key starts with a 16-byte token, found only " + storageKey.length + " bytes");
    }
  }

  /**
   * Bounds of one scan over storage keys, in the convention of {@link
   * io.dynamokv.core.spi.Keyspace#scan}: {@code from} inclusive, {@code to} exclusive, {@code null}
   * for unbounded. The arrays are shared: do not modify them.
   */
  public record KeyRange(byte[] fromInclusive, byte[] toExclusive) {
    /** Whether {@code storageKey} lies within the bounds. */
    public boolean contains(byte[] storageKey) {
      return (fromInclusive == null || Arrays.compareUnsigned(storageKey, fromInclusive) >= 0)
          && (toExclusive == null || Arrays.compareUnsigned(storageKey, toExclusive) < 0);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof KeyRange other
          && Arrays.equals(fromInclusive, other.fromInclusive)
          && Arrays.equals(toExclusive, other.toExclusive);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(fromInclusive) + Arrays.hashCode(toExclusive);
    }

    @Override
    public String toString() {
      return "["
          + (fromInclusive == null ? "-inf" : java.util.HexFormat.of().formatHex(fromInclusive))
          + ", "
          + (toExclusive == null ? "+inf" : java.util.HexFormat.of().formatHex(toExclusive))
          + ")";
    }
  }
}
