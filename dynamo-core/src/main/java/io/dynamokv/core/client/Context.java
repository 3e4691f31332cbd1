/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The opaque causal context of a read (paper §4.4): pass it back unchanged with the write that
 * follows the read, so the write supersedes exactly the versions the read returned. Its bytes are
 * an encoded version vector; clients store and return them, never interpret them.
 */
public final class Context {
  /** No context: a write with it creates a sibling beside whatever exists. */
  public static final Context EMPTY = new Context(new byte[0]);

  private final byte[] bytes;

  private Context(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A context from bytes a server returned (copied). */
  public static Context fromBytes(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : new Context(bytes.clone());
  }

  /** The bytes to send back (a copy). */
  public byte[] toBytes() {
    return bytes.clone();
  }

  public boolean isEmpty() {
    return bytes.length == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Context other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Context[" + HexFormat.of().formatHex(bytes) + "]";
  }
}
