/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/** A request named a store the cluster does not define. */
public class StoreNotFoundException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public StoreNotFoundException(String store) {
    super(
        "no store named '" + store + "' is defined; declare it under stores in the configuration");
  }
}
