/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A client could not reach the cluster, or the cluster could not serve its request.
 *
 * <p>For a write, {@link #mayHaveBeenApplied()} tells the two cases apart: false means no node took
 * the write (certainly not applied); true means it was sent and the connection failed or timed out
 * before an answer, so its outcome is unknown.
 */
public class UnavailableException extends DynamoException {
  private static final long serialVersionUID = 1L;
  private final boolean mayHaveBeenApplied;

  public UnavailableException(String message, boolean mayHaveBeenApplied, Throwable cause) {
    super(message, cause);
    this.mayHaveBeenApplied = mayHaveBeenApplied;
  }

  /** True when a write was sent and its outcome is unknown. */
  public boolean mayHaveBeenApplied() {
    return mayHaveBeenApplied;
  }

  @Override
  public boolean outcomeUnknown() {
    return mayHaveBeenApplied;
  }
}
