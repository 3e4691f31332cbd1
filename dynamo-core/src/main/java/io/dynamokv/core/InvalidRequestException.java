/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A request was malformed (a quorum above N, an empty key, a message that does not decode) and was
 * refused before anything was written.
 */
public class InvalidRequestException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }

  @Override
  public FailureCode code() {
    return FailureCode.INVALID_REQUEST;
  }
}
