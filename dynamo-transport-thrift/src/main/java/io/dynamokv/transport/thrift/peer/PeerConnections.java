/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.transport.thrift.AddressBook;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.TException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool of one peer: its connections (at most the pool size, each carrying one call
 * at a time), the calls waiting for one, connecting on the connector threads and the reconnect
 * backoff. Guarded by its monitor.
 */
final class PeerConnections {
  private static final Logger log = LoggerFactory.getLogger(ThriftPeerTransport.class);
  private final ThriftPeerTransport t;
  final NodeId id;
  final ArrayDeque<PeerClient> idle = new ArrayDeque<>();
  final ArrayDeque<OutboundCall> waiting = new ArrayDeque<>();
  final Set<PeerClient> all = new HashSet<>(); // for close only, never iterated otherwise
  int open; // connected or connecting
  int failures; // consecutive failed connects
  long retryAt;
  String lastFailure = "";

  PeerConnections(ThriftPeerTransport t, NodeId id) {
    this.t = t;
    this.id = id;
  }

  void submit(OutboundCall call) {
    PeerClient client = null;
    boolean connect = false;
    PeerException refusal = null;
    synchronized (this) {
      long now = System.nanoTime();
      if (t.closed) {
        refusal = new PeerException.Unreachable(id, "transport closed");
      } else if (backingOff(now)) {
        refusal =
            new PeerException.Unreachable(
                id,
                lastFailure
                    + "; backing off, next connect in "
                    + TimeUnit.NANOSECONDS.toMillis(retryAt - now)
                    + " ms");
      } else if ((client = takeIdle()) == null) {
        if (open < t.poolSize) {
          open++;
          connect = true;
        } else if (waiting.size() < t.maxQueuedCalls) {
          waiting.add(call);
        } else {
          refusal =
              new PeerException.Unreachable(
                  id,
                  waiting.size() + " calls already wait for one of " + t.poolSize + " connections");
        }
      }
    }
    if (refusal != null) {
      call.fail(refusal, true);
    } else if (client != null) {
      dispatch(call, client);
    } else if (connect) {
      connectAsync(call);
    }
  }

  private boolean backingOff(long now) {
    return failures > 0 && now - retryAt < 0;
  }

  /**
   * An idle connection that still looks open, closing the ones the peer has closed and the ones
   * idle for longer than {@code maxIdle} (before the peer's idle timeout closes them under a call).
   */
  private PeerClient takeIdle() {
    PeerClient client;
    long now = System.nanoTime();
    while ((client = idle.pollFirst()) != null) {
      if (now - client.idleSince <= t.maxIdleNanos && client.looksOpen()) {
        return client;
      }
      retire(client);
    }
    return null;
  }

  private OutboundCall nextWaiting() {
    OutboundCall call;
    while ((call = waiting.poll()) != null) {
      if (!call.isDone()) {
        return call;
      }
    }
    return null;
  }

  private void retire(PeerClient client) {
    open--;
    all.remove(client);
    client.close();
  }

  synchronized void forget(OutboundCall call) {
    waiting.remove(call);
  }

  /** A call finished well on {@code client}: it serves the next waiting call or goes idle. */
  void release(PeerClient client) {
    OutboundCall next;
    synchronized (this) {
      if (t.closed) {
        retire(client);
        return;
      }
      next = nextWaiting();
      if (next == null) {
        client.idleSince = System.nanoTime();
        idle.addFirst(client); // most recently used first: the others may age out
        return;
      }
    }
    dispatch(next, client);
  }

  /** Something failed on {@code client}: it is closed, and a waiting call gets a new one. */
  void discard(PeerClient client) {
    OutboundCall next = null;
    synchronized (this) {
      retire(client);
      if (!t.closed && !backingOff(System.nanoTime())) {
        next = nextWaiting();
        if (next != null) {
          open++;
        }
      }
    }
    if (next != null) {
      connectAsync(next);
    }
  }

  void dispatch(OutboundCall call, PeerClient client) {
    if (!call.markSent()) {
      release(client); // the call ended (deadline) while it waited
      return;
    }
    Exchange exchange;
    try {
      exchange = new Exchange(t, call, client, this);
      client.send(call.envelope, exchange);
    } catch (TException | RuntimeException | OutOfMemoryError e) {
      // Not started (the connection is closed, or no heap for the request): nothing was sent.
      discard(client);
      call.fail(new PeerException.Unreachable(id, "could not start the call: " + e), false);
      return;
    }
    call.sentOn(exchange); // from here the exchange frees the connection
  }

  private void connectAsync(OutboundCall call) {
    try {
      t.connector.execute(() -> connect(call));
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        open--;
      }
      call.fail(new PeerException.Unreachable(id, "transport closed"), true);
    }
  }

  /** On a t.connector thread: opens a connection for {@code call} (counted in {@link #open}). */
  private void connect(OutboundCall call) {
    Optional<InetSocketAddress> known = t.addresses.resolve(id);
    if (known.isEmpty()) {
      connectFailed(call, "no address known", false);
      return;
    }
    InetSocketAddress address = known.get();
    SocketChannel channel = null;
    try {
      InetSocketAddress resolved =
          address.isUnresolved()
              ? new InetSocketAddress(address.getHostString(), address.getPort())
              : address;
      if (resolved.isUnresolved()) {
        throw new UnknownHostException(address.getHostString());
      }
      channel = SocketChannel.open();
      channel.socket().connect(resolved, t.connectTimeoutMillis);
      SecureChannel secure = t.openChannel(channel.socket(), id);
      PeerClient client =
          new PeerClient(channel, secure, t.selector, t.protocol, t.maxResponseFrameBytes);
      client.register();
      synchronized (this) {
        failures = 0;
        if (t.closed) {
          open--;
          client.close();
          call.fail(new PeerException.Unreachable(id, "transport closed"), true);
          return;
        }
        all.add(client);
      }
      dispatch(call, client);
    } catch (IOException | TException | RuntimeException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
      String reason =
          e instanceof AuthenticationException
              ? "refused the handshake with "
                  + AddressBook.hostPort(address)
                  + ": "
                  + e.getMessage()
              : "cannot connect to " + AddressBook.hostPort(address) + ": " + e;
      connectFailed(call, reason, true);
    }
  }

  /**
   * A connect failed: the call and every waiting call fail (none was sent), and with {@code
   * backoff} the peer is backed off.
   */
  private void connectFailed(OutboundCall call, String reason, boolean backoff) {
    List<OutboundCall> failed = new ArrayList<>();
    synchronized (this) {
      open--;
      if (backoff) {
        failures++;
        long delay = backoffNanos(failures);
        retryAt = System.nanoTime() + delay;
        lastFailure = reason;
        log.debug(
            "{} -> {}: {}; backing off {} ms",
            t.self,
            id,
            reason,
            TimeUnit.NANOSECONDS.toMillis(delay));
      }
      OutboundCall next;
      while ((next = nextWaiting()) != null) {
        failed.add(next);
      }
    }
    call.fail(new PeerException.Unreachable(id, reason), false);
    for (OutboundCall c : failed) {
      c.fail(new PeerException.Unreachable(id, reason), false);
    }
  }

  /**
   * The peer is reachable again: a backoff in force ends now, for one connect (its failure backs
   * off longer, as any failed connect does).
   */
  synchronized void retryNow() {
    long now = System.nanoTime();
    if (backingOff(now)) {
      retryAt = now;
    }
  }

  synchronized void shutdown(List<PeerClient> clients) {
    clients.addAll(all);
    all.clear();
    idle.clear();
    waiting.clear(); // failed with every pending call
  }

  /** The backoff after {@code failures} consecutive failed connects: doubling, capped. */
  private long backoffNanos(int failures) {
    long delay = t.backoffInitialNanos;
    for (int i = 1; i < failures && delay < t.backoffMaxNanos; i++) {
      delay *= 2;
    }
    return Math.min(delay, t.backoffMaxNanos);
  }
}
