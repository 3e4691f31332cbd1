/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.InvalidContextException;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.membership.GossipRefusedException;
import io.dynamokv.core.node.NodeMessage.Failure;
import io.dynamokv.core.node.NodeMessage.Failure.Code;
import java.util.concurrent.CompletionException;

/**
 * Translates between the domain's exceptions and the {@link Failure} messages that carry them
 * between nodes (and, in transports, to clients), so an error keeps its kind and its counts across
 * hops.
 */
public final class Failures {
  private Failures() {}

  /** The failure message describing {@code error}. */
  public static Failure toMessage(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof InsufficientReplicasException ire) {
      return new Failure(
          Code.INSUFFICIENT_REPLICAS, ire.getMessage(), ire.answered(), ire.required());
    }
    Code code;
    if (e instanceof StoreNotFoundException) {
      code = Code.STORE_NOT_FOUND;
    } else if (e instanceof LimitExceededException) {
      code = Code.LIMIT_EXCEEDED;
    } else if (e instanceof IllegalArgumentException
        || e instanceof InvalidRequestException
        || e instanceof GossipRefusedException) {
      code = Code.INVALID_REQUEST;
    } else if (e instanceof InvalidContextException) {
      code = Code.INVALID_CONTEXT;
    } else if (e instanceof NotAReplicaException) {
      code = Code.NOT_A_REPLICA;
    } else if (e instanceof NodeShuttingDownException) {
      code = Code.SHUTTING_DOWN;
    } else {
      code = Code.INTERNAL;
    }
    return new Failure(code, String.valueOf(e.getMessage()), 0, 0);
  }

  /** The exception a failure message stands for. */
  public static DynamoException toException(Failure failure) {
    return switch (failure.code()) {
      case INSUFFICIENT_REPLICAS ->
          new InsufficientReplicasException(
              failure.message(), failure.answered(), failure.required());
      case STORE_NOT_FOUND -> new StoreNotFoundException(failure.message());
      case LIMIT_EXCEEDED -> new LimitExceededException(failure.message());
      case INVALID_CONTEXT -> new InvalidContextException(failure.message());
      case INVALID_REQUEST -> new InvalidRequestException(failure.message());
      case NOT_A_REPLICA -> new NotAReplicaException(failure.message());
      case SHUTTING_DOWN -> new NodeShuttingDownException(failure.message());
      case INTERNAL -> new DynamoException(failure.message());
    };
  }

  /** The cause of a {@link CompletionException}, or {@code error} itself. */
  public static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /**
   * A request was malformed (e.g. a quorum above N) and was refused before anything was written.
   */
  public static final class InvalidRequestException extends DynamoException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String message) {
      super(message);
    }
  }

  /**
   * A forwarded write reached a node that is not a replica of its key in that node's view of the
   * ring (views differ briefly while a ring change spreads). Nothing was written.
   */
  public static final class NotAReplicaException extends DynamoException {
    private static final long serialVersionUID = 1L;

    public NotAReplicaException(String message) {
      super(message);
    }
  }

  /** The node is shutting down and refuses new requests. Nothing was written. */
  public static final class NodeShuttingDownException extends DynamoException {
    private static final long serialVersionUID = 1L;

    public NodeShuttingDownException(String message) {
      super(message);
    }
  }
}
