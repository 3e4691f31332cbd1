/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.core.DynamoException;
import io.dynamokv.transport.thrift.FrameBoundedTransport;
import io.dynamokv.transport.thrift.NestingLimitedProtocol;
import io.dynamokv.transport.thrift.ThrottledLog;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.PeerService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.thrift.AsyncProcessFunction;
import org.apache.thrift.TBase;
import org.apache.thrift.TBaseAsyncProcessor;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.server.TThreadedSelectorServer;
import org.apache.thrift.transport.TNonblockingServerSocket;
import org.apache.thrift.transport.TNonblockingSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.TTransportFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of a node's Thrift listeners: serves either the client service ({@link DynamoService}, {@link
 * #serveClients}) or the peer service ({@link PeerService}, {@link #servePeers}) on a port of its
 * own, with a {@link TThreadedSelectorServer} that writes each reply on the thread completing it
 * ({@link DirectReplyServer}), framed transport and the compact protocol. Each listener has its own
 * limits, so that clients cannot starve peers of connections or read buffers; a method of the other
 * service is answered with a Thrift application error.
 *
 * <p>Handlers are asynchronous and MUST NOT block: a request is dispatched on a selector thread (or
 * a worker, see {@link ThriftServerConfig#workerThreads()}) and answered whenever its callback
 * completes.
 *
 * <p>Limits ({@link ThriftServerConfig}): a frame over {@code maxFrameBytes} closes its connection;
 * frames being read share {@code maxReadBufferBytes}; strings and containers are bounded within a
 * frame; connections beyond {@code maxConnections} are closed on accept; a connection whose request
 * frame is not complete {@code frameReadTimeout} after its buffer was allocated is closed, which
 * frees its share of the read buffers; a connection with no request for {@code idleTimeout} is
 * closed (its client reconnects). Decoding never allocates more than the frame holds: a length or
 * count that claims more bytes than are left in the frame closes the connection (libthrift 0.20
 * checks such claims only against its 100 MiB message limit), and structs, lists, sets and maps
 * nest at most {@link NestingLimitedProtocol#MAX_NESTING} deep (a protocol error, where libthrift
 * alone would recurse until the stack overflows). A malformed request fails its own connection
 * only.
 *
 * <p>{@link #close()} is graceful: new requests are answered {@link ErrorCode#SHUTTING_DOWN}, those
 * read before get up to {@code shutdownGrace} to finish and have their replies written, then the
 * socket closes.
 */
public final class ThriftServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ThriftServer.class);

  private final ThriftServerConfig config;
  private final String role;
  private final LimitedServerSocket socket;
  private final InetSocketAddress bound;
  private final Engine server;
  private final Thread serveThread;
  private final Object lock = new Object();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger unanswered = new AtomicInteger();

  /** Notified when {@link #unanswered} drops to 0, for {@link #close}. */
  final Object drained = new Object();

  /** Released once the server accepts connections, or once serving ended (startup failed). */
  private final CountDownLatch startedOrFailed = new CountDownLatch(1);

  private final AtomicLong rejectedConnections = new AtomicLong();
  private final AtomicLong directReplies = new AtomicLong();
  private final AtomicLong stalledConnections = new AtomicLong();
  private final AtomicLong idleConnections = new AtomicLong();
  final AtomicLong invalidFrames = new AtomicLong();
  private final ThrottledLog rejectedLog = new ThrottledLog(log, Duration.ofSeconds(10));
  private final ThrottledLog stalledLog = new ThrottledLog(log, Duration.ofSeconds(10));
  final ThrottledLog invalidFrameLog = new ThrottledLog(log, Duration.ofSeconds(10));
  final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService stallSweeper;
  volatile boolean draining;
  private boolean closed;

  /**
   * @param results for a pipelined server ({@link PipelinedServer}), an empty result struct of each
   *     method by name; null for libthrift's server, one request per connection at a time
   */
  @SuppressWarnings("rawtypes")
  private <I> ThriftServer(
      ThriftServerConfig config,
      String role,
      Map<String, AsyncProcessFunction<I, ? extends TBase, ?>> service,
      I iface,
      Map<String, Supplier<TBase<?, ?>>> results)
      throws TTransportException {
    this.config = config;
    this.role = role;
    this.socket = new LimitedServerSocket(config);
    this.bound = new InetSocketAddress(config.bind().getAddress(), socket.getPort());
    Map<String, AsyncProcessFunction<Object, ? extends TBase, ?>> functions = new HashMap<>();
    addGated(functions, service, iface);
    String threads = "thrift-" + role + "-server-" + socket.getPort() + "-selector-";
    if (results != null) {
      this.server =
          new PipelinedServer(
              socket,
              config,
              functions,
              results,
              directReplies,
              startedOrFailed::countDown,
              threads);
    } else {
      TThreadedSelectorServer.Args args =
          new TThreadedSelectorServer.Args(socket)
              .selectorThreads(config.selectorThreads())
              .workerThreads(config.workerThreads())
              .processor(new TBaseAsyncProcessor<>(new Object(), functions))
              .transportFactory(transportFactory(config))
              .protocolFactory(protocolFactory(config));
      args.maxReadBufferBytes = config.maxReadBufferBytes();
      TThreadedSelectorServer libthrift =
          new DirectReplyServer(args, directReplies, threads) {
            @Override
            protected void setServing(boolean serving) {
              super.setServing(serving);
              if (serving) {
                startedOrFailed.countDown();
              }
            }

            @Override
            protected void gracefullyShutdownInvokerPool() {
              // libthrift 0.20 throws NullPointerException here when there is no worker pool.
              if (config.workerThreads() > 0) {
                super.gracefullyShutdownInvokerPool();
              }
            }
          };
      this.server =
          new Engine() {
            @Override
            public void serve() {
              libthrift.serve();
            }

            @Override
            public void stop() {
              libthrift.stop();
            }

            @Override
            public boolean isServing() {
              return libthrift.isServing();
            }
          };
    }
    this.serveThread =
        new Thread(
            () -> {
              try {
                server.serve();
              } catch (RuntimeException e) {
                log.error("Thrift server on {} stopped with an error", address(), e);
              } finally {
                startedOrFailed.countDown();
              }
            },
            "thrift-" + role + "-server-" + socket.getPort());
    serveThread.setDaemon(true);
    this.stallSweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "thrift-" + role + "-sweeper-" + socket.getPort());
              t.setDaemon(true);
              return t;
            });
    long period =
        Math.max(
            TimeUnit.MILLISECONDS.toNanos(10),
            Math.min(
                TimeUnit.SECONDS.toNanos(1),
                Math.min(config.frameReadTimeout().toNanos(), config.idleTimeout().toNanos()) / 4));
    stallSweeper.scheduleWithFixedDelay(
        this::closeStalledConnections, period, period, TimeUnit.NANOSECONDS);
  }

  private void closeStalledConnections() {
    long now = System.nanoTime();
    long limit = config.frameReadTimeout().toNanos();
    long idleLimit = config.idleTimeout().toNanos();
    for (ServerConnection c : connections) {
      if (c.idle(now, idleLimit)) {
        idleConnections.incrementAndGet();
        log.debug(
            "closing a {} connection from {}: no request for {} (idle-timeout)",
            role,
            c.remote(),
            config.idleTimeout());
        c.stopReading();
      } else if (c.frameStalled(now, limit)) {
        stalledConnections.incrementAndGet();
        stalledLog.warn(
            "closing a connection from {}: its request frame was not complete after {}"
                + " (frame-read-timeout)",
            c.remote(),
            config.frameReadTimeout());
        c.stopReading();
      }
    }
  }

  /**
   * Starts the client listener; returns once the port is bound and the server accepts connections.
   *
   * @throws PortUnavailableException when the address cannot be bound (e.g. the port is in use)
   */
  public static ThriftServer serveClients(
      ThriftServerConfig config, DynamoService.AsyncIface client) {
    return start(
        config,
        "client",
        new DynamoService.AsyncProcessor<>(client).getProcessMapView(),
        client,
        null);
  }

  /**
   * Starts the peer listener (node-to-node messages and admin commands); returns once the port is
   * bound and the server accepts connections. It handles many requests of a connection at once
   * ({@link PipelinedServer}): every request on its connection's selector thread ({@link
   * ThriftServerConfig#workerThreads()} does not apply), replies in the order they complete.
   *
   * @throws PortUnavailableException when the address cannot be bound (e.g. the port is in use)
   */
  public static ThriftServer servePeers(ThriftServerConfig config, PeerService.AsyncIface peer) {
    return start(
        config,
        "peer",
        new PeerService.AsyncProcessor<>(peer).getProcessMapView(),
        peer,
        Map.of(
            "hello", PeerService.hello_result::new,
            "exchange", PeerService.exchange_result::new));
  }

  @SuppressWarnings("rawtypes")
  private static <I> ThriftServer start(
      ThriftServerConfig config,
      String role,
      Map<String, AsyncProcessFunction<I, ? extends TBase, ?>> service,
      I iface,
      Map<String, Supplier<TBase<?, ?>>> results) {
    ThriftServer s;
    try {
      s = new ThriftServer(config, role, service, iface, results);
    } catch (TTransportException e) {
      throw new PortUnavailableException(config.bind(), e);
    }
    s.serveThread.start();
    try {
      s.startedOrFailed.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!s.server.isServing()) {
      s.close();
      throw new DynamoException(
          "the Thrift " + role + " server on " + config.bind() + " did not start");
    }
    log.info("Thrift {} server listening on {}", role, s.address());
    return s;
  }

  /** The bound address (with the actual port when the configuration asked for port 0). */
  public InetSocketAddress address() {
    return bound;
  }

  /** Open connections. */
  public int openConnections() {
    return socket.open.get();
  }

  /** Connections closed on accept because {@code maxConnections} were open. */
  public long rejectedConnections() {
    return rejectedConnections.get();
  }

  /** Connections closed because a request frame did not arrive within {@code frameReadTimeout}. */
  public long stalledConnections() {
    return stalledConnections.get();
  }

  /** Connections closed because they sent no request for {@code idleTimeout}. */
  public long idleConnections() {
    return idleConnections.get();
  }

  /**
   * Connections closed because they announced a frame size that is not positive or exceeds {@code
   * maxFrameBytes}: a client not speaking framed Thrift, or sending garbage.
   */
  public long invalidFrames() {
    return invalidFrames.get();
  }

  /**
   * Replies written whole by the thread that completed them, without waking the connection's
   * selector (see {@link DirectReplyServer}).
   */
  public long directReplies() {
    return directReplies.get();
  }

  /** Requests being handled now. */
  public int inFlightRequests() {
    return inFlight.get();
  }

  /**
   * Graceful stop: refuses new requests, lets the ones read before finish and their replies be
   * written (bounded by {@code shutdownGrace}), closes.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    draining = true;
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    // Not just inFlight: a completed request's reply is written later by its selector thread, and
    // stopping the server first would drop it.
    synchronized (drained) {
      long left;
      while (unanswered.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(drained, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    if (unanswered.get() > 0) {
      log.warn(
          "Thrift {} server on {}: {} requests still unanswered after {}; closing anyway",
          role,
          address(),
          unanswered.get(),
          config.shutdownGrace());
    }
    server.stop();
    stallSweeper.shutdownNow();
    try {
      serveThread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    socket.close();
    log.info("Thrift {} server on {} stopped", role, address());
  }

  /** The transports the server decodes each request frame with. */
  public static TTransportFactory transportFactory(ThriftServerConfig config) {
    return new TTransportFactory() {
      @Override
      public TTransport getTransport(TTransport base) throws TTransportException {
        return new FrameBoundedTransport(base, config.maxFrameBytes());
      }
    };
  }

  /** The protocol the server decodes requests and encodes replies with. */
  public static TProtocolFactory protocolFactory(ThriftServerConfig config) {
    return transport ->
        new NestingLimitedProtocol(
            transport, config.maxStringBytes(), config.maxContainerElements());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private <I> void addGated(
      Map<String, AsyncProcessFunction<Object, ? extends TBase, ?>> into,
      Map<String, AsyncProcessFunction<I, ? extends TBase, ?>> functions,
      I iface) {
    functions.forEach(
        (name, fn) -> {
          if (into.put(name, new GatedFunction(this, fn, iface)) != null) {
            throw new IllegalStateException("two services define the method " + name);
          }
        });
  }

  /**
   * The listening socket: applies the frame limit to every accepted connection and closes
   * connections over the limit. A connection holds its slot from accept until it closes.
   */
  private final class LimitedServerSocket extends TNonblockingServerSocket {
    private final int maxFrameBytes;
    private final int maxConnections;
    final AtomicInteger open = new AtomicInteger();

    LimitedServerSocket(ThriftServerConfig config) throws TTransportException {
      // A backlog as deep as the connection limit (at least 128, at most 4096; the kernel caps it
      // too): with the JDK's 50, a burst of connections overflows it and each dropped SYN costs
      // its client a second of retransmission, even the connections refused over the limit.
      super(
          new NonblockingAbstractServerSocketArgs()
              .bindAddr(config.bind())
              .backlog(Math.max(128, Math.min(config.maxConnections(), 4096))));
      this.maxFrameBytes = config.maxFrameBytes();
      this.maxConnections = config.maxConnections();
    }

    @Override
    public TNonblockingSocket accept() throws TTransportException {
      TNonblockingSocket accepted = super.accept();
      if (accepted == null) {
        return null;
      }
      // Counted here, on the accepting thread: a count kept by the selector threads lags behind
      // a burst of connections, and let twice the limit in.
      if (open.incrementAndGet() > maxConnections) {
        open.decrementAndGet();
        rejectedConnections.incrementAndGet();
        rejectedLog.warn(
            "refusing a {} connection: {} connections are open (max-connections)",
            role,
            open.get());
        accepted.close();
        return null;
      }
      try {
        ServerConnection c =
            new ServerConnection(ThriftServer.this, accepted.getSocketChannel(), open);
        c.setMaxFrameSize(maxFrameBytes);
        connections.add(c);
        return c;
      } catch (IOException e) {
        open.decrementAndGet();
        accepted.close();
        throw new TTransportException(e);
      }
    }
  }

  /** What serves the listener's connections: libthrift's server, or a {@link PipelinedServer}. */
  interface Engine {
    /** Serves until {@link #stop}; returns once stopped. */
    void serve();

    /** Makes {@link #serve} return. */
    void stop();

    /** Whether it accepts connections. */
    boolean isServing();
  }

  /** The server's address could not be bound. */
  public static final class PortUnavailableException extends DynamoException {
    private static final long serialVersionUID = 1L;

    PortUnavailableException(InetSocketAddress address, Exception cause) {
      super(
          "cannot listen on "
              + address.getHostString()
              + ":"
              + address.getPort()
              + " ("
              + cause.getMessage()
              + "): is another process using the port?",
          cause);
    }
  }
}
