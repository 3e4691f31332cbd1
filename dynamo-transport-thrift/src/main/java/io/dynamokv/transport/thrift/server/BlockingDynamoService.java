/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.core.DynamoException;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.LocalReadResponse;
import io.dynamokv.transport.thrift.gen.NodeStatusInfo;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.RequestOptions;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;

/**
 * The client service for a blocking server: each call starts the asynchronous one and waits for its
 * callback, at most the request's own timeout plus {@code answerTimeout}. Every failure reaches the
 * caller as the {@link DynamoError} the non-blocking server would send: the handler's own error,
 * {@code SHUTTING_DOWN} while the server drains, {@code INTERNAL} when the wait runs out.
 */
final class BlockingDynamoService implements DynamoService.Iface {
  private final DynamoService.AsyncIface service;
  private final Duration answerTimeout;
  private final BooleanSupplier draining;

  BlockingDynamoService(
      DynamoService.AsyncIface service, Duration answerTimeout, BooleanSupplier draining) {
    this.service = service;
    this.answerTimeout = answerTimeout;
    this.draining = draining;
  }

  @Override
  public GetResponse get(GetRequest request) throws DynamoError {
    return await(
        "get", c -> service.get(request, c), request == null ? null : request.getOptions());
  }

  @Override
  public WriteResponse put(PutRequest request) throws DynamoError {
    return await(
        "put", c -> service.put(request, c), request == null ? null : request.getOptions());
  }

  @Override
  public WriteResponse erase(DeleteRequest request) throws DynamoError {
    return await(
        "erase", c -> service.erase(request, c), request == null ? null : request.getOptions());
  }

  @Override
  public ClusterInfo cluster() throws DynamoError {
    return await("cluster", service::cluster, null);
  }

  @Override
  public NodeStatusInfo status() throws DynamoError {
    return await("status", service::status, null);
  }

  @Override
  public void probe(String store) throws DynamoError {
    this.<Void>await("probe", c -> service.probe(store, c), null);
  }

  @Override
  public LocalReadResponse localRead(String store, ByteBuffer key) throws DynamoError {
    return await("localRead", c -> service.localRead(store, key, c), null);
  }

  private <T> T await(String method, Call<T> call, RequestOptions options) throws DynamoError {
    if (draining.getAsBoolean()) {
      throw new DynamoError(ErrorCode.SHUTTING_DOWN, "the node is shutting down; retry elsewhere");
    }
    CompletableFuture<T> answer = new CompletableFuture<>();
    try {
      call.start(
          new AsyncMethodCallback<>() {
            @Override
            public void onComplete(T response) {
              answer.complete(response);
            }

            @Override
            public void onError(Exception e) {
              answer.completeExceptionally(e);
            }
          });
    } catch (RuntimeException | TException e) {
      answer.completeExceptionally(e);
    }
    Duration bound = answerTimeout;
    if (options != null && options.isSetTimeoutMillis() && options.getTimeoutMillis() > 0) {
      bound = bound.plusMillis(options.getTimeoutMillis());
    }
    try {
      return answer.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof DynamoError d ? d : ThriftCodec.toError(cause);
    } catch (TimeoutException e) {
      throw ThriftCodec.toError(
          new DynamoException("the node did not answer " + method + " within " + bound));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DynamoError(ErrorCode.SHUTTING_DOWN, "the node is shutting down; retry elsewhere");
    }
  }

  /** Starts one asynchronous call. */
  @FunctionalInterface
  private interface Call<T> {
    void start(AsyncMethodCallback<T> callback) throws TException;
  }
}
