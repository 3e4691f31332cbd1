/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.Failures;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.PeerRequest;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.thrift.TBase;
import org.apache.thrift.TDeserializer;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TCompactProtocol;

/**
 * A peer network inside one JVM: a call is handed to the target node's handler on a delivery
 * thread, request and response each serialized to Thrift compact bytes and back through {@link
 * ThriftCodec} (so the codec is exercised as on the wire). Obeys the {@link PeerTransport}
 * contract: an unknown, stopped or closed node is {@link PeerException.Unreachable} (not
 * delivered), a handler failure is {@link PeerException.Remote}, no answer in time is {@link
 * PeerException.Timeout}.
 */
final class InProcessPeers implements PeerTransportFactory, AutoCloseable {
  private final Map<NodeId, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final ExecutorService delivery =
      Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "in-process-peers");
            t.setDaemon(true);
            return t;
          });

  @Override
  public Peers create(NodeId self, AddressBook book) {
    Endpoint endpoint = new Endpoint(self);
    endpoints.put(self, endpoint);
    return new Peers(endpoint, NOT_SERVED);
  }

  /** Stops delivering. */
  @Override
  public void close() {
    endpoints.values().forEach(Endpoint::close);
    delivery.shutdownNow();
  }

  /** Peer requests arrive in process, never over the socket. */
  private static final PeerService.AsyncIface NOT_SERVED =
      (envelope, callback) ->
          callback.onError(
              new DynamoError(
                  ErrorCode.INVALID_REQUEST, "this test cluster delivers peer calls in process"));

  private final class Endpoint implements PeerTransport {
    private final NodeId self;
    private volatile PeerHandler handler;
    private volatile boolean closed;

    Endpoint(NodeId self) {
      this.self = self;
    }

    @Override
    public CompletionStage<PeerMessage> call(NodeId target, PeerMessage request, Duration timeout) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new PeerException.Unreachable(target, self + "'s transport is closed"));
      }
      Endpoint to = endpoints.get(target);
      if (to == null || to.closed) {
        return CompletableFuture.failedFuture(
            new PeerException.Unreachable(target, "unknown or stopped"));
      }
      byte[] wire;
      try {
        wire = serialize(ThriftCodec.toThrift(request));
      } catch (TException e) {
        return CompletableFuture.failedFuture(new PeerException.Remote(target, e.toString()));
      }
      CompletableFuture<PeerMessage> reply = new CompletableFuture<>();
      try {
        delivery.execute(() -> to.receive(self, wire, reply));
      } catch (RejectedExecutionException e) {
        return CompletableFuture.failedFuture(new PeerException.Unreachable(target, "closed"));
      }
      long millis = Math.max(1, timeout.toMillis());
      CompletableFuture<PeerMessage> result = new CompletableFuture<>();
      reply
          .orTimeout(millis, TimeUnit.MILLISECONDS)
          .whenComplete(
              (message, error) -> {
                if (error == null) {
                  result.complete(message);
                  return;
                }
                Throwable e = Failures.unwrap(error);
                result.completeExceptionally(
                    e instanceof TimeoutException
                        ? new PeerException.Timeout(target, millis)
                        : e instanceof PeerException
                            ? e
                            : new PeerException.Remote(target, e.toString()));
              });
      return result;
    }

    private void receive(NodeId from, byte[] wire, CompletableFuture<PeerMessage> reply) {
      PeerHandler h = handler;
      if (closed) {
        reply.completeExceptionally(new PeerException.Unreachable(self, "stopped"));
        return;
      }
      if (h == null) {
        reply.completeExceptionally(new PeerException.Remote(self, "not serving yet"));
        return;
      }
      CompletionStage<PeerMessage> handled;
      try {
        PeerMessage request = ThriftCodec.fromThrift(deserialize(new PeerRequest(), wire));
        handled = h.handle(from, request);
      } catch (TException | RuntimeException e) {
        reply.completeExceptionally(new PeerException.Remote(self, e.toString()));
        return;
      }
      handled.whenComplete(
          (response, error) -> {
            if (error != null) {
              reply.completeExceptionally(
                  new PeerException.Remote(self, Failures.unwrap(error).toString()));
              return;
            }
            try {
              byte[] back = serialize(ThriftCodec.toThriftResponse(response));
              reply.complete(ThriftCodec.fromThrift(deserialize(new PeerResponse(), back)));
            } catch (TException | RuntimeException e) {
              reply.completeExceptionally(new PeerException.Remote(self, e.toString()));
            }
          });
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

  private static byte[] serialize(TBase<?, ?> message) throws TException {
    return new TSerializer(new TCompactProtocol.Factory()).serialize(message);
  }

  private static <T extends TBase<?, ?>> T deserialize(T into, byte[] bytes) throws TException {
    new TDeserializer(new TCompactProtocol.Factory()).deserialize(into, bytes);
    return into;
  }
}
