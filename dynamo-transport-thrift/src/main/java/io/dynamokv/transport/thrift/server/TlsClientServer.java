/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.transport.thrift.FrameBoundedTransport;
import io.dynamokv.transport.thrift.InMemoryTransport;
import io.dynamokv.transport.thrift.NestingLimitedProtocol;
import io.dynamokv.transport.thrift.ThrottledLog;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import org.apache.thrift.TException;
import org.apache.thrift.TProcessor;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TIOStreamTransport;
import org.apache.thrift.transport.TTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the client service ({@link DynamoService}) over TLS: framed transport and the compact
 * protocol inside TLS, so {@code ThriftDynamoClient} speaks to it as to the non-blocking client
 * listener ({@link ThriftServer#serveClients}) once its connections are TLS ones. A node runs it on
 * its client port in place of that listener when clients must use TLS.
 *
 * <p>libthrift's non-blocking servers have no TLS, so this one blocks: a thread per connection (at
 * most {@code maxConnections}: further connections are closed on accept, not queued) reads a whole
 * frame, then the generated synchronous processor answers it through {@link BlockingDynamoService},
 * which waits, bounded, for the asynchronous handler. It applies the client listener's limits:
 * frame size, the shared read-buffer budget, string and container sizes, nesting ({@link
 * FrameBoundedTransport}, {@link NestingLimitedProtocol}); and it closes a connection whose
 * handshake or request frame takes longer than {@code frameReadTimeout}, or that sends nothing for
 * {@code idleTimeout}.
 *
 * <p>A client that connects without TLS and sends a framed request (the first byte of a TLS
 * connection, 0x16, would announce a frame over 350 MB) gets one answer, an {@code INVALID_REQUEST}
 * error saying the port serves TLS only, and is disconnected. A failed handshake (an untrusted or
 * missing client certificate, no common protocol) closes its connection only; both are counted and
 * logged at most every 10 seconds.
 *
 * <p>{@link #close()} is graceful: it stops accepting, answers new requests {@link
 * ErrorCode#SHUTTING_DOWN}, lets the ones being answered finish for up to {@code shutdownGrace},
 * then closes every connection.
 */
public final class TlsClientServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsClientServer.class);

  /** The first byte of every TLS connection: a handshake record. */
  private static final int TLS_HANDSHAKE_RECORD = 0x16;

  private final TlsClientServerConfig config;
  private final TlsContext tls;
  private final ServerSocket listener;
  private final InetSocketAddress bound;
  private final TProcessor processor;
  private final TProcessor refusePlaintext;
  private final ExecutorService workers;
  private final Thread acceptor;
  private final Semaphore readBudget;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger answering = new AtomicInteger();
  private final Object answered = new Object();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong handshakeFailures = new AtomicLong();
  private final AtomicLong plaintextRefused = new AtomicLong();
  private final AtomicLong idleClosed = new AtomicLong();
  private final AtomicLong stalled = new AtomicLong();
  private final AtomicLong invalidFrames = new AtomicLong();
  private final ThrottledLog rejectedLog = new ThrottledLog(log, Duration.ofSeconds(10));
  private final ThrottledLog handshakeLog = new ThrottledLog(log, Duration.ofSeconds(10));
  private final ThrottledLog plaintextLog = new ThrottledLog(log, Duration.ofSeconds(10));
  private final ThrottledLog frameLog = new ThrottledLog(log, Duration.ofSeconds(10));
  private volatile boolean draining;
  private boolean closed;

  private TlsClientServer(
      TlsClientServerConfig config, TlsContext tls, DynamoService.AsyncIface service)
      throws IOException {
    this.config = config;
    this.tls = tls;
    this.listener = new ServerSocket();
    listener.setReuseAddress(true);
    try {
      listener.bind(config.bind(), 128);
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    this.bound = new InetSocketAddress(config.bind().getAddress(), listener.getLocalPort());
    this.processor =
        new DynamoService.Processor<>(
            new BlockingDynamoService(service, config.answerTimeout(), () -> draining));
    this.refusePlaintext = new DynamoService.Processor<>(refusing(bound));
    this.readBudget = new Semaphore((int) Math.min(Integer.MAX_VALUE, config.maxReadBufferBytes()));
    AtomicInteger threads = new AtomicInteger();
    this.workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t =
                  new Thread(r, "thrift-tls-" + bound.getPort() + "-" + threads.getAndAdd(1));
              t.setDaemon(true);
              return t;
            });
    this.acceptor = new Thread(this::acceptLoop, "thrift-tls-accept-" + bound.getPort());
    acceptor.setDaemon(true);
  }

  /**
   * Starts serving {@code service}; returns once the port is bound.
   *
   * @throws ThriftServer.PortUnavailableException when the address cannot be bound
   */
  public static TlsClientServer start(
      TlsClientServerConfig config, TlsContext tls, DynamoService.AsyncIface service) {
    TlsClientServer s;
    try {
      s = new TlsClientServer(config, tls, service);
    } catch (IOException e) {
      throw new ThriftServer.PortUnavailableException(config.bind(), e);
    }
    s.acceptor.start();
    log.info(
        "Thrift TLS client server listening on {}{}",
        s.address(),
        tls.requiresClientCertificates() ? " (client certificates required)" : "");
    return s;
  }

  /** The bound address (with the actual port when the configuration asked for port 0). */
  public InetSocketAddress address() {
    return bound;
  }

  /** Open connections. */
  public int openConnections() {
    return open.get();
  }

  /** Connections closed on accept because {@code maxConnections} were open. */
  public long rejectedConnections() {
    return rejected.get();
  }

  /** Connections whose TLS handshake failed (untrusted or missing certificates, no protocol). */
  public long handshakeFailures() {
    return handshakeFailures.get();
  }

  /** Connections that sent a request without TLS and were told to use TLS. */
  public long plaintextRefused() {
    return plaintextRefused.get();
  }

  /** Connections closed after {@code idleTimeout} without a request. */
  public long idleClosed() {
    return idleClosed.get();
  }

  /**
   * Connections closed because a handshake or frame did not complete in {@code frameReadTimeout}.
   */
  public long stalledConnections() {
    return stalled.get();
  }

  /** Connections closed because they announced a frame size that is not positive or too large. */
  public long invalidFrames() {
    return invalidFrames.get();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (!listener.isClosed()) {
          log.warn("Thrift TLS server on {}: accept failed: {}", bound, e.toString());
          // E.g. out of file descriptors: let connections close rather than spin.
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        continue;
      }
      if (open.incrementAndGet() > config.maxConnections()) {
        open.decrementAndGet();
        rejected.incrementAndGet();
        rejectedLog.warn(
            "refusing a TLS connection: {} connections are open (max-connections)", open.get());
        closeQuietly(socket);
        continue;
      }
      sockets.add(socket);
      try {
        workers.execute(() -> serve(socket));
      } catch (RejectedExecutionException e) {
        forget(socket);
      }
    }
  }

  private void serve(Socket socket) {
    String remote = String.valueOf(socket.getRemoteSocketAddress());
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(millis(config.frameReadTimeout()));
      InputStream raw = socket.getInputStream();
      int first = raw.read();
      if (first < 0 || draining) {
        return;
      }
      InputStream consumed = new ByteArrayInputStream(new byte[] {(byte) first});
      if (first != TLS_HANDSHAKE_RECORD) {
        plaintextRefused.incrementAndGet();
        plaintextLog.warn(
            "a client at {} sent a request without TLS to port {}, which serves TLS only: told to use TLS",
            remote,
            bound.getPort());
        exchange(
            socket, new SequenceInputStream(consumed, raw), socket.getOutputStream(), true, remote);
        return;
      }
      SSLSocket ssl = tls.server(socket, consumed);
      ssl.setSoTimeout(millis(config.frameReadTimeout()));
      try {
        ssl.startHandshake();
      } catch (SocketTimeoutException e) {
        stalled.incrementAndGet();
        handshakeLog.warn("closing a TLS connection from {}: handshake timed out", remote);
        return;
      } catch (IOException e) {
        handshakeFailures.incrementAndGet();
        handshakeLog.warn("TLS handshake with {} failed: {}", remote, e.getMessage());
        return;
      }
      exchange(ssl, ssl.getInputStream(), ssl.getOutputStream(), false, remote);
    } catch (SocketTimeoutException e) {
      stalled.incrementAndGet();
    } catch (IOException | TException e) {
      if (!draining) {
        log.debug("TLS connection from {} closed: {}", remote, e.toString());
      }
    } catch (RuntimeException e) {
      log.warn("TLS connection from {} failed", remote, e);
    } finally {
      forget(socket);
    }
  }

  /**
   * Answers requests until the connection closes, fails or idles; {@code once}: answers one with
   * {@link #refusePlaintext}.
   */
  private void exchange(
      Socket socket, InputStream rawIn, OutputStream rawOut, boolean once, String remote)
      throws IOException, TException {
    InputStream in = new BufferedInputStream(rawIn);
    TTransport out =
        new FrameBoundedTransport(
            new TIOStreamTransport(new BufferedOutputStream(rawOut)), config.maxFrameBytes());
    TProtocol oprot = protocol(out);
    byte[] header = new byte[4];
    while (true) {
      socket.setSoTimeout(millis(once ? config.frameReadTimeout() : config.idleTimeout()));
      int first;
      try {
        first = in.read();
      } catch (SocketTimeoutException e) {
        idleClosed.incrementAndGet();
        return;
      }
      if (first < 0) {
        return;
      }
      long deadline = System.nanoTime() + config.frameReadTimeout().toNanos();
      header[0] = (byte) first;
      if (!readFully(socket, in, header, 1, 3, deadline, remote)) {
        return;
      }
      int size =
          ((header[0] & 0xff) << 24)
              | ((header[1] & 0xff) << 16)
              | ((header[2] & 0xff) << 8)
              | (header[3] & 0xff);
      if (size <= 0 || size > config.maxFrameBytes()) {
        invalidFrames.incrementAndGet();
        frameLog.warn(
            "closing a connection from {}: it announced a frame of {} bytes (max-frame-bytes {})",
            remote,
            size,
            config.maxFrameBytes());
        return;
      }
      if (!acquire(size, deadline)) {
        stalled.incrementAndGet();
        return;
      }
      try {
        byte[] frame = new byte[4 + size];
        System.arraycopy(header, 0, frame, 0, 4);
        if (!readFully(socket, in, frame, 4, size, deadline, remote)) {
          return;
        }
        answering.incrementAndGet();
        try {
          TTransport request =
              new FrameBoundedTransport(new FrameBytes(frame), config.maxFrameBytes());
          (once ? refusePlaintext : processor).process(protocol(request), oprot);
        } finally {
          if (answering.decrementAndGet() == 0) {
            synchronized (answered) {
              answered.notifyAll();
            }
          }
        }
      } finally {
        readBudget.release(size);
      }
      if (once) {
        return;
      }
    }
  }

  private boolean acquire(int bytes, long deadline) {
    try {
      return readBudget.tryAcquire(bytes, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Reads exactly {@code len} bytes before {@code deadline}; false (and counted) when it could not.
   */
  private boolean readFully(
      Socket socket, InputStream in, byte[] into, int off, int len, long deadline, String remote)
      throws IOException {
    int done = 0;
    while (done < len) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return stalled(remote);
      }
      socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      int n;
      try {
        n = in.read(into, off + done, len - done);
      } catch (SocketTimeoutException e) {
        return stalled(remote);
      }
      if (n < 0) {
        return false;
      }
      done += n;
    }
    return true;
  }

  private boolean stalled(String remote) {
    stalled.incrementAndGet();
    frameLog.warn(
        "closing a TLS connection from {}: its request frame was not complete after {}"
            + " (frame-read-timeout)",
        remote,
        config.frameReadTimeout());
    return false;
  }

  private TProtocol protocol(TTransport transport) {
    return new NestingLimitedProtocol(
        transport, config.maxStringBytes(), config.maxContainerElements());
  }

  private void forget(Socket socket) {
    if (sockets.remove(socket)) {
      open.decrementAndGet();
    }
    closeQuietly(socket);
  }

  /**
   * Graceful stop: stops accepting, refuses new requests, lets those being answered finish (bounded
   * by {@code shutdownGrace}), closes every connection.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    draining = true;
    closeQuietly(listener);
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    synchronized (answered) {
      long left;
      while (answering.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(answered, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (answering.get() > 0) {
      log.warn(
          "Thrift TLS server on {}: {} requests still unanswered after {}; closing anyway",
          bound,
          answering.get(),
          config.shutdownGrace());
    }
    for (Socket s : sockets) {
      forget(s);
    }
    workers.shutdownNow();
    try {
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("Thrift TLS client server on {} stopped", bound);
  }

  /**
   * One whole frame, size included, as {@link FrameBoundedTransport} reads it. Only the framed
   * transport's own checks bound what the protocol may claim: by the time the protocol asks, the
   * frame has left this transport (libthrift's {@code TMemoryInputTransport} would refuse then).
   */
  private static final class FrameBytes extends InMemoryTransport {
    private final byte[] bytes;
    private int position;

    FrameBytes(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
      int n = Math.min(len, bytes.length - position);
      System.arraycopy(bytes, position, buf, off, n);
      position += n;
      return n;
    }

    @Override
    public void write(byte[] buf, int off, int len) {
      throw new UnsupportedOperationException("a request frame is read only");
    }
  }

  private static Object objectMethod(Object proxy, String name, Object[] args) {
    return switch (name) {
      case "hashCode" -> System.identityHashCode(proxy);
      case "equals" -> proxy == args[0];
      default -> "a client service refusing plaintext clients";
    };
  }

  /** Answers every call with {@code INVALID_REQUEST}: connect with TLS. */
  private static DynamoService.Iface refusing(InetSocketAddress bound) {
    String message =
        "port "
            + bound.getPort()
            + " serves clients over TLS only: connect with TLS (give the client a trust store)";
    return (DynamoService.Iface)
        Proxy.newProxyInstance(
            DynamoService.Iface.class.getClassLoader(),
            new Class<?>[] {DynamoService.Iface.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method.getName(), args);
              }
              throw new DynamoError(ErrorCode.INVALID_REQUEST, message);
            });
  }

  private static int millis(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Nothing left to release.
    } catch (RuntimeException e) {
      if (!(e.getCause() instanceof SocketException)) {
        throw e;
      }
    }
  }
}
