/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A request could not gather its quorum in time: fewer than {@link #required()} replicas answered.
 *
 * <p>For a <b>write</b> this does <b>not</b> mean the write failed: replicas that did answer (and
 * the coordinator) may have applied it, and it may still spread by hinted handoff or anti-entropy.
 * Treat the outcome as <i>unknown</i>: read the key again before concluding anything.
 */
public class InsufficientReplicasException extends DynamoException {
  private static final long serialVersionUID = 1L;
  private final int answered;
  private final int required;

  /**
   * @param operation what was attempted, e.g. {@code "put"}
   * @param answered how many replicas acknowledged (the coordinator included)
   * @param required the quorum ({@code R} or {@code W})
   * @param detail why the rest did not answer, e.g. {@code "2 of 3 owners unreachable"}
   */
  public InsufficientReplicasException(
      String operation, int answered, int required, String detail) {
    super(
        operation
            + " reached "
            + answered
            + " of the "
            + required
            + " replicas it needs"
            + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
    this.answered = answered;
    this.required = required;
  }

  /** With a message already composed (e.g. relayed from another node). */
  public InsufficientReplicasException(String message, int answered, int required) {
    super(message);
    this.answered = answered;
    this.required = required;
  }

  public int answered() {
    return answered;
  }

  public int required() {
    return required;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  @Override
  public FailureCode code() {
    return FailureCode.INSUFFICIENT_REPLICAS;
  }

  /**
   * A write short of its quorum may still have been applied: replicas that did answer may have
   * applied it.
   */
  @Override
  public boolean outcomeUnknown() {
    return true;
  }
}
