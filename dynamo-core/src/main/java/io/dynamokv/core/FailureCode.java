/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * Why a request failed, as it travels between nodes and to clients: every {@link DynamoException}
 * names its code ({@link DynamoException#code()}), and {@link #exception} turns a code received
 * from elsewhere back into the exception it stands for, so an error keeps its kind across hops.
 */
public enum FailureCode {
  /** Fewer than R (or W) replicas answered in time; for a write the outcome is unknown. */
  INSUFFICIENT_REPLICAS,
  /** The store is not declared. Nothing was written. */
  STORE_NOT_FOUND,
  /** A key, value, context or sibling set is over a limit. Nothing was written. */
  LIMIT_EXCEEDED,
  /** The context is not one this cluster signed for this store and key. Nothing was written. */
  INVALID_CONTEXT,
  /** The request is malformed. Nothing was written. */
  INVALID_REQUEST,
  /** A forwarded write reached a node that does not own the key. Nothing was written. */
  NOT_A_REPLICA,
  /** The node is shutting down and refuses new requests. Nothing was written. */
  SHUTTING_DOWN,
  /** An unexpected error; the outcome of a write is unknown. */
  INTERNAL,
  /**
   * The caller did not prove that it holds the credential the request needs (the cluster secret, an
   * admin token), or a message of an authenticated connection was replayed or altered. Nothing was
   * done.
   */
  UNAUTHENTICATED,
  /**
   * A replica does not hold the key's partition completely (it lost data and anti-entropy has not
   * restored it yet): it gives no answer rather than a false "absent". Between nodes only; a node
   * of an older release reads it as {@link #INTERNAL}.
   */
  INCOMPLETE;

  /**
   * The exception this code stands for, with a message composed elsewhere.
   *
   * @param answered for {@link #INSUFFICIENT_REPLICAS}: replicas that acknowledged
   * @param required for {@link #INSUFFICIENT_REPLICAS}: the quorum
   */
  public DynamoException exception(String message, int answered, int required) {
    return switch (this) {
      case INSUFFICIENT_REPLICAS -> new InsufficientReplicasException(message, answered, required);
      case STORE_NOT_FOUND -> new StoreNotFoundException(message);
      case LIMIT_EXCEEDED -> new LimitExceededException(message);
      case INVALID_CONTEXT -> new InvalidContextException(message);
      case INVALID_REQUEST -> new InvalidRequestException(message);
      case NOT_A_REPLICA -> new NotAReplicaException(message);
      case SHUTTING_DOWN -> new NodeShuttingDownException(message);
      case INTERNAL -> new InternalException(message);
      case UNAUTHENTICATED -> new AuthenticationException(message);
      case INCOMPLETE -> new IncompleteReplicaException(message);
    };
  }

  /**
   * The code of {@code error}: a {@link DynamoException}'s own, {@link #INVALID_REQUEST} for an
   * {@link IllegalArgumentException} (a request that did not make sense), else {@link #INTERNAL}. A
   * failed stage's {@link java.util.concurrent.CompletionException} is looked through.
   */
  public static FailureCode of(Throwable error) {
    Throwable e = DynamoException.unwrap(error);
    if (e instanceof DynamoException d) {
      return d.code();
    }
    return e instanceof IllegalArgumentException ? INVALID_REQUEST : INTERNAL;
  }
}
