/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.ring;

import io.dynamokv.core.DynamoException;

/**
 * Bytes handed to {@link RingCodec#decode(byte[])} are not a ring this node understands: corrupt,
 * truncated, or written in a newer format. The ring the node already has stays in force.
 */
public class RingFormatException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public RingFormatException(String message) {
    super(message);
  }

  public RingFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
