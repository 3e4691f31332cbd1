/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.FailureCode;

/**
 * A gossip message was refused whole: nothing of it was applied, stored or passed on. A node that
 * receives a refused request answers with this error, so the sender learns why. Frequent under
 * attack, so it carries no stack trace.
 */
public final class GossipRefusedException extends DynamoException {
  private static final long serialVersionUID = 1L;

  private final GossipRefusal.Reason reason;

  public GossipRefusedException(GossipRefusal.Reason reason, String detail) {
    super("gossip refused (" + reason.tag() + "): " + detail);
    this.reason = reason;
  }

  /** What kind of check failed. */
  public GossipRefusal.Reason reason() {
    return reason;
  }

  /** The message without the "gossip refused (reason): " prefix. */
  public String detail() {
    String m = getMessage();
    return m.substring(m.indexOf("): ") + 3);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  /** A refused request is an invalid one: the sender learns why. */
  @Override
  public FailureCode code() {
    return FailureCode.INVALID_REQUEST;
  }
}
