/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.wire;

import io.dynamokv.core.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what a {@link WireWriter} wrote, refusing anything malformed with an {@link
 * InvalidRequestException} that names the family and the field: a truncated input, a varint longer
 * than 10 bytes, malformed UTF-8, a length beyond what is left (so a short input never makes it
 * allocate more than its own size), trailing bytes. Not thread-safe.
 */
public final class WireReader {
  private final String what;
  private final byte[] in;
  private int pos;

  /** Reads {@code in}; {@code what} names the encoding in error messages. */
  public WireReader(String what, byte[] in) {
    this.what = what;
    this.in = in;
  }

  /**
   * Reads the format byte and checks that this node reads it.
   *
   * @return the format
   */
  public int format(WireFormat format) {
    int found = u8("format");
    if (!format.reads(found)) {
      throw new InvalidRequestException(format.unreadable(found));
    }
    return found;
  }

  public int u8(String field) {
    need(1, field);
    return in[pos++] & 0xFF;
  }

  public boolean bool(String field) {
    int b = u8(field);
    if (b > 1) {
      throw malformed(field + " is " + b + ", not a boolean");
    }
    return b == 1;
  }

  public long varint(String field) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = u8(field);
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (shift == 63 && b > 1) {
          break;
        }
        if (shift > 0 && b == 0) {
          // One encoding per value: a trailing zero group only pads a shorter form.
          throw malformed(field + " is an overlong varint");
        }
        return value;
      }
    }
    throw malformed(field + " is a varint longer than 64 bits");
  }

  /** An unsigned varint that must fit in {@code 0..max}. */
  public int varint(String field, int max) {
    long v = varint(field);
    if (v < 0 || v > max) {
      throw malformed(field + " is " + Long.toUnsignedString(v) + ", above " + max);
    }
    return (int) v;
  }

  public long zigzag(String field) {
    long v = varint(field);
    return (v >>> 1) ^ -(v & 1);
  }

  /** A signed int written with {@link WireWriter#zigzag}. */
  public int zigzagInt(String field) {
    long v = zigzag(field);
    if (v != (int) v) {
      throw malformed(field + " is " + v + ", beyond an int");
    }
    return (int) v;
  }

  public byte[] bytes(String field) {
    int length = varint(field + " length", Integer.MAX_VALUE);
    need(length, field);
    byte[] b = Arrays.copyOfRange(in, pos, pos + length);
    pos += length;
    return b;
  }

  /** A UTF-8 string; malformed UTF-8 is refused, so that every string has one encoding. */
  public String string(String field) {
    byte[] b = bytes(field);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed(field + " is not UTF-8");
    }
  }

  /** How many bytes are left to read: what bounds any count read next. */
  public int remaining() {
    return in.length - pos;
  }

  /** Checks that everything was read. */
  public void end() {
    if (pos != in.length) {
      throw malformed((in.length - pos) + " trailing bytes");
    }
  }

  /** An error about these bytes, naming the encoding. */
  public InvalidRequestException malformed(String detail) {
    return new InvalidRequestException("malformed " + what + ": " + detail);
  }

  private void need(int n, String field) {
    if (n > in.length - pos) {
      throw malformed(
          field + " needs " + n + " bytes, only " + (in.length - pos) + " are left (truncated)");
    }
  }
}
