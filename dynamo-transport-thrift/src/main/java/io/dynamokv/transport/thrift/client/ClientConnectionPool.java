/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.gen.DynamoService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * Synchronous {@link DynamoService.Client} connections of a {@link ThriftDynamoClient}, pooled per
 * node address ({@code host:port}). A connection has one borrower at a time; at most {@code
 * perNode} connections to one node are borrowed at once. A connection that saw a transport error is
 * {@link Lease#discard() discarded}, never reused.
 *
 * <p>Before an idle connection is lent again it is checked without blocking: one that the server
 * has closed meanwhile (a restarted or stopped node) is dropped and another one used or opened. So
 * a request is only ever sent on a connection that looked alive, and a failure to open a connection
 * means the request was certainly not delivered. A connection idle for longer than {@code maxIdle}
 * is dropped rather than lent: servers close idle connections (the client listener's idle timeout,
 * 5 minutes by default), and one closing as a request starts on it would fail that request.
 *
 * <p>The pool grows with concurrent callers, opening a connection when none is idle, up to {@code
 * perNode}, and shrinks when they go: connections idle for longer than {@code maxIdle} are closed
 * when another is returned and on every {@link #trimIdle()}. Thread-safe.
 */
final class ClientConnectionPool implements AutoCloseable {
  /** How long a connection may stay idle in the pool by default, and still be lent. */
  static final Duration DEFAULT_MAX_IDLE = Duration.ofMinutes(1);

  private final int perNode;
  private final Duration connectTimeout;
  private final int maxFrameBytes;
  private final TlsContext tls;
  private final long maxIdleNanos;
  private final Map<String, NodePool> pools = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param perNode the most connections to one node in use at once
   * @param tls makes every connection a TLS one, or null for plain connections
   * @param maxIdle how long a connection may stay idle before it is closed
   */
  ClientConnectionPool(
      int perNode, Duration connectTimeout, int maxFrameBytes, TlsContext tls, Duration maxIdle) {
    this.perNode = perNode;
    this.connectTimeout = connectTimeout;
    this.maxFrameBytes = maxFrameBytes;
    this.tls = tls;
    this.maxIdleNanos = maxIdle.toNanos();
  }

  /**
   * Lends a live connection to {@code address} with its read timeout set to {@code socketTimeout},
   * waiting up to {@code wait} for one of the node's connections to be returned.
   *
   * @throws NotDeliveredException when no connection could be had; nothing was sent
   */
  Lease borrow(String address, Duration socketTimeout, Duration wait) throws NotDeliveredException {
    if (closed) {
      throw new IllegalStateException("the client is closed");
    }
    NodePool pool = pools.computeIfAbsent(address, a -> new NodePool());
    try {
      if (!pool.permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new NotDeliveredException(
            "all " + perNode + " connections are busy (connections per node)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotDeliveredException("interrupted while waiting for a connection");
    }
    try {
      Connection c;
      long now = System.nanoTime();
      while ((c = pool.idle.pollLast()) != null) {
        if (now - c.idleSince <= maxIdleNanos && c.looksAlive()) {
          c.socket.setSocketTimeout(millis(socketTimeout));
          return new Lease(pool, c);
        }
        c.close();
      }
      c = Connection.open(address, connectTimeout, maxFrameBytes, tls);
      c.socket.setSocketTimeout(millis(socketTimeout));
      return new Lease(pool, c);
    } catch (NotDeliveredException | RuntimeException e) {
      pool.permits.release();
      throw e;
    }
  }

  /** Closes the connections idle for longer than {@code maxIdle}, to every node. */
  void trimIdle() {
    long now = System.nanoTime();
    pools.values().forEach(pool -> pool.trimIdle(now));
  }

  /** Idle connections to {@code address} (for tests). */
  int idle(String address) {
    NodePool pool = pools.get(address);
    return pool == null ? 0 : pool.idle.size();
  }

  /** Closes every idle connection; borrowed ones are closed when returned. Idempotent. */
  @Override
  public void close() {
    closed = true;
    pools.values().forEach(NodePool::closeIdle);
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private final class NodePool {
    final Semaphore permits = new Semaphore(perNode);
    // LIFO: the most recently returned connection is the least likely to have gone stale.
    final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

    void closeIdle() {
      Connection c;
      while ((c = idle.pollLast()) != null) {
        c.close();
      }
    }

    /** Closes the connections at the bottom of the stack that idled past the limit. */
    void trimIdle(long now) {
      Connection oldest;
      while ((oldest = idle.peekFirst()) != null && now - oldest.idleSince > maxIdleNanos) {
        if (idle.removeFirstOccurrence(oldest)) {
          oldest.close();
        }
      }
    }
  }

  /**
   * One borrowed connection: return it with exactly one of {@link #release} or {@link #discard}.
   */
  final class Lease {
    private final NodePool pool;
    private final Connection connection;
    private boolean returned;

    private Lease(NodePool pool, Connection connection) {
      this.pool = pool;
      this.connection = connection;
    }

    DynamoService.Client client() {
      return connection.client;
    }

    /** Returns the connection for reuse: only after a complete exchange (reply or DynamoError). */
    void release() {
      if (returned) {
        return;
      }
      returned = true;
      long now = System.nanoTime();
      connection.idleSince = now;
      pool.idle.offerLast(connection);
      pool.permits.release();
      if (closed) {
        pool.closeIdle();
      } else {
        pool.trimIdle(now);
      }
    }

    /** Closes the connection: after any transport or protocol error. */
    void discard() {
      if (returned) {
        return;
      }
      returned = true;
      connection.close();
      pool.permits.release();
    }
  }

  private static final class Connection {
    final SocketChannel channel;
    final TSocket socket;
    volatile long idleSince = System.nanoTime();
    final DynamoService.Client client;
    private final ByteBuffer probe = ByteBuffer.allocate(1);

    private Connection(SocketChannel channel, TSocket socket, DynamoService.Client client) {
      this.channel = channel;
      this.socket = socket;
      this.client = client;
    }

    static Connection open(
        String address, Duration connectTimeout, int maxFrameBytes, TlsContext tls)
        throws NotDeliveredException {
      InetSocketAddress parsed = AddressBook.parse(address);
      InetSocketAddress resolved = new InetSocketAddress(parsed.getHostString(), parsed.getPort());
      if (resolved.isUnresolved()) {
        throw new NotDeliveredException("cannot resolve host " + parsed.getHostString());
      }
      SocketChannel channel = null;
      try {
        // A channel-backed socket, so that looksAlive() can peek without blocking.
        channel = SocketChannel.open();
        channel.socket().connect(resolved, millis(connectTimeout));
        TSocket socket =
            new TSocket(
                tls == null
                    ? channel.socket()
                    : handshake(
                        tls,
                        channel,
                        parsed.getHostString(),
                        parsed.getPort(),
                        address,
                        connectTimeout));
        DynamoService.Client client =
            new DynamoService.Client(
                new TCompactProtocol(new TFramedTransport(socket, maxFrameBytes)));
        return new Connection(channel, socket, client);
      } catch (IOException | TTransportException | RuntimeException e) {
        closeQuietly(channel);
        throw new NotDeliveredException(
            e instanceof HandshakeFailedException ? e.getMessage() : describe(e));
      }
    }

    /**
     * The TLS side of a connected channel, after a handshake of at most {@code timeout}. The
     * liveness peek of {@link #looksAlive()} still reads the channel: any bytes there (a TLS alert,
     * a close) make the connection look dead, which is what they mean.
     */
    private static SSLSocket handshake(
        TlsContext tls,
        SocketChannel channel,
        String host,
        int port,
        String address,
        Duration timeout)
        throws IOException {
      SSLSocket ssl = tls.client(channel.socket(), host, port);
      ssl.setSoTimeout(millis(timeout));
      try {
        ssl.startHandshake();
      } catch (IOException e) {
        ssl.close();
        throw new HandshakeFailedException(
            "TLS handshake with " + address + " failed: " + describe(e), e);
      }
      return ssl;
    }

    /**
     * Whether the server has neither closed the connection nor sent anything unasked: a
     * non-blocking read of one byte must find nothing.
     */
    boolean looksAlive() {
      try {
        channel.configureBlocking(false);
        probe.clear();
        int read = channel.read(probe);
        channel.configureBlocking(true);
        return read == 0;
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }

    void close() {
      socket.close();
      closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel channel) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // Nothing left to release.
        }
      }
    }
  }

  static String describe(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    if (cause instanceof TTransportException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** A TLS handshake failed: the message says with which node and why. */
  private static final class HandshakeFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    HandshakeFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** No connection could be lent: the request was certainly not sent. */
  static final class NotDeliveredException extends Exception {
    private static final long serialVersionUID = 1L;

    NotDeliveredException(String message) {
      super(message, null, false, false);
    }
  }
}
