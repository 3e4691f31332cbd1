/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/** A request named a store the cluster does not define. Nothing was written. */
public class StoreNotFoundException extends DynamoException {
  private static final long serialVersionUID = 1L;

  /** With a message already composed (e.g. relayed from another node); see {@link #forStore}. */
  public StoreNotFoundException(String message) {
    super(message);
  }

  /** The error for a request that named {@code store}. */
  public static StoreNotFoundException forStore(String store) {
    return new StoreNotFoundException(
        "no store named '" + store + "' is defined; declare it under stores in the configuration");
  }

  @Override
  public FailureCode code() {
    return FailureCode.STORE_NOT_FOUND;
  }
}
