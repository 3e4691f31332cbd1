/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

import java.util.concurrent.CompletionException;

/**
 * The unchecked root of every error dynamo-kv raises on purpose. The errors a request can end with
 * live beside it in this package, each with its {@link FailureCode}; errors of one adapter are
 * nested in it (e.g. {@code LmdbStorageEngine.MapFullException}) and those of a port in the port's
 * package ({@code spi.PeerException}, {@code spi.StorageException}).
 */
public class DynamoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DynamoException(String message) {
    super(message);
  }

  public DynamoException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * How this error travels to other nodes and to clients. {@link FailureCode#INTERNAL} unless a
   * subclass says otherwise.
   */
  public FailureCode code() {
    return FailureCode.INTERNAL;
  }

  /**
   * Whether a write that ended with this error may have been applied all the same (its outcome is
   * unknown: read again to find out), rather than certainly not. False unless a subclass says
   * otherwise: {@link InsufficientReplicasException}, {@link InternalException}, an {@link
   * UnavailableException} after the request was sent, a peer call that timed out.
   */
  public boolean outcomeUnknown() {
    return false;
  }

  /** The cause of a {@link CompletionException} (what a failed stage holds), or {@code error}. */
  public static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
