/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * A replica was asked to read a key of a partition it does not hold completely: it lost data (an
 * empty or replaced data directory, commits an unclean stop rolled back) and anti-entropy has not
 * restored the partition from the other owners yet. Its answer would say "absent" for keys it only
 * lost, so it gives none: the read coordinator does not count it towards R.
 */
public final class IncompleteReplicaException extends DynamoException {
  private static final long serialVersionUID = 1L;

  public IncompleteReplicaException(String message) {
    super(message);
  }

  @Override
  public FailureCode code() {
    return FailureCode.INCOMPLETE;
  }
}
