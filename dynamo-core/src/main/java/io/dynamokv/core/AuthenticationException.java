/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A caller did not prove that it holds the credential a request needs (the cluster secret for a
 * peer, an admin token for an operator), or a message of an authenticated connection was replayed
 * or altered. Nothing was done.
 */
public class AuthenticationException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message);
  }

  @Override
  public FailureCode code() {
    return FailureCode.UNAUTHENTICATED;
  }
}
