/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import java.math.BigInteger;

/**
 * The tokens from {@code start} (inclusive) clockwise to {@code end} (exclusive). A range whose
 * start is not below its end wraps past {@link Token#MAX} to {@link Token#MIN}; {@code start ==
 * end} is the whole ring (a ring with a single partition or token).
 *
 * <p>The last partition of a strategy-3 ring ends at 2^128, written as {@code end ==} {@link
 * Token#MIN}; it wraps by this definition but its second piece is empty.
 */
public record TokenRange(Token start, Token end) {
  private static final BigInteger RING = BigInteger.ONE.shiftLeft(128);

  public TokenRange {
    if (start == null || end == null) {
      throw new IllegalArgumentException("a token range needs a start and an end");
    }
  }

  /** Whether the range passes {@link Token#MAX} (or is the whole ring). */
  public boolean wraps() {
    return start.compareTo(end) >= 0;
  }

  /** Whether {@code token} lies in the range. */
  public boolean contains(Token token) {
    if (wraps()) {
      return token.compareTo(start) >= 0 || token.compareTo(end) < 0;
    }
    return token.compareTo(start) >= 0 && token.compareTo(end) < 0;
  }

  /** The fraction of the ring the range covers, in (0, 1]. */
  public double fraction() {
    BigInteger length = toBig(end).subtract(toBig(start));
    if (length.signum() <= 0) {
      length = length.add(RING);
    }
    return new java.math.BigDecimal(length)
        .divide(new java.math.BigDecimal(RING), java.math.MathContext.DECIMAL64)
        .doubleValue();
  }

  static BigInteger toBig(Token token) {
    return new BigInteger(1, token.toBytes());
  }
}
