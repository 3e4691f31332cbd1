/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import io.dynamokv.core.DynamoException;

/**
 * A storage engine could not do what was asked. The message names the engine's location, what
 * failed and, where it can, what to do (e.g. which setting to raise).
 */
public class StorageException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The engine was used after {@link StorageEngine#close()}. */
  public static class Closed extends StorageException {
    private static final long serialVersionUID = 1L;

    public Closed(String engine) {
      super(engine + " is closed");
    }
  }
}
