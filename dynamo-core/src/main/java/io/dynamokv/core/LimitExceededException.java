/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A request would break a store limit (key bytes, value bytes, siblings per key, bytes per key,
 * context bytes). Nothing was written.
 */
public class LimitExceededException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public LimitExceededException(String what, long found, long limit) {
    super(what + " is " + found + ", over the limit of " + limit);
  }

  /** With a message already composed (e.g. relayed from another node). */
  public LimitExceededException(String message) {
    super(message);
  }

  @Override
  public FailureCode code() {
    return FailureCode.LIMIT_EXCEEDED;
  }
}
