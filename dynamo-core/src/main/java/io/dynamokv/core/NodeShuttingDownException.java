/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/** The node is shutting down and refuses new requests. Nothing was written. */
public final class NodeShuttingDownException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public NodeShuttingDownException(String message) {
    super(message);
  }

  @Override
  public FailureCode code() {
    return FailureCode.SHUTTING_DOWN;
  }
}
