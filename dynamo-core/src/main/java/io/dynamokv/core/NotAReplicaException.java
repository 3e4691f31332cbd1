/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A forwarded write reached a node that is not a replica of its key in that node's view of the ring
 * (views differ briefly while a ring change spreads). Nothing was written.
 */
public final class NotAReplicaException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public NotAReplicaException(String message) {
    super(message);
  }

  @Override
  public FailureCode code() {
    return FailureCode.NOT_A_REPLICA;
  }
}
