/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.DynamoClient;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.client.Sibling;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.TlsSettings;
import io.dynamokv.transport.thrift.WireLimits;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.SiblingInfo;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
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
 *   <li>A put or delete too big for a frame ({@link Builder#maxFrameBytes(int)}) is refused before
 *       it is sent, with a {@link io.dynamokv.core.LimitExceededException}: certainly not applied.
 *   <li>When no node could take the request at all, {@link UnavailableException} names every node
 *       tried and why it failed.
 * </ul>
 *
 * Every error says which kind it is: {@link io.dynamokv.core.DynamoException#outcomeUnknown()} is
 * true when a write may have been applied, false when it certainly was not.
 *
 * <h2>Threads and connections</h2>
 *
 * Thread-safe. Requests block the calling thread on a pooled synchronous connection: the pool opens
 * one per concurrent caller, up to {@link Builder#connectionsPerNode(int)} per node (beyond, a
 * caller waits for one to be free), and closes those idle for {@link
 * Builder#connectionIdleTimeout(Duration)}. The client waits for an answer up to the request's
 * timeout plus {@link #SOCKET_SLACK}: the node answers {@link InsufficientReplicasException} at its
 * own timeout first. One daemon thread refreshes the ring. {@link #close()} releases everything;
 * calls after it throw {@link IllegalStateException}.
 */
public final class ThriftDynamoClient implements DynamoClient {
  /**
   * What the client waits beyond a request's timeout before giving up on the node: covers the
   * node's forwarding allowance and the network.
   */
  public static final Duration SOCKET_SLACK = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(ThriftDynamoClient.class);

  /** The default of {@link Builder#connectionsPerNode(int)}. */
  public static final int DEFAULT_CONNECTIONS_PER_NODE = 64;

  private final Duration requestTimeout;
  private final int maxReadAttempts;
  private final int updateAttempts;
  private final int maxFrameBytes;
  private final ClientConnectionPool pool;
  private final TargetChooser chooser;
  private final TopologyRefresher topology;
  private final RequestSender requests;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder failovers = new LongAdder();

  private ThriftDynamoClient(Builder b) {
    this.requestTimeout = b.requestTimeout;
    this.maxReadAttempts = b.maxReadAttempts;
    this.updateAttempts = b.updateAttempts;
    this.maxFrameBytes = b.maxFrameBytes;
    this.pool =
        new ClientConnectionPool(
            b.connectionsPerNode,
            b.connectTimeout,
            b.maxFrameBytes,
            b.tls == null ? null : b.tls.load(),
            b.connectionIdleTimeout);
    this.chooser = new TargetChooser(b.bootstrap, b.partitionAware);
    this.topology =
        new TopologyRefresher(
            pool, chooser, b.requestTimeout.plus(SOCKET_SLACK), b.ringRefreshInterval, closed);
    this.requests =
        new RequestSender(pool, chooser, topology, b.requestTimeout, b.maxReadAttempts, failovers);
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
    GetResponse response =
        requests.send(true, "get", store, key, options, client -> client.get(request));
    List<ByteBuffer> values = response.getValues() == null ? List.of() : response.getValues();
    List<SiblingInfo> infos = response.getSiblings();
    boolean described = infos != null && infos.size() == values.size();
    List<Sibling<byte[]>> siblings = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      ByteBuffer v = values.get(i);
      byte[] copy = new byte[v.remaining()];
      v.duplicate().get(copy);
      siblings.add(
          described ? sibling(copy, infos.get(i)) : new Sibling<>(copy, null, Instant.EPOCH));
    }
    return new GetResult(siblings, Context.fromBytes(response.getContext()));
  }

  /** A sibling with the metadata its server sent; a node id it cannot parse is left unknown. */
  private static Sibling<byte[]> sibling(byte[] value, SiblingInfo info) {
    NodeId coordinator;
    try {
      coordinator = NodeId.of(info.getCoordinator());
    } catch (RuntimeException e) {
      coordinator = null;
    }
    return new Sibling<>(value, coordinator, Instant.ofEpochMilli(info.getWrittenAtMillis()));
  }

  @Override
  public Context put(
      String store, byte[] key, byte[] value, Context context, RequestOptions options) {
    check(store, key, options);
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(context, "context");
    byte[] contextBytes = context.toBytes();
    PutRequest request =
        new PutRequest(
            store, ByteBuffer.wrap(key), ByteBuffer.wrap(value), ByteBuffer.wrap(contextBytes));
    request.setOptions(thrift(store, options));
    FrameSize.check(
        "put",
        "put",
        new DynamoService.put_args(request),
        maxFrameBytes,
        key.length,
        value.length,
        contextBytes.length);
    WriteResponse response =
        requests.send(false, "put", store, key, options, client -> client.put(request));
    return Context.fromBytes(response.getContext());
  }

  @Override
  public Context delete(String store, byte[] key, Context context, RequestOptions options) {
    check(store, key, options);
    Objects.requireNonNull(context, "context");
    byte[] contextBytes = context.toBytes();
    DeleteRequest request =
        new DeleteRequest(store, ByteBuffer.wrap(key), ByteBuffer.wrap(contextBytes));
    request.setOptions(thrift(store, options));
    FrameSize.check(
        "delete",
        "erase",
        new DynamoService.erase_args(request),
        maxFrameBytes,
        key.length,
        0,
        contextBytes.length);
    WriteResponse response =
        requests.send(false, "delete", store, key, options, client -> client.erase(request));
    return Context.fromBytes(response.getContext());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: {@link Builder#updateAttempts(int)}, for {@link DynamoClient#update}'s rounds.
   */
  @Override
  public int updateAttempts() {
    return updateAttempts;
  }

  /** Closes every connection and stops refreshing. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      topology.close();
      pool.close();
    }
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
    int n = topology.current().replication(store);
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
    return topology.refreshes();
  }

  ClientTopology topology() {
    return topology.current();
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
   * partition-aware routing, 16 MiB frames, no TLS.
   */
  public static final class Builder {
    private List<String> bootstrap = List.of();
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(1);
    private int maxReadAttempts = 3;
    private int connectionsPerNode = DEFAULT_CONNECTIONS_PER_NODE;
    private Duration connectionIdleTimeout = ClientConnectionPool.DEFAULT_MAX_IDLE;
    private Duration ringRefreshInterval = Duration.ofSeconds(10);
    private int updateAttempts = 5;
    private boolean partitionAware = true;
    private int maxFrameBytes = WireLimits.DEFAULT_MAX_FRAME_BYTES;
    private TlsSettings tls;

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

    /**
     * The most connections to one node in use at once (default {@value
     * #DEFAULT_CONNECTIONS_PER_NODE}); more callers wait for one. The pool opens connections as
     * concurrent callers need them, up to this, and closes those idle for {@link
     * #connectionIdleTimeout(Duration)}. Every connection holds a server thread: keep this times
     * the number of clients below the nodes' {@code dynamo.thrift.max-connections} (1024 by
     * default).
     */
    public Builder connectionsPerNode(int connections) {
      this.connectionsPerNode = atLeastOne("connectionsPerNode", connections);
      return this;
    }

    /**
     * How long a pooled connection may stay idle before the client closes it (default 1 min; keep
     * it below the servers' idle timeout, 5 min by default).
     */
    public Builder connectionIdleTimeout(Duration timeout) {
      this.connectionIdleTimeout = positive("connectionIdleTimeout", timeout);
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

    /**
     * The largest frame sent or accepted (match the servers' {@code maxFrameBytes}): a put or
     * delete that would need a larger frame is refused before it is sent, with a {@link
     * io.dynamokv.core.LimitExceededException} (certainly not applied), instead of reaching a node
     * that would close the connection and leave its outcome unknown.
     */
    public Builder maxFrameBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxFrameBytes must be >= 1024, found " + bytes);
      }
      this.maxFrameBytes = bytes;
      return this;
    }

    /**
     * Connects with TLS ({@link TlsSettings#client}): servers must present a certificate that
     * {@code settings}' trust store trusts and that names the host connected to; the client
     * presents the certificate of its key store, if any, to servers that require one. Every address
     * the client connects to must then serve TLS, the ones it learns from the cluster too: the
     * client ports members advertise, which serve TLS on every node of a cluster with {@code
     * dynamo.thrift.tls.enabled}, so partition-aware routing works as with plain connections.
     * Default: plain connections.
     *
     * <p>{@link #build()} reads the stores and throws {@link TlsSettings.InvalidException} naming
     * the one that cannot be used.
     */
    public Builder tls(TlsSettings settings) {
      this.tls = Objects.requireNonNull(settings, "settings");
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
        client.topology.connect();
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
  public static final class UnavailableException extends io.dynamokv.core.UnavailableException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message, boolean mayHaveBeenApplied, Throwable cause) {
      super(message, mayHaveBeenApplied, cause);
    }
  }
}
