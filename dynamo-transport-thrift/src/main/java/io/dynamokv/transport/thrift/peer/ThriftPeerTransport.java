/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.core.wire.PeerProtocols;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.ThrottledLog;
import io.dynamokv.transport.thrift.WireLimits;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerRequest;
import io.dynamokv.transport.thrift.gen.PeerService;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TProtocolFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PeerTransport} over Thrift: the client side sends each call as one sealed {@code
 * PeerService.exchange} on an authenticated channel over framed transport and the compact protocol;
 * the server side ({@link #peerService()}) is hosted by the node's peer listener (a {@code
 * server.ThriftServer}).
 *
 * <p><b>Authentication.</b> Each new connection starts with a handshake ({@code hello}) that opens
 * a {@link SecureChannel} keyed by the cluster secret ({@link Builder#secret}); every request and
 * reply after it carries a sequence number and an HMAC. A peer that cannot prove it holds the
 * secret fails the connect ({@link PeerException.Unreachable}); a reply whose sequence or MAC is
 * wrong fails its call ({@link PeerException.Remote}) and the connection is discarded (the other
 * calls on it fail as if it broke).
 *
 * <p><b>Connections.</b> Each peer has at most {@link Builder#poolSize} connections, each carrying
 * up to {@link Builder#maxCallsPerConnection} calls at once. A call takes the open connection with
 * the fewest calls that has room; a new connection is opened only when none has room (or the one
 * chosen has requests its socket has not taken yet) and the pool is below its size; else the call
 * waits in the peer's queue (bounded by {@link Builder#maxQueuedCalls}; beyond it, calls fail fast
 * with {@link PeerException.Unreachable}). A call still waiting at its deadline fails with {@code
 * Unreachable}: it was never sent. Connections are opened on a small connector pool, never on the
 * caller's thread (name resolution and connect may block), bounded by {@link
 * Builder#connectTimeout}. Every connection stays registered for reading with the transport's one
 * selector thread: the calling thread numbers, seals and writes its request itself, under the
 * connection's lock so that sequence numbers follow the wire order (the selector writes only what
 * the socket could not take at once; a thread in a {@link io.dynamokv.transport.thrift.Turn} writes
 * when its turn ends, one write per connection), and the selector reads the replies, in any order,
 * so a call wakes that thread once. A connection without calls that the peer has closed is closed
 * as the selector notices, or by a non-blocking read before reuse, and replaced when next needed. A
 * connection on which the transport failed is discarded, failing every call on it by how far it
 * got; a call the peer answered with an error fails alone, and one whose deadline passes fails
 * alone unless the connection looks stuck (see {@code PeerClient}). A {@code SHUTTING_DOWN} or
 * {@code UNAUTHENTICATED} answer retires its connection: it takes no new calls and closes once its
 * calls end.
 *
 * <p><b>Reconnect.</b> After a failed connect, the peer is backed off exponentially (from {@link
 * Builder#reconnectBackoff initial} to {@code max}, reset by the next successful connect): while
 * backing off, calls and the calls already queued fail at once with {@code Unreachable}. The
 * backoff ends early, for one connect, when the peer is evidently up again: it opened a channel to
 * this node (its first authenticated request arrived) or membership reported it reachable ({@link
 * #peerReachable}). If that connect fails, the backoff goes on growing.
 *
 * <p><b>Outcomes</b>, as {@link PeerTransport} demands:
 *
 * <ul>
 *   <li>{@link PeerException.Unreachable}: no address is known, the connect failed or timed out,
 *       the peer is backed off, its queue is full, no connection came free before the deadline, the
 *       connection failed before the whole request was written, or the transport is closed;
 *   <li>{@link PeerException.Timeout}: no response by the deadline after the request was written,
 *       or the connection broke after that (the request may have been applied), or the transport
 *       was closed meanwhile;
 *   <li>{@link PeerException.Remote}: the peer answered a {@code DynamoError} (its handler failed,
 *       it does not serve yet, it is shutting down) or an application error, or its response does
 *       not decode.
 * </ul>
 *
 * A {@link Failure} answered by the peer's handler is a response, not an error. Every call
 * completes within its timeout (the timer thread fails it at its deadline): at once if it is
 * refused before anything happens (closed, backed off, queue full); with a peer's reply on the
 * selector thread that read it, one wake-up less per reply, so dependent actions MUST NOT block
 * (the node's hand theirs to its scheduler); with an error on the transport's completion thread.
 * Calls to this node's own id go straight to the local handler and complete on the completion
 * thread too.
 *
 * <p>Thread-safe. {@link #close()} fails the pending calls and closes every connection.
 *
 * <pre>{@code
 * ThriftPeerTransport peers = ThriftPeerTransport.builder(id, addressBook).secret(secret).build();
 * DynamoNode node = DynamoNode.start(config, clock, scheduler, random, peers, storage); // serves
 * peers.serveAdmin(AdminCommands.of(node, addressBook));
 * ThriftServer peerPort = ThriftServer.servePeers(peerConfig, peers.peerService());
 * ThriftServer clientPort = ThriftServer.serveClients(clientConfig, new NodeService(node, storage));
 * }</pre>
 */
public final class ThriftPeerTransport implements PeerTransport {
  static final Logger log = LoggerFactory.getLogger(ThriftPeerTransport.class);

  final NodeId self;
  final AddressBook addresses;
  final PeerProtocols protocols;
  final int poolSize;
  final int maxCallsPerConnection;
  final int maxQueuedCalls;
  final int connectTimeoutMillis;
  final long backoffInitialNanos;
  final long backoffMaxNanos;
  final int maxResponseFrameBytes;
  final TProtocolFactory protocol;
  final ClusterSecret.DerivedKeys peerKeys;
  final ClusterSecret.DerivedKeys adminKeys;
  final long maxIdleNanos;
  final int maxRequestBytes;
  final AtomicLong refusedChannels = new AtomicLong();
  final AtomicLong refusedReplies = new AtomicLong();
  final LongAdder requestsSent = new LongAdder();
  final LongAdder requestWrites = new LongAdder();
  final ThrottledLog refusalLog = new ThrottledLog(log, Duration.ofSeconds(10));
  final PeerSelector selector;
  final ScheduledThreadPoolExecutor timer;
  final ThreadPoolExecutor connector;
  private final ThreadPoolExecutor completions;
  final ConcurrentHashMap<NodeId, PeerConnections> peers = new ConcurrentHashMap<>();
  final Set<OutboundCall> pending = ConcurrentHashMap.newKeySet();
  private final PeerService.AsyncIface service = new PeerInboundService(this);
  private final AtomicBoolean serving = new AtomicBoolean();
  volatile PeerHandler handler;
  volatile AdminCommands admin;
  volatile boolean closed;

  private ThriftPeerTransport(Builder b) {
    this.self = b.self;
    this.addresses = b.addresses;
    this.protocols = b.protocols;
    this.poolSize = b.poolSize;
    this.maxCallsPerConnection = b.maxCallsPerConnection;
    this.maxQueuedCalls = b.maxQueuedCalls;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, b.connectTimeout.toMillis());
    this.backoffInitialNanos = b.backoffInitial.toNanos();
    this.backoffMaxNanos = b.backoffMax.toNanos();
    this.maxResponseFrameBytes = b.maxResponseFrameBytes;
    this.protocol = new TCompactProtocol.Factory(b.maxResponseFrameBytes, b.maxContainerElements);
    if (b.secret == null) {
      throw new IllegalStateException(
          "a peer transport needs the cluster secret (Builder.secret): peers authenticate each"
              + " other with it");
    }
    this.peerKeys = b.secret.derive(ClusterSecret.PEERS);
    this.adminKeys = b.secret.derive(ClusterSecret.ADMIN);
    this.maxIdleNanos = b.maxIdle.toNanos();
    this.maxRequestBytes = b.maxRequestBytes;
    String name = "dynamo-peer-" + self.value();
    try {
      this.selector = new PeerSelector(name + "-selector");
    } catch (IOException e) {
      throw new DynamoException("cannot open the peer client selector: " + e.getMessage(), e);
    }
    this.timer = new ScheduledThreadPoolExecutor(1, daemon(name + "-timer"));
    timer.setRemoveOnCancelPolicy(true);
    this.connector =
        new ThreadPoolExecutor(
            b.connectThreads,
            b.connectThreads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemon(name + "-connect"));
    connector.allowCoreThreadTimeOut(true);
    this.completions =
        new ThreadPoolExecutor(
            1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemon(name + "-complete"));
    completions.allowCoreThreadTimeOut(true);
  }

  /** A builder with the defaults for node {@code self}, resolving peers through {@code book}. */
  public static Builder builder(NodeId self, AddressBook book) {
    return new Builder(self, book);
  }

  /**
   * The peer service to host on this node's {@code server.ThriftServer}: it decodes each request
   * and passes it to the handler installed with {@link #serve}. A request addressed to another node
   * id, or that does not decode, is answered with a {@code Failure} of code {@code
   * INVALID_REQUEST}; before {@link #serve} and after {@link #close()} requests are refused with a
   * {@code DynamoError} {@code SHUTTING_DOWN} (the caller sees {@link PeerException.Remote}). Never
   * blocks.
   */
  public PeerService.AsyncIface peerService() {
    return service;
  }

  /** This node's id. */
  public NodeId self() {
    return self;
  }

  @Override
  public void peerReachable(NodeId peer) {
    PeerConnections p = peers.get(peer);
    if (p != null) {
      p.retryNow();
    }
  }

  /** Open or opening connections to {@code peer} (for tests and metrics); 0 once closed. */
  public int connections(NodeId peer) {
    PeerConnections p = peers.get(peer);
    if (p == null || closed) {
      return 0;
    }
    synchronized (p) {
      return p.open();
    }
  }

  /** Open or opening connections to all peers (for status and metrics); 0 once closed. */
  public int connections() {
    int n = 0;
    for (NodeId peer : peers.keySet()) {
      n += connections(peer);
    }
    return n;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code request} is of a type the wire protocol does not
   *     know (a programming error, so it is thrown rather than completing the stage)
   */
  @Override
  public CompletionStage<PeerMessage> call(NodeId target, PeerMessage request, Duration timeout) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(timeout, "timeout");
    PeerRequest wire = PeerFrames.request(protocols, request);
    long timeoutNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), timeout.toNanos());
    OutboundCall call =
        new OutboundCall(
            this,
            target,
            request,
            new PeerEnvelope(self.value(), target.value(), wire),
            timeoutNanos,
            target.equals(self));
    if (closed) {
      call.result.completeExceptionally(new PeerException.Unreachable(target, "transport closed"));
      return call.result;
    }
    pending.add(call);
    try {
      call.timer = timer.schedule(call::onDeadline, timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      call.fail(new PeerException.Unreachable(target, "transport closed"), true);
      return call.result;
    }
    if (closed) { // close() may have swept the pending set before this call joined it
      call.fail(new PeerException.Unreachable(target, "transport closed"), true);
      return call.result;
    }
    if (call.local) {
      call.runLocally();
    } else {
      peers.computeIfAbsent(target, id -> new PeerConnections(this, id)).submit(call);
    }
    return call.result;
  }

  /**
   * Serves admin commands (join, leave, remove) from operators who hold the {@link
   * io.dynamokv.core.security.AdminToken admin token}; without this, admin channels are refused.
   *
   * @throws IllegalStateException if admin commands are already served
   */
  public void serveAdmin(AdminCommands commands) {
    Objects.requireNonNull(commands, "commands");
    synchronized (this) {
      if (admin != null) {
        throw new IllegalStateException("admin commands are already served on " + self);
      }
      admin = commands;
    }
  }

  /**
   * Channels refused: handshakes with an unknown role, key id, target or version, and requests
   * without a channel, out of sequence or with a wrong MAC.
   */
  public long refusedChannels() {
    return refusedChannels.get();
  }

  /** Replies from peers refused because their sequence or MAC was wrong. */
  public long refusedReplies() {
    return refusedReplies.get();
  }

  /** Requests sent to peers on a connection (calls to this node itself not counted). */
  public long requestsSent() {
    return requestsSent.sum();
  }

  /**
   * Writes of requests to peer sockets (system calls, a partial one included: a large request to a
   * slow peer may take several). Fewer than {@link #requestsSent} when requests share a write:
   * those a {@link io.dynamokv.transport.thrift.Turn} held for one peer, or queued while the
   * selector wrote others.
   */
  public long requestWrites() {
    return requestWrites.sum();
  }

  /** Opens the peer channel on a new connection to {@code peer} (blocking, on a connector). */
  SecureChannel openChannel(Socket socket, NodeId peer) throws TException {
    return Channels.open(
        socket,
        SecureChannel.Role.PEER,
        peerKeys.id(0),
        peerKeys.key(0),
        self.value(),
        peer.value(),
        connectTimeoutMillis);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if a handler is already installed
   */
  @Override
  public void serve(PeerHandler handler) {
    Objects.requireNonNull(handler, "handler");
    if (!serving.compareAndSet(false, true)) {
      throw new IllegalStateException("a handler is already installed on " + self);
    }
    this.handler = handler;
  }

  /**
   * Fails pending calls (with {@link PeerException.Unreachable} if they were not sent yet, else
   * with {@link PeerException.Timeout}: they may have been applied), closes every connection and
   * stops the client threads. The server side refuses requests from now on. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    List<PeerClient> clients = new ArrayList<>();
    for (PeerConnections peer : peers.values()) {
      peer.shutdown(clients);
    }
    for (OutboundCall call : List.copyOf(pending)) {
      call.abort();
    }
    for (PeerClient client : clients) {
      client.close();
    }
    selector.close();
    timer.shutdownNow();
    connector.shutdownNow();
    completions.shutdown(); // completions already queued still run
  }

  void execute(Runnable task) {
    try {
      completions.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // closing: the pending calls are being failed inline anyway
    }
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Settings of a {@link ThriftPeerTransport}; every value has a default suited to a cluster on one
   * network.
   */
  public static final class Builder {
    private final NodeId self;
    private final AddressBook addresses;
    private int poolSize = 8;
    private int maxCallsPerConnection = 64;
    private int maxQueuedCalls = 1024;
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration backoffInitial = Duration.ofMillis(50);
    private Duration backoffMax = Duration.ofSeconds(5);
    private int maxResponseFrameBytes = WireLimits.DEFAULT_MAX_FRAME_BYTES;
    private int maxContainerElements = 100_000;
    private int connectThreads = 4;
    private PeerProtocols protocols = DynamoNode.PROTOCOLS;
    private ClusterSecret secret;
    private Duration maxIdle = Duration.ofMinutes(1);
    private int maxRequestBytes = WireLimits.DEFAULT_MAX_FRAME_BYTES;

    private Builder(NodeId self, AddressBook addresses) {
      this.self = Objects.requireNonNull(self, "self");
      this.addresses = Objects.requireNonNull(addresses, "addresses");
    }

    /**
     * Connections per peer at most (default 8). One usually serves: another is opened only when
     * every open one carries {@link #maxCallsPerConnection} calls, or has requests the socket has
     * not taken yet.
     */
    public Builder poolSize(int n) {
      this.poolSize = positive("poolSize", n);
      return this;
    }

    /**
     * Calls one connection carries at once (default 64): their requests go out one after another
     * and their replies come back in any order. 1 is one call per connection at a time.
     */
    public Builder maxCallsPerConnection(int n) {
      this.maxCallsPerConnection = positive("maxCallsPerConnection", n);
      return this;
    }

    /**
     * Calls that may wait per peer while all its connections carry as many calls as they may
     * (default 1024); further calls fail at once with {@link PeerException.Unreachable}.
     */
    public Builder maxQueuedCalls(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxQueuedCalls must be >= 0, found " + n);
      }
      this.maxQueuedCalls = n;
      return this;
    }

    /** How long opening a connection may take (default 1 s); a call's deadline also bounds it. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /**
     * After a failed connect, calls to that peer fail fast for {@code initial}, doubled after each
     * further failure up to {@code max} (defaults 50 ms and 5 s).
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      positive("initial backoff", initial);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "the maximum backoff (" + max + ") must be at least the initial one (" + initial + ")");
      }
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    /** Largest response frame and string accepted from a peer (default 16 MiB). */
    public Builder maxResponseFrameBytes(int bytes) {
      this.maxResponseFrameBytes = positive("maxResponseFrameBytes", bytes);
      return this;
    }

    /** Threads that open connections (default 4); each connect blocks one for up to its timeout. */
    public Builder connectThreads(int n) {
      this.connectThreads = positive("connectThreads", n);
      return this;
    }

    /**
     * The peer protocols messages are encoded and decoded with (default {@link
     * DynamoNode#PROTOCOLS}): each travels as its protocol's id and its codec's bytes.
     */
    public Builder protocols(PeerProtocols protocols) {
      this.protocols = Objects.requireNonNull(protocols, "protocols");
      return this;
    }

    /**
     * The cluster secret (required): connections to peers are authenticated with the key it derives
     * under {@value ClusterSecret#PEERS}, admin connections with the one under {@value
     * ClusterSecret#ADMIN}; every secret it holds is accepted from others, the first is used.
     */
    public Builder secret(ClusterSecret secret) {
      this.secret = Objects.requireNonNull(secret, "secret");
      return this;
    }

    /**
     * How long a pooled connection may stay idle before it is retired instead of reused (default 1
     * min): less than the peers' idle timeout, so that a peer never closes a connection as a call
     * starts on it.
     */
    public Builder maxIdle(Duration maxIdle) {
      this.maxIdle = positive("maxIdle", maxIdle);
      return this;
    }

    /**
     * Largest request payload accepted from a peer (default 16 MiB; the listener's frame limit).
     */
    public Builder maxRequestBytes(int bytes) {
      this.maxRequestBytes = positive("maxRequestBytes", bytes);
      return this;
    }

    /** Starts the client side (one selector thread); serve with {@link #peerService()}. */
    public ThriftPeerTransport build() {
      return new ThriftPeerTransport(this);
    }

    private static int positive(String name, int n) {
      if (n <= 0) {
        throw new IllegalArgumentException(name + " must be positive, found " + n);
      }
      return n;
    }

    private static Duration positive(String name, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, found " + d);
      }
      return d;
    }
  }
}
