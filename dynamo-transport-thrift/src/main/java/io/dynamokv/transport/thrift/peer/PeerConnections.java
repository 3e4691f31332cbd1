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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.TException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one peer: at most the pool size, each carrying up to {@code
 * maxCallsPerConnection} calls at once; the calls waiting for room, connecting on the connector
 * threads and the reconnect backoff. A call goes to the connection with the fewest calls that has
 * room; another connection is opened only when none has room, or when the one chosen has requests
 * the socket has not taken yet (the peer reads slowly) and the pool may grow. Guarded by its
 * monitor.
 */
final class PeerConnections {
  private static final Logger log = LoggerFactory.getLogger(ThriftPeerTransport.class);
  private final ThriftPeerTransport t;
  final NodeId id;
  final List<PeerClient> clients = new ArrayList<>(); // connected, in use or not
  final ArrayDeque<OutboundCall> waiting = new ArrayDeque<>();
  int connecting;
  int failures; // consecutive failed connects
  long retryAt;
  String lastFailure = "";

  PeerConnections(ThriftPeerTransport t, NodeId id) {
    this.t = t;
    this.id = id;
  }

  /** Connections open or opening. */
  int open() {
    return clients.size() + connecting;
  }

  void submit(OutboundCall call) {
    PeerClient client = null;
    boolean connect = false;
    PeerException refusal = null;
    List<PeerClient> retired = new ArrayList<>();
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
      } else if ((client = choose(now, retired)) == null) {
        if ((long) connecting * (t.maxCallsPerConnection - 1) > waiting.size()) {
          waiting.add(call); // a connection being opened takes it
        } else if (open() < t.poolSize) {
          connecting++;
          connect = true;
        } else if (waiting.size() < t.maxQueuedCalls) {
          waiting.add(call);
        } else {
          refusal =
              new PeerException.Unreachable(
                  id,
                  waiting.size()
                      + " calls already wait for one of "
                      + t.poolSize
                      + " connections ("
                      + t.maxCallsPerConnection
                      + " calls each)");
        }
      }
    }
    retired.forEach(PeerClient::close);
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
   * The connection for the next call, counted as taken; null if a new one should be opened or the
   * call wait. Retires (into {@code retired}, to close) the connections without calls that the peer
   * has closed or that were idle longer than {@code maxIdle} (before the peer's idle timeout closes
   * them under a call).
   */
  private PeerClient choose(long now, List<PeerClient> retired) {
    while (true) {
      PeerClient best = null;
      for (PeerClient c : clients) {
        if (!c.retiring
            && c.load < t.maxCallsPerConnection
            && (best == null || c.load < best.load)) {
          best = c;
        }
      }
      if (best != null
          && best.load == 0
          && (now - best.idleSince > t.maxIdleNanos || !best.looksOpen())) {
        clients.remove(best);
        retired.add(best);
        continue;
      }
      if (best == null
          || (best.load > 0 && open() < t.poolSize && best.backedUp() && connecting == 0)) {
        return null;
      }
      best.load++;
      return best;
    }
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

  synchronized void forget(OutboundCall call) {
    waiting.remove(call);
  }

  /**
   * A call on {@code client} ended and the connection is fine: its room goes to the next waiting
   * call, if any.
   */
  void release(PeerClient client) {
    OutboundCall next;
    OutboundCall connectFor = null;
    boolean retire = false;
    synchronized (this) {
      client.load--;
      if (!clients.contains(client)) {
        return; // discarded meanwhile
      }
      next = t.closed || client.retiring ? null : nextWaiting();
      if (next != null) {
        client.load++;
      } else if (client.load == 0) {
        client.idleSince = System.nanoTime();
        retire = (t.closed || client.retiring) && clients.remove(client);
        if (retire && !t.closed && !backingOff(System.nanoTime()) && open() < t.poolSize) {
          connectFor = nextWaiting(); // its room is gone: the calls waiting get a connection
          if (connectFor != null) {
            connecting++;
          }
        }
      }
    }
    if (retire) {
      client.close();
      if (connectFor != null) {
        connectAsync(connectFor);
      }
    } else if (next != null) {
      dispatch(next, client);
    }
  }

  /**
   * Something failed on {@code client}: it is closed (its other calls fail), and a waiting call
   * gets a new connection. Idempotent.
   */
  void discard(PeerClient client) {
    OutboundCall next = null;
    synchronized (this) {
      if (!clients.remove(client)) {
        return;
      }
      if (!t.closed && !backingOff(System.nanoTime())) {
        next = nextWaiting();
        if (next != null) {
          connecting++;
        }
      }
    }
    client.close();
    if (next != null) {
      connectAsync(next);
    }
  }

  /** Sends {@code call} on {@code client}, which counts it in its load. */
  void dispatch(OutboundCall call, PeerClient client) {
    if (!call.markSent()) {
      release(client); // the call ended (deadline) while it waited
      return;
    }
    byte[] payload;
    try {
      payload = PeerClient.serialize(call.envelope);
    } catch (TException | RuntimeException | OutOfMemoryError e) {
      // The call's own trouble (no heap for the request): the connection serves the others.
      release(client);
      call.fail(new PeerException.Unreachable(id, "could not encode the call: " + e), false);
      return;
    }
    Exchange exchange;
    try {
      exchange = new Exchange(t, call, client, this);
      client.send(payload, exchange);
    } catch (TException | RuntimeException | OutOfMemoryError e) {
      // Not started (the connection is closed or broke): nothing was sent.
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
        connecting--;
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
    PeerClient opened;
    List<OutboundCall> more = new ArrayList<>();
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
          new PeerClient(
              channel,
              secure,
              t.selector,
              t.protocol,
              t.maxResponseFrameBytes,
              t.maxCallsPerConnection,
              t.requestsSent,
              t.requestWrites);
      client.register();
      synchronized (this) {
        failures = 0;
        connecting--;
        if (t.closed) {
          client.close();
          call.fail(new PeerException.Unreachable(id, "transport closed"), true);
          return;
        }
        clients.add(client);
        client.load = 1;
        OutboundCall next;
        while (client.load < t.maxCallsPerConnection && (next = nextWaiting()) != null) {
          client.load++;
          more.add(next);
        }
      }
      opened = client;
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
      return;
    }
    // Outside the try: a call's own failure is not a failed connect.
    dispatch(call, opened);
    for (OutboundCall next : more) {
      dispatch(next, opened);
    }
  }

  /**
   * A connect failed: the call and every waiting call fail (none was sent), and with {@code
   * backoff} the peer is backed off.
   */
  private void connectFailed(OutboundCall call, String reason, boolean backoff) {
    List<OutboundCall> failed = new ArrayList<>();
    synchronized (this) {
      connecting--;
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

  synchronized void shutdown(List<PeerClient> closing) {
    closing.addAll(clients);
    clients.clear();
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
