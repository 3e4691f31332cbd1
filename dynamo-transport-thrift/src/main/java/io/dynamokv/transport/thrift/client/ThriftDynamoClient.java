/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Codec;
import io.dynamokv.core.client.ConflictResolver;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.DynamoClient;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.WireLimits;
import io.dynamokv.transport.thrift.client.ClientConnectionPool.NotDeliveredException;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.apache.thrift.TException;
import org.apache.thrift.transport.TTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DynamoClient} that talks to a dynamo-kv cluster over Thrift and coordinates client-side:
 * it fetches the ring and routes every request straight to a node of the key's preference list
 * (paper §4.5 and Table 2: client-driven coordination saves the forwarding hop).
 *
 * <pre>{@code
 * try (ThriftDynamoClient client =
 *     ThriftDynamoClient.builder().bootstrap(List.of("10.0.0.1:7000", "10.0.0.2:7000")).build()) {
 *   GetResult cart = client.get("carts", key);
 *   client.put("carts", key, value, cart.context());
 * }
 * }</pre>
 *
 * <h2>Routing</h2>
 *
 * For each request the client hashes the key onto its copy of the ring and takes the first N
 * distinct nodes clockwise (N of the store). A write goes to the first of them that is reachable,
 * so the node that receives it coordinates without forwarding; reads rotate among the list's nodes
 * to spread load. Nodes that recently failed to connect, and nodes the cluster reports unreachable,
 * are tried last. Without a ring (a cluster still forming, a store the cluster did not declare, or
 * {@link Builder#partitionAware(boolean) partitionAware(false)}) any node is asked: every node can
 * coordinate or forward any request. The ring is refreshed every {@link
 * Builder#ringRefreshInterval(Duration) ringRefreshInterval} in the background, and early when a
 * connection fails or a node answers that it is not a replica.
 *
 * <h2>Retries and outcomes</h2>
 *
 * Outcomes follow {@link DynamoClient}; in particular an error after a write was sent means its
 * outcome is <b>unknown</b>, and this client never retries such a write on its own.
 *
 * <ul>
 *   <li>A <b>get</b> is idempotent: after a transport failure or a {@code SHUTTING_DOWN} or
 *       internal error it is retried on the next node, up to {@link Builder#maxReadAttempts(int)}
 *       nodes in all. Errors about the request itself ({@link
 *       io.dynamokv.core.StoreNotFoundException}, {@link io.dynamokv.core.LimitExceededException},
 *       {@link io.dynamokv.core.InvalidContextException}, invalid requests) and {@link
 *       InsufficientReplicasException} (the coordinator already waited its full timeout) are thrown
 *       at once.
 *   <li>A <b>put</b> or <b>delete</b> moves to the next node only when it was certainly not
 *       written: no connection could be opened, or the node answered {@code SHUTTING_DOWN} or
 *       {@code NOT_A_REPLICA}, both of which it answers before doing anything. A write that failed
 *       after it was sent throws {@link UnavailableException} with {@link
 *       UnavailableException#mayHaveBeenApplied()} true (timeout, broken connection), or the node's
 *       own error ({@link InsufficientReplicasException}; a plain {@link DynamoException} for an
 *       internal error): read again to learn what happened, or use {@link #update}, which does that
 *       for you.
 *   <li>When no node could take the request at all, {@link UnavailableException} names every node
 *       tried and why it failed.
 * </ul>
 *
 * <h2>Threads and connections</h2>
 *
 * Thread-safe. Requests block the calling thread on a pooled synchronous connection (at most {@link
 * Builder#connectionsPerNode(int)} per node; a caller waits for one to be free). The client waits
 * for an answer up to the request's timeout plus {@link #SOCKET_SLACK}: the node answers {@link
 * InsufficientReplicasException} at its own timeout first. One daemon thread refreshes the ring.
 * {@link #close()} releases everything; calls after it throw {@link IllegalStateException}.
 */
public final class ThriftDynamoClient implements DynamoClient {
  /**
   * What the client waits beyond a request's timeout before giving up on the node: covers the
   * node's forwarding allowance and the network.
   */
  public static final Duration SOCKET_SLACK = Duration.ofSeconds(1);

  /** How long a node that failed to connect is tried only after the others. */
  static final Duration SUSPECT_FOR = Duration.ofSeconds(2);

  /** Early refreshes (after failures) are at least this far apart. */
  private static final Duration MIN_REFRESH_GAP = Duration.ofMillis(100);

  private static final Logger log = LoggerFactory.getLogger(ThriftDynamoClient.class);

  private final List<String> bootstrap;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Duration ringRefreshInterval;
  private final int maxReadAttempts;
  private final int updateAttempts;
  private final boolean partitionAware;
  private final ClientConnectionPool pool;
  private final ScheduledThreadPoolExecutor refresher;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger rotation = new AtomicInteger();
  private final Map<String, Long> suspectUntil = new ConcurrentHashMap<>();
  private final LongAdder failovers = new LongAdder();
  private final LongAdder refreshes = new LongAdder();
  private volatile ClientTopology topology;
  private volatile long lastRefreshNanos = System.nanoTime();

  private ThriftDynamoClient(Builder b) {
    this.bootstrap = List.copyOf(b.bootstrap);
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.ringRefreshInterval = b.ringRefreshInterval;
    this.maxReadAttempts = b.maxReadAttempts;
    this.updateAttempts = b.updateAttempts;
    this.partitionAware = b.partitionAware;
    this.pool = new ClientConnectionPool(b.connectionsPerNode, b.connectTimeout, b.maxFrameBytes);
    this.refresher =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "dynamo-client-ring-refresh");
              t.setDaemon(true);
              return t;
            });
    refresher.setRemoveOnCancelPolicy(true);
    refresher.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** A builder; {@link Builder#bootstrap(List)} is required. */
  public static Builder builder() {
    return new Builder();
  }

  // ---- DynamoClient ----

  @Override
  public GetResult get(String store, byte[] key, RequestOptions options) {
    check(store, key, options);
    GetRequest request = new GetRequest(store, ByteBuffer.wrap(key));
    request.setOptions(thrift(store, options));
    GetResponse response = execute(true, "get", store, key, options, client -> client.get(request));
    List<byte[]> values = new ArrayList<>(response.getValuesSize());
    if (response.getValues() != null) {
      for (ByteBuffer v : response.getValues()) {
        byte[] copy = new byte[v.remaining()];
        v.duplicate().get(copy);
        values.add(copy);
      }
    }
    return new GetResult(values, Context.fromBytes(response.getContext()));
  }

  @Override
  public Context put(
      String store, byte[] key, byte[] value, Context context, RequestOptions options) {
    check(store, key, options);
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(context, "context");
    PutRequest request =
        new PutRequest(
            store,
            ByteBuffer.wrap(key),
            ByteBuffer.wrap(value),
            ByteBuffer.wrap(context.toBytes()));
    request.setOptions(thrift(store, options));
    WriteResponse response =
        execute(false, "put", store, key, options, client -> client.put(request));
    return Context.fromBytes(response.getContext());
  }

  @Override
  public Context delete(String store, byte[] key, Context context, RequestOptions options) {
    check(store, key, options);
    Objects.requireNonNull(context, "context");
    DeleteRequest request =
        new DeleteRequest(store, ByteBuffer.wrap(key), ByteBuffer.wrap(context.toBytes()));
    request.setOptions(thrift(store, options));
    WriteResponse response =
        execute(false, "delete", store, key, options, client -> client.erase(request));
    return Context.fromBytes(response.getContext());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: up to {@link Builder#updateAttempts(int)} rounds of read, resolve, apply, write. A
   * round is retried only when its write's outcome is unknown ({@link
   * InsufficientReplicasException}, {@link UnavailableException#mayHaveBeenApplied()}, an internal
   * error); errors about the request, a failed read and exceptions from {@code fn}, {@code codec}
   * or {@code resolver} are thrown at once. The last error is thrown with the earlier ones
   * {@linkplain Throwable#getSuppressed() suppressed}. When {@code fn} returns {@code null} for a
   * key that is already absent, nothing is written.
   *
   * <p><b>Concurrent updates</b> of one key do not lock each other out: two updates that read the
   * same versions both write, and their values become siblings (neither is lost, and neither caller
   * sees an error). The next read returns both, and the next update merges them with {@code
   * resolver} before applying its own change. So with a merging resolver (set union for a shopping
   * cart) every update's effect survives; with one that picks a winner, the losers' effects are
   * dropped at that merge.
   */
  @Override
  public <T> T update(
      String store, byte[] key, Codec<T> codec, ConflictResolver<T> resolver, UnaryOperator<T> fn) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(fn, "fn");
    DynamoException last = null;
    for (int attempt = 1; attempt <= updateAttempts; attempt++) {
      GetResult read;
      try {
        read = get(store, key);
      } catch (DynamoException e) {
        throw withEarlier(e, last);
      }
      List<T> values = new ArrayList<>(read.values().size());
      for (byte[] v : read.values()) {
        values.add(codec.decode(v));
      }
      T next = fn.apply(DynamoClient.resolve(values, resolver));
      try {
        if (next != null) {
          put(store, key, codec.encode(next), read.context());
        } else if (!read.isAbsent()) {
          delete(store, key, read.context());
        }
        return next;
      } catch (DynamoException e) {
        if (!outcomeUnknown(e)) {
          throw withEarlier(e, last);
        }
        log.debug("update of a key in {}: attempt {} unknown outcome: {}", store, attempt, e);
        last = withEarlier(e, last);
      }
    }
    throw last;
  }

  private static boolean outcomeUnknown(DynamoException e) {
    return e instanceof InsufficientReplicasException
        || (e instanceof UnavailableException u && u.mayHaveBeenApplied())
        || e.getClass() == DynamoException.class; // INTERNAL
  }

  private static DynamoException withEarlier(DynamoException e, DynamoException earlier) {
    if (earlier != null && earlier != e) {
      e.addSuppressed(earlier);
    }
    return e;
  }

  /** Closes every connection and stops refreshing. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      refresher.shutdownNow();
      pool.close();
    }
  }

  // ---- routing and retries ----

  @FunctionalInterface
  private interface Call<R> {
    R send(DynamoService.Client client) throws TException;
  }

  /** A node to send to: its id when known from the cluster, and its address. */
  private record Target(NodeId node, String address) {
    @Override
    public String toString() {
      return node == null ? address : node + " (" + address + ")";
    }
  }

  private <R> R execute(
      boolean read, String op, String store, byte[] key, RequestOptions options, Call<R> call) {
    Duration timeout = options.timeout() == null ? requestTimeout : options.timeout();
    Duration socketTimeout = timeout.plus(SOCKET_SLACK);
    List<Target> targets = targets(store, key, read);
    int limit = read ? maxReadAttempts : targets.size();
    List<String> tried = new ArrayList<>();
    int attempt = 0;
    for (Target target : targets) {
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
            requestRefresh();
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
        throw new UnavailableException(
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
      suspectUntil.remove(target.address());
      if (attempt > 1) {
        failovers.increment();
      }
      return reply;
    }
    throw new UnavailableException(
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

  /**
   * Where to send a request, best first: the key's preference list (rotated for reads), then the
   * other members, then the bootstrap addresses; in each group nodes not suspected first.
   */
  private List<Target> targets(String store, byte[] key, boolean read) {
    ClientTopology topo = topology;
    if (topo.ring() == null) {
      requestRefresh();
    }
    return targets(topo, partitionAware ? topo.preferenceList(store, key) : List.of(), read);
  }

  private List<Target> targets(ClientTopology topo, List<NodeId> preferenceList, boolean read) {
    List<Target> owners = new ArrayList<>();
    if (partitionAware) {
      for (NodeId node : preferenceList) {
        String address = topo.address(node);
        if (address != null) {
          owners.add(new Target(node, address));
        }
      }
    }
    if (read) {
      rotate(owners);
    }
    List<Target> members = new ArrayList<>();
    for (Map.Entry<NodeId, String> m : topo.members().entrySet()) {
      members.add(new Target(m.getKey(), m.getValue()));
    }
    List<Target> seeds = new ArrayList<>();
    for (String address : bootstrap) {
      seeds.add(new Target(null, address));
    }
    rotate(members);
    List<List<Target>> groups;
    if (partitionAware) {
      groups = List.of(owners, members, seeds);
    } else {
      // Server-driven coordination: any key to any bootstrap node, spread over them.
      rotate(seeds);
      groups = List.of(seeds, members);
    }
    Map<String, Target> ordered = new LinkedHashMap<>();
    long now = System.nanoTime();
    for (boolean healthy : new boolean[] {true, false}) {
      for (List<Target> group : groups) {
        for (Target t : group) {
          if (healthy(t, topo, now) == healthy) {
            ordered.putIfAbsent(t.address(), t);
          }
        }
      }
    }
    return new ArrayList<>(ordered.values());
  }

  private void rotate(List<Target> targets) {
    if (targets.size() > 1) {
      Collections.rotate(targets, -Math.floorMod(rotation.getAndIncrement(), targets.size()));
    }
  }

  private boolean healthy(Target t, ClientTopology topo, long now) {
    Long until = suspectUntil.get(t.address());
    if (until != null && until - now > 0) {
      return false;
    }
    return t.node() == null || !topo.unreachable().contains(t.node());
  }

  private void suspect(Target target) {
    suspectUntil.put(target.address(), System.nanoTime() + SUSPECT_FOR.toNanos());
    requestRefresh();
  }

  // ---- ring refresh ----

  private void requestRefresh() {
    if (closed.get() || !refreshQueued.compareAndSet(false, true)) {
      return;
    }
    long wait = Math.max(0, lastRefreshNanos + MIN_REFRESH_GAP.toNanos() - System.nanoTime());
    try {
      refresher.schedule(
          () -> {
            refreshQueued.set(false);
            refresh();
          },
          wait,
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      refreshQueued.set(false);
    }
  }

  /**
   * Fetches the cluster from a member (or a bootstrap node) and adopts it unless its ring is older
   * than the one held.
   *
   * @return whether some node answered
   */
  boolean refresh() {
    lastRefreshNanos = System.nanoTime();
    refreshes.increment();
    List<Target> sources = targets(topology, List.of(), true);
    try {
      for (Target source : sources) {
        if (closed.get()) {
          return false;
        }
        try {
          adopt(fetch(source));
          return true;
        } catch (FetchFailed e) {
          log.debug("ring refresh from {} failed: {}", source, e.getMessage());
        }
      }
    } catch (RuntimeException e) {
      // Never let the periodic refresh die; the next round tries again.
      if (!closed.get()) {
        log.warn("ring refresh failed", e);
      }
      return false;
    }
    log.warn("ring refresh: no node answered (tried {})", sources);
    return false;
  }

  private synchronized void adopt(ClientTopology fresh) {
    ClientTopology current = topology;
    if (current == null
        || current.ring() == null
        || (fresh.ring() != null && compareVersions(fresh.ring(), current.ring()) >= 0)) {
      topology = fresh;
    }
  }

  /** Orders rings as nodes do: the ring epoch first, then the version. */
  private static int compareVersions(Ring a, Ring b) {
    int c = Long.compare(a.epoch(), b.epoch());
    return c != 0 ? c : Long.compare(a.version(), b.version());
  }

  private static final class FetchFailed extends Exception {
    private static final long serialVersionUID = 1L;

    FetchFailed(String message) {
      super(message, null, false, false);
    }
  }

  private ClientTopology fetch(Target source) throws FetchFailed {
    Duration socketTimeout = requestTimeout.plus(SOCKET_SLACK);
    ClientConnectionPool.Lease lease;
    try {
      lease = pool.borrow(source.address(), socketTimeout, socketTimeout);
    } catch (NotDeliveredException e) {
      suspectUntil.put(source.address(), System.nanoTime() + SUSPECT_FOR.toNanos());
      throw new FetchFailed(e.getMessage());
    }
    boolean clean = false;
    try {
      ClusterInfo info = lease.client().cluster();
      clean = true;
      return ClientTopology.of(info);
    } catch (DynamoError e) {
      clean = true;
      throw new FetchFailed(e.getCode() + " " + e.getMessage());
    } catch (TException e) {
      throw new FetchFailed(ClientConnectionPool.describe(e));
    } finally {
      if (clean) {
        lease.release();
      } else {
        lease.discard();
      }
    }
  }

  private void connect() {
    List<String> failures = new ArrayList<>();
    for (String address : bootstrap) {
      try {
        topology = fetch(new Target(null, address));
        break;
      } catch (FetchFailed e) {
        failures.add(address + " (" + e.getMessage() + ")");
      }
    }
    if (topology == null) {
      throw new UnavailableException(
          "could not reach any bootstrap node of the cluster: "
              + String.join(", ", failures)
              + ". Check the addresses and that the nodes are running.",
          false,
          null);
    }
    refresher.scheduleWithFixedDelay(
        this::refresh,
        ringRefreshInterval.toNanos(),
        ringRefreshInterval.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  // ---- requests ----

  private void check(String store, byte[] key, RequestOptions options) {
    ensureOpen();
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(options, "options");
    if (key.length == 0) {
      throw new IllegalArgumentException("keys must not be empty");
    }
  }

  private io.dynamokv.transport.thrift.gen.RequestOptions thrift(
      String store, RequestOptions options) {
    int n = topology.replication(store);
    if (n > 0 && options.quorum() > n) {
      throw new IllegalArgumentException(
          "quorum " + options.quorum() + " exceeds N=" + n + " of store " + store);
    }
    io.dynamokv.transport.thrift.gen.RequestOptions o =
        new io.dynamokv.transport.thrift.gen.RequestOptions();
    if (options.quorum() > 0) {
      o.setQuorum(options.quorum());
    }
    // Always sent, so that the node gives up before this client does.
    o.setTimeoutMillis((options.timeout() == null ? requestTimeout : options.timeout()).toMillis());
    return o;
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the client is closed");
    }
  }

  // ---- for tests ----

  /** Requests answered by a node other than the first one tried. */
  long failovers() {
    return failovers.sum();
  }

  /** Ring refreshes started. */
  long refreshes() {
    return refreshes.sum();
  }

  ClientTopology topology() {
    return topology;
  }

  ClientConnectionPool pool() {
    return pool;
  }

  // ---- configuration ----

  /**
   * Settings of a {@link ThriftDynamoClient}. Not thread-safe; {@link #build()} connects.
   *
   * <p>Defaults: connect timeout 2 s, request timeout 1 s, 3 read attempts, 8 connections per node,
   * ring refresh every 10 s (the paper's clients poll every 10 s), 5 update attempts,
   * partition-aware routing, 16 MiB frames.
   */
  public static final class Builder {
    private List<String> bootstrap = List.of();
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(1);
    private int maxReadAttempts = 3;
    private int connectionsPerNode = 8;
    private Duration ringRefreshInterval = Duration.ofSeconds(10);
    private int updateAttempts = 5;
    private boolean partitionAware = true;
    private int maxFrameBytes = WireLimits.DEFAULT_MAX_FRAME_BYTES;

    private Builder() {}

    /**
     * Nodes to fetch the cluster from, as {@code host:port} ({@code [::1]:7000} for IPv6), tried in
     * order; one that answers is enough. Later the client learns every member's address.
     */
    public Builder bootstrap(List<String> hostPorts) {
      if (hostPorts.isEmpty()) {
        throw new IllegalArgumentException("at least one bootstrap address is needed");
      }
      List<String> normalized = new ArrayList<>();
      for (String hostPort : hostPorts) {
        normalized.add(AddressBook.hostPort(AddressBook.parse(hostPort)));
      }
      this.bootstrap = List.copyOf(normalized);
      return this;
    }

    /** How long opening a connection may take. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /**
     * How long a node may wait for R or W replicas, unless a request's {@link
     * RequestOptions#timeout()} says otherwise. Sent with every request; the client itself waits
     * this plus {@link ThriftDynamoClient#SOCKET_SLACK} for the answer.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /** How many nodes a get is tried on (the first included) before it fails. */
    public Builder maxReadAttempts(int attempts) {
      this.maxReadAttempts = atLeastOne("maxReadAttempts", attempts);
      return this;
    }

    /** Connections to one node that may be in use at once; more callers wait for one. */
    public Builder connectionsPerNode(int connections) {
      this.connectionsPerNode = atLeastOne("connectionsPerNode", connections);
      return this;
    }

    /** How often the ring and members are fetched again in the background. */
    public Builder ringRefreshInterval(Duration interval) {
      this.ringRefreshInterval = positive("ringRefreshInterval", interval);
      return this;
    }

    /** Read-modify-write rounds {@link #update} makes before it gives up. */
    public Builder updateAttempts(int attempts) {
      this.updateAttempts = atLeastOne("updateAttempts", attempts);
      return this;
    }

    /**
     * True (default): route each request to the key's preference list. False: send every request to
     * a bootstrap node, which coordinates it or forwards a write to an owner (the paper's
     * server-driven coordination, as behind a load balancer).
     */
    public Builder partitionAware(boolean partitionAware) {
      this.partitionAware = partitionAware;
      return this;
    }

    /** The largest response frame accepted (match the servers' {@code maxFrameBytes}). */
    public Builder maxFrameBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxFrameBytes must be >= 1024, found " + bytes);
      }
      this.maxFrameBytes = bytes;
      return this;
    }

    /**
     * Connects to the first bootstrap node that answers and fetches the cluster.
     *
     * @throws UnavailableException naming every address tried and why, when none answers
     */
    public ThriftDynamoClient build() {
      if (bootstrap.isEmpty()) {
        throw new IllegalStateException("set the bootstrap addresses first");
      }
      ThriftDynamoClient client = new ThriftDynamoClient(this);
      try {
        client.connect();
        return client;
      } catch (RuntimeException e) {
        client.close();
        throw e;
      }
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, found " + d);
      }
      return d;
    }

    private static int atLeastOne(String name, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(name + " must be at least 1, found " + n);
      }
      return n;
    }
  }

  /**
   * The cluster could not serve a request, or the client could not reach it.
   *
   * <p>For a write, {@link #mayHaveBeenApplied()} tells the two cases apart: false means no node
   * took the write (certainly not applied); true means it was sent and the connection failed or
   * timed out before an answer, so its outcome is unknown.
   */
  public static final class UnavailableException extends DynamoException {
    private static final long serialVersionUID = 1L;
    private final boolean mayHaveBeenApplied;

    UnavailableException(String message, boolean mayHaveBeenApplied, Throwable cause) {
      super(message, cause);
      this.mayHaveBeenApplied = mayHaveBeenApplied;
    }

    /** True when a write was sent and its outcome is unknown. */
    public boolean mayHaveBeenApplied() {
      return mayHaveBeenApplied;
    }
  }
}
