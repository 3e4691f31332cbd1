/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;

/** Why a {@link PeerTransport#call} failed. Frequent and expected: no stack trace. */
public abstract class PeerException extends DynamoException {
  private static final long serialVersionUID = 1L;
  private final transient NodeId target;

  private PeerException(NodeId target, String message, Throwable cause) {
    super(message, cause);
    this.target = target;
  }

  /** The node the call was sent to. */
  public NodeId target() {
    return target;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  /** The request was not delivered: no connection to the target. It was certainly not applied. */
  public static final class Unreachable extends PeerException {
    private static final long serialVersionUID = 1L;

    public Unreachable(NodeId target, String reason) {
      super(target, target + " is unreachable: " + reason, null);
    }

    public Unreachable(NodeId target, Throwable cause) {
      super(target, target + " is unreachable: " + cause, cause);
    }
  }

  /** No response in time. The request may or may not have been applied. */
  public static final class Timeout extends PeerException {
    private static final long serialVersionUID = 1L;

    public Timeout(NodeId target, long timeoutMillis) {
      super(target, target + " did not answer within " + timeoutMillis + " ms", null);
    }

    /**
     * No response, for another reason than the clock: e.g. the connection broke after the request
     * was sent, or the caller's transport closed while waiting.
     */
    public Timeout(NodeId target, String reason) {
      super(target, target + " did not answer: " + reason, null);
    }

    @Override
    public boolean outcomeUnknown() {
      return true;
    }
  }

  /** The target received the request and failed to handle it. */
  public static final class Remote extends PeerException {
    private static final long serialVersionUID = 1L;

    public Remote(NodeId target, String message) {
      super(target, target + " failed: " + message, null);
    }
  }
}
