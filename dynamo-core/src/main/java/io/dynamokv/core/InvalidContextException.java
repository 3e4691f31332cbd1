/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/** A context (or stored version) could not be decoded. Nothing was written. */
public class InvalidContextException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public InvalidContextException(String message) {
    super(message);
  }

  /** Garbage from clients is expected: no stack trace. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  @Override
  public FailureCode code() {
    return FailureCode.INVALID_CONTEXT;
  }
}
