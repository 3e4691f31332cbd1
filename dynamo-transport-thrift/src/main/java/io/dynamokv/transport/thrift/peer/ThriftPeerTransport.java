/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.peer;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.spi.PeerException;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.wire.Failure;
import io.dynamokv.core.wire.PeerProtocols;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.WireLimits;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.PeerEnvelope;
import io.dynamokv.transport.thrift.gen.PeerRequest;
import io.dynamokv.transport.thrift.gen.PeerResponse;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;
import org.apache.thrift.async.TAsyncClientManager;
import org.apache.thrift.async.TAsyncMethodCall;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.transport.TNonblockingSocket;
import org.apache.thrift.transport.TNonblockingTransport;
import org.apache.thrift.transport.TTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PeerTransport} over Thrift: the client side sends each call as one {@code
 * PeerService.exchange} over framed transport and the compact protocol; the server side ({@link
 * #peerService()}) is hosted by the node's {@link ThriftServer}.
 *
 * <p><b>Connections.</b> Each peer has a pool of at most {@link Builder#poolSize} connections, each
 * carrying one call at a time (a Thrift async client allows no more). A call takes an idle
 * connection, or opens one while the pool is below its size, or else waits in the peer's queue
 * (bounded by {@link Builder#maxQueuedCalls}; beyond it, calls fail fast with {@link
 * PeerException.Unreachable}). A call still waiting at its deadline fails with {@code Unreachable}:
 * it was never sent. Connections are opened on a small connector pool, never on the caller's thread
 * (name resolution and connect may block), bounded by {@link Builder#connectTimeout}. An idle
 * connection the peer has closed is noticed (a non-blocking read sees end of stream) and replaced
 * before use. A connection on which anything failed is discarded.
 *
 * <p><b>Reconnect.</b> After a failed connect, the peer is backed off exponentially (from {@link
 * Builder#reconnectBackoff initial} to {@code max}, reset by the next successful connect): while
 * backing off, calls and the calls already queued fail at once with {@code Unreachable}.
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
 * completes within its timeout plus {@link Builder#completionSlack}: at once if it is refused
 * before anything happens (closed, backed off, queue full), else on the transport's completion
 * thread, never on the Thrift selector thread, so that a slow dependent action cannot stall the
 * network. Calls to this node's own id go straight to the local handler, on the completion thread
 * too.
 *
 * <p>Thread-safe. {@link #close()} fails the pending calls and closes every connection.
 *
 * <pre>{@code
 * ThriftPeerTransport peers = ThriftPeerTransport.builder(id, addressBook).build();
 * DynamoNode node = DynamoNode.start(config, clock, scheduler, random, peers, storage); // serves
 * ThriftServer server =
 *     ThriftServer.start(serverConfig, new NodeService(node, storage, addressBook), peers.peerService());
 * }</pre>
 */
public final class ThriftPeerTransport implements PeerTransport {
  private static final Logger log = LoggerFactory.getLogger(ThriftPeerTransport.class);
  private static final int QUEUED = 0;
  private static final int SENT = 1;
  private static final int DONE = 2;

  private final NodeId self;
  private final AddressBook addresses;
  private final PeerProtocols protocols;
  private final int poolSize;
  private final int maxQueuedCalls;
  private final int connectTimeoutMillis;
  private final long backoffInitialNanos;
  private final long backoffMaxNanos;
  private final long slackNanos;
  private final int maxResponseFrameBytes;
  private final TProtocolFactory protocol;
  private final TAsyncClientManager manager;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor connector;
  private final ThreadPoolExecutor completions;
  private final ConcurrentHashMap<NodeId, Peer> peers = new ConcurrentHashMap<>();
  private final Set<Call> pending = ConcurrentHashMap.newKeySet();
  private final PeerService.AsyncIface service = new Service();
  private final AtomicBoolean serving = new AtomicBoolean();
  private volatile PeerHandler handler;
  private volatile boolean closed;

  private ThriftPeerTransport(Builder b) {
    this.self = b.self;
    this.addresses = b.addresses;
    this.protocols = b.protocols;
    this.poolSize = b.poolSize;
    this.maxQueuedCalls = b.maxQueuedCalls;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, b.connectTimeout.toMillis());
    this.backoffInitialNanos = b.backoffInitial.toNanos();
    this.backoffMaxNanos = b.backoffMax.toNanos();
    this.slackNanos = b.completionSlack.toNanos();
    this.maxResponseFrameBytes = b.maxResponseFrameBytes;
    this.protocol = new TCompactProtocol.Factory(b.maxResponseFrameBytes, b.maxContainerElements);
    try {
      this.manager = new TAsyncClientManager();
    } catch (IOException e) {
      throw new DynamoException("cannot start the Thrift client selector: " + e.getMessage(), e);
    }
    String name = "dynamo-peer-" + self.value();
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
   * The peer service to host on this node's {@link ThriftServer}: it decodes each request and
   * passes it to the handler installed with {@link #serve}. A request addressed to another node id,
   * or that does not decode, is answered with a {@code Failure} of code {@code INVALID_REQUEST};
   * before {@link #serve} and after {@link #close()} requests are refused with a {@code
   * DynamoError} {@code SHUTTING_DOWN} (the caller sees {@link PeerException.Remote}). Never
   * blocks.
   */
  public PeerService.AsyncIface peerService() {
    return service;
  }

  /** This node's id. */
  public NodeId self() {
    return self;
  }

  /** Open or opening connections to {@code peer} (for tests and metrics); 0 once closed. */
  public int connections(NodeId peer) {
    Peer p = peers.get(peer);
    if (p == null || closed) {
      return 0;
    }
    synchronized (p) {
      return p.open;
    }
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
    Call call =
        new Call(
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
      callLocally(call);
    } else {
      peers.computeIfAbsent(target, Peer::new).submit(call);
    }
    return call.result;
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
    for (Peer peer : peers.values()) {
      peer.shutdown(clients);
    }
    for (Call call : List.copyOf(pending)) {
      call.abort();
    }
    manager.stop();
    for (PeerClient client : clients) {
      client.socket.close();
    }
    timer.shutdownNow();
    connector.shutdownNow();
    completions.shutdown(); // completions already queued still run
  }

  private void callLocally(Call call) {
    execute(
        () -> {
          if (!call.markSent()) {
            return;
          }
          PeerHandler h = handler;
          if (h == null) {
            call.fail(new PeerException.Remote(self, self + " is not serving peers yet"), true);
            return;
          }
          CompletionStage<PeerMessage> answer;
          try {
            answer = h.handle(self, call.request);
          } catch (RuntimeException e) {
            call.fail(new PeerException.Remote(self, String.valueOf(e)), true);
            return;
          }
          if (answer == null) {
            call.fail(new PeerException.Remote(self, "the handler returned no stage"), true);
            return;
          }
          answer.whenComplete(
              (response, error) -> {
                if (error != null) {
                  call.fail(
                      new PeerException.Remote(self, String.valueOf(DynamoException.unwrap(error))),
                      false);
                } else if (response == null) {
                  call.fail(new PeerException.Remote(self, "the handler answered null"), false);
                } else {
                  call.succeed(response);
                }
              });
        });
  }

  private void execute(Runnable task) {
    try {
      completions.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // closing: the pending calls are being failed inline anyway
    }
  }

  private long backoffNanos(int failures) {
    long delay = backoffInitialNanos;
    for (int i = 1; i < failures && delay < backoffMaxNanos; i++) {
      delay *= 2;
    }
    return Math.min(delay, backoffMaxNanos);
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** One call, from {@link #call} until its stage completes. */
  private final class Call {
    final NodeId target;
    final PeerMessage request;
    final PeerEnvelope envelope;
    final long timeoutNanos;
    final long deadline;
    final boolean local;
    final CompletableFuture<PeerMessage> result = new CompletableFuture<>();
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    volatile ScheduledFuture<?> timer;

    Call(
        NodeId target,
        PeerMessage request,
        PeerEnvelope envelope,
        long timeoutNanos,
        boolean local) {
      this.target = target;
      this.request = request;
      this.envelope = envelope;
      this.timeoutNanos = timeoutNanos;
      this.deadline = System.nanoTime() + timeoutNanos;
      this.local = local;
    }

    long timeoutMillis() {
      return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    }

    boolean markSent() {
      return state.compareAndSet(QUEUED, SENT);
    }

    boolean isDone() {
      return state.get() == DONE;
    }

    void succeed(PeerMessage response) {
      finish(response, null, false);
    }

    void fail(PeerException error, boolean inline) {
      finish(null, error, inline);
    }

    /** On close: completes at once, saying whether the request may have gone out. */
    void abort() {
      int s = state.get();
      if (s == QUEUED) {
        if (finishFrom(QUEUED, new PeerException.Unreachable(target, "transport closed"), true)) {
          return;
        }
        s = state.get();
      }
      if (s == SENT) {
        finish(
            null,
            new PeerException.Timeout(
                target,
                "the transport closed after the request was sent (it may have been applied)"),
            true);
      }
    }

    void onDeadline() {
      if (finishFrom(
          QUEUED,
          new PeerException.Unreachable(
              target, "no connection within " + timeoutMillis() + " ms; the request was not sent"),
          false)) {
        Peer peer = peers.get(target);
        if (peer != null) {
          peer.forget(this);
        }
        return;
      }
      if (state.get() != SENT) {
        return;
      }
      PeerException.Timeout timeout = new PeerException.Timeout(target, timeoutMillis());
      if (local) {
        fail(timeout, false);
        return;
      }
      // Thrift's own timeout (set on the client) normally fires at the deadline and tells whether
      // the request went out; this is the backstop if the selector is late.
      try {
        this.timer =
            ThriftPeerTransport.this.timer.schedule(
                () -> fail(timeout, false), slackNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        fail(timeout, true);
      }
    }

    private void finish(PeerMessage response, PeerException error, boolean inline) {
      int s;
      do {
        s = state.get();
        if (s == DONE) {
          return;
        }
      } while (!state.compareAndSet(s, DONE));
      complete(response, error, inline);
    }

    private boolean finishFrom(int expected, PeerException error, boolean inline) {
      if (!state.compareAndSet(expected, DONE)) {
        return false;
      }
      complete(null, error, inline);
      return true;
    }

    private void complete(PeerMessage response, PeerException error, boolean inline) {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      pending.remove(this);
      Runnable completion =
          () -> {
            if (error == null) {
              result.complete(response);
            } else {
              result.completeExceptionally(error);
            }
          };
      if (inline) {
        completion.run();
      } else {
        execute(completion);
      }
    }
  }

  /** The connections to one peer and the calls waiting for one. Guarded by its monitor. */
  private final class Peer {
    final NodeId id;
    final ArrayDeque<PeerClient> idle = new ArrayDeque<>();
    final ArrayDeque<Call> waiting = new ArrayDeque<>();
    final Set<PeerClient> all = new HashSet<>(); // for close only, never iterated otherwise
    int open; // connected or connecting
    int failures; // consecutive failed connects
    long retryAt;
    String lastFailure = "";

    Peer(NodeId id) {
      this.id = id;
    }

    void submit(Call call) {
      PeerClient client = null;
      boolean connect = false;
      PeerException refusal = null;
      synchronized (this) {
        long now = System.nanoTime();
        if (closed) {
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
          if (open < poolSize) {
            open++;
            connect = true;
          } else if (waiting.size() < maxQueuedCalls) {
            waiting.add(call);
          } else {
            refusal =
                new PeerException.Unreachable(
                    id,
                    waiting.size() + " calls already wait for one of " + poolSize + " connections");
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

    /** An idle connection that still looks open, closing the ones the peer has closed. */
    private PeerClient takeIdle() {
      PeerClient client;
      while ((client = idle.pollFirst()) != null) {
        if (client.looksOpen()) {
          return client;
        }
        retire(client);
      }
      return null;
    }

    private Call nextWaiting() {
      Call call;
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
      client.socket.close();
    }

    synchronized void forget(Call call) {
      waiting.remove(call);
    }

    /** A call finished well on {@code client}: it serves the next waiting call or goes idle. */
    void release(PeerClient client) {
      Call next;
      synchronized (this) {
        if (closed) {
          retire(client);
          return;
        }
        next = nextWaiting();
        if (next == null) {
          idle.addFirst(client); // most recently used first: the others may age out
          return;
        }
      }
      dispatch(next, client);
    }

    /** Something failed on {@code client}: it is closed, and a waiting call gets a new one. */
    void discard(PeerClient client) {
      Call next = null;
      synchronized (this) {
        retire(client);
        if (!closed && !backingOff(System.nanoTime())) {
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

    void dispatch(Call call, PeerClient client) {
      if (!call.markSent()) {
        release(client); // the call ended (deadline) while it waited
        return;
      }
      long remainingMillis =
          Math.max(1, TimeUnit.NANOSECONDS.toMillis(call.deadline - System.nanoTime() + 999_999));
      client.setTimeout(remainingMillis); // 0 would mean no timeout at all
      try {
        client.exchange(call.envelope, new Exchange(call, client, this));
      } catch (TException | RuntimeException e) {
        // Not started (the selector is stopped, or the client is unusable): nothing was sent.
        discard(client);
        call.fail(new PeerException.Unreachable(id, "could not start the call: " + e), false);
      }
    }

    private void connectAsync(Call call) {
      try {
        connector.execute(() -> connect(call));
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          open--;
        }
        call.fail(new PeerException.Unreachable(id, "transport closed"), true);
      }
    }

    /** On a connector thread: opens a connection for {@code call} (counted in {@link #open}). */
    private void connect(Call call) {
      Optional<InetSocketAddress> known = addresses.resolve(id);
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
        channel.socket().connect(resolved, connectTimeoutMillis);
        PeerClient client =
            new PeerClient(protocol, manager, new CappedSocket(channel, maxResponseFrameBytes));
        synchronized (this) {
          failures = 0;
          if (closed) {
            open--;
            client.socket.close();
            call.fail(new PeerException.Unreachable(id, "transport closed"), true);
            return;
          }
          all.add(client);
        }
        dispatch(call, client);
      } catch (IOException | TTransportException | RuntimeException e) {
        if (channel != null) {
          try {
            channel.close();
          } catch (IOException ignored) {
            // nothing more to do
          }
        }
        connectFailed(call, "cannot connect to " + AddressBook.hostPort(address) + ": " + e, true);
      }
    }

    /**
     * A connect failed: the call and every waiting call fail (none was sent), and with {@code
     * backoff} the peer is backed off.
     */
    private void connectFailed(Call call, String reason, boolean backoff) {
      List<Call> failed = new ArrayList<>();
      synchronized (this) {
        open--;
        if (backoff) {
          failures++;
          long delay = backoffNanos(failures);
          retryAt = System.nanoTime() + delay;
          lastFailure = reason;
          log.debug(
              "{} -> {}: {}; backing off {} ms",
              self,
              id,
              reason,
              TimeUnit.NANOSECONDS.toMillis(delay));
        }
        Call next;
        while ((next = nextWaiting()) != null) {
          failed.add(next);
        }
      }
      call.fail(new PeerException.Unreachable(id, reason), false);
      for (Call c : failed) {
        c.fail(new PeerException.Unreachable(id, reason), false);
      }
    }

    synchronized void shutdown(List<PeerClient> clients) {
      clients.addAll(all);
      all.clear();
      idle.clear();
      waiting.clear(); // failed with every pending call
    }
  }

  /** The outcome of one exchange, on the Thrift selector thread: must not block. */
  private final class Exchange implements AsyncMethodCallback<PeerResponse> {
    private final Call call;
    private final PeerClient client;
    private final Peer peer;
    private final AtomicBoolean once = new AtomicBoolean();

    Exchange(Call call, PeerClient client, Peer peer) {
      this.call = call;
      this.client = client;
      this.peer = peer;
    }

    @Override
    public void onComplete(PeerResponse response) {
      // Thrift calls onError after onComplete if onComplete throws: count only the first.
      if (!once.compareAndSet(false, true)) {
        return;
      }
      try {
        peer.release(client);
        PeerMessage message;
        try {
          message = PeerFrames.decode(protocols, response);
        } catch (RuntimeException e) {
          call.fail(
              new PeerException.Remote(call.target, "undecodable response: " + e.getMessage()),
              false);
          return;
        }
        call.succeed(message);
      } catch (RuntimeException e) {
        log.error("{} -> {}: completing a call failed", self, call.target, e);
        call.fail(new PeerException.Remote(call.target, String.valueOf(e)), false);
      }
    }

    @Override
    public void onError(Exception error) {
      // Read before Thrift marks the call ERROR (it does so after this callback).
      TAsyncMethodCall.State state = client.state();
      if (!once.compareAndSet(false, true)) {
        return;
      }
      try {
        peer.discard(client);
        call.fail(classify(error, state), false);
      } catch (RuntimeException e) {
        log.error("{} -> {}: failing a call failed", self, call.target, e);
        call.fail(new PeerException.Timeout(call.target, String.valueOf(e)), false);
      }
    }

    private PeerException classify(Exception error, TAsyncMethodCall.State state) {
      NodeId target = call.target;
      if (error instanceof DynamoError e) {
        return new PeerException.Remote(target, e.getCode() + ": " + e.getMessage());
      }
      if (error instanceof TApplicationException e) {
        return new PeerException.Remote(target, "application error: " + e.getMessage());
      }
      if (error instanceof OversizedFrameException e) {
        return new PeerException.Remote(target, e.getMessage());
      }
      if (state == TAsyncMethodCall.State.RESPONSE_READ) {
        return new PeerException.Remote(target, "malformed response: " + error);
      }
      boolean written =
          state == TAsyncMethodCall.State.READING_RESPONSE_SIZE
              || state == TAsyncMethodCall.State.READING_RESPONSE_BODY;
      if (!written) {
        // An incomplete frame is never processed: the request was certainly not delivered.
        return new PeerException.Unreachable(
            target,
            error instanceof TimeoutException
                ? "the request could not be sent within " + call.timeoutMillis() + " ms"
                : "the connection failed before the request was sent: " + error);
      }
      if (error instanceof TimeoutException) {
        return new PeerException.Timeout(target, call.timeoutMillis());
      }
      return new PeerException.Timeout(
          target,
          "the connection broke after the request was sent (it may have been applied): " + error);
    }
  }

  /** The server side: decodes and hands requests to the handler. Never blocks. */
  private final class Service implements PeerService.AsyncIface {
    @Override
    public void exchange(PeerEnvelope envelope, AsyncMethodCallback<PeerResponse> callback) {
      if (closed) {
        callback.onError(new DynamoError(ErrorCode.SHUTTING_DOWN, self + " is shutting down"));
        return;
      }
      if (envelope == null || !self.value().equals(envelope.getTarget())) {
        String target = envelope == null ? null : envelope.getTarget();
        callback.onComplete(invalid("addressed to " + target + ", this is " + self));
        return;
      }
      PeerHandler h = handler;
      if (h == null) {
        callback.onError(
            new DynamoError(ErrorCode.SHUTTING_DOWN, self + " is not serving peers yet"));
        return;
      }
      NodeId from;
      PeerMessage request;
      try {
        from = NodeId.of(envelope.getSender());
        request = PeerFrames.decode(protocols, envelope.getRequest());
      } catch (RuntimeException e) {
        callback.onComplete(invalid(e.getMessage()));
        return;
      }
      CompletionStage<PeerMessage> answer;
      try {
        answer = h.handle(from, request);
      } catch (RuntimeException e) {
        callback.onError(ThriftCodec.toError(e));
        return;
      }
      if (answer == null) {
        callback.onError(ThriftCodec.toError(new IllegalStateException("the handler gave null")));
        return;
      }
      answer.whenComplete(
          (response, error) -> {
            if (error != null) {
              callback.onError(ThriftCodec.toError(error));
              return;
            }
            PeerResponse wire;
            try {
              wire = PeerFrames.response(protocols, Objects.requireNonNull(response, "response"));
            } catch (RuntimeException e) {
              callback.onError(ThriftCodec.toError(e));
              return;
            }
            callback.onComplete(wire);
          });
    }

    private PeerResponse invalid(String message) {
      return PeerFrames.response(protocols, Failure.of(new InvalidRequestException(message)));
    }
  }

  /**
   * A Thrift async client that remembers its current call, so that its callback can tell how far
   * the call got. Used by one call at a time, handed between threads under its peer's monitor.
   */
  private static final class PeerClient extends PeerService.AsyncClient {
    final CappedSocket socket;
    private TrackedCall current;

    PeerClient(TProtocolFactory protocol, TAsyncClientManager manager, CappedSocket socket) {
      super(protocol, manager, socket);
      this.socket = socket;
    }

    @Override
    public void exchange(PeerEnvelope envelope, AsyncMethodCallback<PeerResponse> callback)
        throws TException {
      checkReady();
      TrackedCall call =
          new TrackedCall(envelope, callback, this, ___protocolFactory, ___transport);
      current = call;
      ___currentMethod = call;
      ___manager.call(call);
    }

    TAsyncMethodCall.State state() {
      TrackedCall c = current;
      return c == null ? null : c.state();
    }

    /** Whether the peer has not closed the idle connection (a non-blocking read sees no EOF). */
    boolean looksOpen() {
      if (hasError() || !socket.isOpen()) {
        return false;
      }
      try {
        return socket.read(ByteBuffer.allocate(1)) == 0; // an idle connection has nothing to read
      } catch (TTransportException e) {
        return false;
      }
    }

    private static final class TrackedCall extends exchange_call {
      TrackedCall(
          PeerEnvelope envelope,
          AsyncMethodCallback<PeerResponse> callback,
          PeerClient client,
          TProtocolFactory protocol,
          TNonblockingTransport transport)
          throws TException {
        super(envelope, callback, client, protocol, transport);
      }

      State state() {
        return getState();
      }
    }
  }

  /**
   * A connected non-blocking socket that refuses response frames over a size: the Thrift async
   * client would otherwise allocate whatever size a peer announces (and an OutOfMemoryError would
   * kill its selector thread). It reads the 4-byte size into a buffer of its own, checked here.
   */
  private static final class CappedSocket extends TNonblockingSocket {
    private final int maxFrameBytes;

    CappedSocket(SocketChannel channel, int maxFrameBytes) throws IOException, TTransportException {
      super(channel);
      this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public int read(ByteBuffer buffer) throws TTransportException {
      int n = super.read(buffer);
      if (n > 0 && buffer.capacity() == 4 && !buffer.hasRemaining()) {
        int size = buffer.getInt(0);
        if (size < 0 || size > maxFrameBytes) {
          throw new OversizedFrameException(size, maxFrameBytes);
        }
      }
      return n;
    }
  }

  /** A peer announced a response frame over the limit (or a negative size). */
  private static final class OversizedFrameException extends TTransportException {
    private static final long serialVersionUID = 1L;

    OversizedFrameException(int size, int max) {
      super(
          TTransportException.CORRUPTED_DATA,
          "response frame of " + size + " bytes refused (max " + max + ")");
    }
  }

  /**
   * Settings of a {@link ThriftPeerTransport}; every value has a default suited to a cluster on one
   * network.
   */
  public static final class Builder {
    private final NodeId self;
    private final AddressBook addresses;
    private int poolSize = 8;
    private int maxQueuedCalls = 1024;
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration backoffInitial = Duration.ofMillis(50);
    private Duration backoffMax = Duration.ofSeconds(5);
    private Duration completionSlack = Duration.ofMillis(200);
    private int maxResponseFrameBytes = WireLimits.DEFAULT_MAX_FRAME_BYTES;
    private int maxContainerElements = 100_000;
    private int connectThreads = 4;
    private PeerProtocols protocols = DynamoNode.PROTOCOLS;

    private Builder(NodeId self, AddressBook addresses) {
      this.self = Objects.requireNonNull(self, "self");
      this.addresses = Objects.requireNonNull(addresses, "addresses");
    }

    /** Connections per peer, each carrying one call at a time (default 8). */
    public Builder poolSize(int n) {
      this.poolSize = positive("poolSize", n);
      return this;
    }

    /**
     * Calls that may wait per peer while all its connections are busy (default 1024); further calls
     * fail at once with {@link PeerException.Unreachable}.
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

    /**
     * How late past its timeout a call may complete if the Thrift selector thread is late to time
     * it out (default 200 ms).
     */
    public Builder completionSlack(Duration slack) {
      this.completionSlack = positive("completionSlack", slack);
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

    /** Starts the client side (one Thrift selector thread); serve with {@link #peerService()}. */
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
