/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.server.metrics.NodeMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link TransportFactory#isolated()}: no network, only calls to itself. */
final class IsolatedTransport implements TransportFactory.Transport, PeerTransport {
  private static final Logger log = LoggerFactory.getLogger(IsolatedTransport.class);

  private final NodeId self;
  private volatile PeerHandler handler;
  private volatile boolean closed;

  IsolatedTransport(NodeId self) {
    this.self = self;
  }

  @Override
  public PeerTransport peers() {
    return this;
  }

  @Override
  public void start(DynamoNode node, StorageEngine storage, NodeMetrics metrics) {
    log.warn(
        "no network transport: node {} is isolated; it reaches no peers and accepts no"
            + " connections",
        self);
  }

  @Override
  public CompletionStage<PeerMessage> call(NodeId target, PeerMessage request, Duration timeout) {
    PeerHandler h = handler;
    if (closed || !target.equals(self) || h == null) {
      return CompletableFuture.failedFuture(
          new PeerException.Unreachable(target, "this node has no network transport"));
    }
    CompletableFuture<PeerMessage> answer;
    try {
      answer = h.handle(self, request).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new PeerException.Remote(target, e.toString()));
    }
    return answer
        .copy()
        .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .handle(
            (response, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(response);
              }
              Throwable cause =
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error;
              PeerException failure =
                  cause instanceof TimeoutException
                      ? new PeerException.Timeout(target, timeout.toMillis())
                      : cause instanceof PeerException p
                          ? p
                          : new PeerException.Remote(target, cause.toString());
              return CompletableFuture.<PeerMessage>failedFuture(failure);
            })
        .thenCompose(f -> f);
  }

  @Override
  public void serve(PeerHandler handler) {
    this.handler = handler;
  }

  @Override
  public void close() {
    closed = true;
  }
}
