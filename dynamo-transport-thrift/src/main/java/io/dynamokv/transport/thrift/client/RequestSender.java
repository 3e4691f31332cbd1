/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.client.ClientConnectionPool.NotDeliveredException;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.thrift.TException;
import org.apache.thrift.transport.TTransportException;

/**
 * The client's requests on the wire: each sent to the nodes {@link TargetChooser} orders, with
 * failover where it is safe, and the node's answer or failure turned into the client API's result
 * or exception. Thread-safe.
 */
final class RequestSender {
  private final ClientConnectionPool pool;
  private final TargetChooser chooser;
  private final TopologyRefresher topology;
  private final Duration requestTimeout;
  private final int maxReadAttempts;
  private final LongAdder failovers;

  RequestSender(
      ClientConnectionPool pool,
      TargetChooser chooser,
      TopologyRefresher topology,
      Duration requestTimeout,
      int maxReadAttempts,
      LongAdder failovers) {
    this.pool = pool;
    this.chooser = chooser;
    this.topology = topology;
    this.requestTimeout = requestTimeout;
    this.maxReadAttempts = maxReadAttempts;
    this.failovers = failovers;
  }

  /** One request on a connection. */
  @FunctionalInterface
  interface Call<R> {
    R send(DynamoService.Client client) throws TException;
  }

  /**
   * Sends a request to {@code store}'s {@code key} through the targets best first: a node that
   * cannot be reached, that is shutting down or does not own the key is skipped (reads also skip
   * transport failures and internal errors, up to their attempts); a write that was sent and got no
   * answer is surfaced with its outcome unknown, never resent.
   */
  <R> R send(
      boolean read, String op, String store, byte[] key, RequestOptions options, Call<R> call) {
    Duration timeout = options.timeout() == null ? requestTimeout : options.timeout();
    Duration socketTimeout = timeout.plus(ThriftDynamoClient.SOCKET_SLACK);
    List<ClientTarget> targets = targets(store, key, read);
    int limit = read ? maxReadAttempts : targets.size();
    List<String> tried = new ArrayList<>();
    int attempt = 0;
    for (ClientTarget target : targets) {
      if (attempt == limit) {
        break;
      }
      attempt++;
      ClientConnectionPool.Lease lease;
      try {
        lease = pool.borrow(target.address(), socketTimeout, socketTimeout);
      } catch (NotDeliveredException e) {
        tried.add(target + ": " + e.getMessage());
        suspect(target);
        continue;
      }
      R reply;
      boolean clean = false;
      try {
        reply = call.send(lease.client());
        clean = true;
      } catch (DynamoError e) {
        // A declared error is a complete exchange: the connection stays usable.
        clean = true;
        ErrorCode code = e.getCode();
        if (code == ErrorCode.SHUTTING_DOWN || code == ErrorCode.NOT_A_REPLICA) {
          // Answered before anything was done: safe to send elsewhere, reads and writes alike.
          tried.add(target + ": " + code + " " + e.getMessage());
          if (code == ErrorCode.SHUTTING_DOWN) {
            suspect(target);
          } else {
            topology.requestRefresh();
          }
          continue;
        }
        if (read && (code == ErrorCode.INTERNAL || code == null)) {
          tried.add(target + ": " + code + " " + e.getMessage());
          continue;
        }
        throw ThriftCodec.toException(e);
      } catch (TException e) {
        if (e instanceof TTransportException) {
          suspect(target);
        }
        String reason = ClientConnectionPool.describe(e);
        if (read) {
          tried.add(target + ": " + reason);
          continue;
        }
        throw new ThriftDynamoClient.UnavailableException(
            op
                + " on store '"
                + store
                + "' was sent to "
                + target
                + " and failed before an answer ("
                + reason
                + "): its outcome is unknown, it may have been applied; read the key to find out",
            true,
            e);
      } finally {
        if (clean) {
          lease.release();
        } else {
          lease.discard();
        }
      }
      chooser.answered(target.address());
      if (attempt > 1) {
        failovers.increment();
      }
      return reply;
    }
    throw new ThriftDynamoClient.UnavailableException(
        op
            + " on store '"
            + store
            + "' could not be served"
            + (read ? "" : "; it was not applied")
            + ". Tried "
            + String.join("; ", tried)
            + (targets.isEmpty() ? "no node (none is known)" : ""),
        false,
        null);
  }

  private List<ClientTarget> targets(String store, byte[] key, boolean read) {
    ClientTopology topo = topology.current();
    if (topo.ring() == null) {
      topology.requestRefresh();
    }
    return chooser.targets(topo, store, key, read);
  }

  private void suspect(ClientTarget target) {
    chooser.suspect(target.address());
    topology.requestRefresh();
  }
}
