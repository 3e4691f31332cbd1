/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/** The unchecked root of every error dynamo-kv raises on purpose. */
public class DynamoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DynamoException(String message) {
    super(message);
  }

  public DynamoException(String message, Throwable cause) {
    super(message, cause);
  }
}
