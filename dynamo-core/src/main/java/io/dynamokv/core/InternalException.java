/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A node failed unexpectedly while handling a request (its {@link FailureCode#INTERNAL} answer,
 * relayed). For a write the outcome is unknown: it may have been applied.
 */
public class InternalException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public InternalException(String message) {
    super(message);
  }

  @Override
  public FailureCode code() {
    return FailureCode.INTERNAL;
  }

  /**
   * A write short of its quorum may still have been applied: the node failed somewhere along the
   * way.
   */
  @Override
  public boolean outcomeUnknown() {
    return true;
  }
}
