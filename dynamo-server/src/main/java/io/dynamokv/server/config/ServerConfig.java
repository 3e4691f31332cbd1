/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.PhiAccrualFailureDetector;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.node.NodeConfig;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.PartitionStrategy;
import io.dynamokv.core.ring.RingPlanner;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.storage.bdb.BdbStorageEngineFactory;
import io.dynamokv.storage.lmdb.LmdbStorageEngineFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A node's validated configuration: the {@code dynamo} tree of {@code reference.conf}, one record
 * per section. Obtain one from {@link ConfigLoader}, which reports every problem of a user's
 * configuration at once with the file, line and key; the compact constructors only guard the
 * invariants the rest of the server relies on.
 *
 * @param node {@code dynamo.node}
 * @param storage {@code dynamo.storage}
 * @param cluster {@code dynamo.cluster}
 * @param requests {@code dynamo.requests}
 * @param thrift {@code dynamo.thrift}
 * @param peer {@code dynamo.peer}
 * @param metrics {@code dynamo.metrics}
 * @param logLevel {@code dynamo.log.level}, upper case
 * @param stores {@code dynamo.stores}, in declaration order, names distinct
 * @param clientTls {@code dynamo.thrift.tls}
 * @param readRepair {@code dynamo.read-repair}
 * @param handoff {@code dynamo.handoff}: sloppy quorum and hinted handoff
 * @param antiEntropy {@code dynamo.anti-entropy}: Merkle trees and their exchanges
 * @param joinAtStart {@code dynamo.membership.join-at-start}: whether a node that starts for the
 *     first time, and does not found the cluster, asks to join by itself; otherwise it is a STANDBY
 *     member that owns nothing until an operator runs {@code bin/dynamo join} on it
 */
public record ServerConfig(
    Node node,
    Storage storage,
    Cluster cluster,
    Requests requests,
    Thrift thrift,
    Peer peer,
    Metrics metrics,
    String logLevel,
    List<StoreDefinition> stores,
    ClientTls clientTls,
    ReadRepair readRepair,
    HandoffConfig handoff,
    AntiEntropyConfig antiEntropy,
    boolean joinAtStart) {

  public ServerConfig {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(requests, "requests");
    Objects.requireNonNull(thrift, "thrift");
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(logLevel, "logLevel");
    Objects.requireNonNull(clientTls, "clientTls");
    Objects.requireNonNull(readRepair, "readRepair");
    Objects.requireNonNull(handoff, "handoff");
    Objects.requireNonNull(antiEntropy, "antiEntropy");
    stores = List.copyOf(stores);
    if (stores.isEmpty()) {
      throw new IllegalArgumentException("at least one store is needed");
    }
    if (stores.stream().map(StoreDefinition::name).distinct().count() != stores.size()) {
      throw new IllegalArgumentException("store names must be distinct: " + stores);
    }
  }

  /**
   * The core's view of this configuration.
   *
   * @param secret the cluster secret (see {@link Cluster#secretFile()})
   * @param newIncarnation start a new incarnation whatever the data directory says
   */
  public NodeConfig nodeConfig(ClusterSecret secret, boolean newIncarnation) {
    return NodeConfig.builder(membership())
        .stores(stores)
        .requestTimeout(requests.timeout())
        .maxClockEntries(cluster.maxClockEntries())
        .ringPlanner(ringPlanner())
        .clusterSecret(secret)
        .newIncarnation(newIncarnation)
        .readRepair(readRepair.enabled())
        .readRepairMaxInFlight(readRepair.maxInFlight())
        .handoff(handoff)
        .antiEntropy(antiEntropy)
        .build();
  }

  /** Whether this node has no seed but itself: it runs alone or founds a cluster of its own. */
  public boolean alone() {
    return cluster.seeds().stream().allMatch(seed -> seed.id().equals(node.id()));
  }

  /**
   * What this node announces in gossip as its address: {@code client=HOST:PORT,peer=HOST:PORT}, the
   * text form of the transport's {@code NodeAddress}.
   */
  public String announcedAddress() {
    return "client=" + node.address() + ",peer=" + peer.address();
  }

  /**
   * Identity, announced addresses, zone, seeds, gossip settings and whether to join at the first
   * start, for {@code Membership}.
   */
  public MembershipConfig membership() {
    return MembershipConfig.builder(node.id())
        .address(announcedAddress())
        .zone(node.zone())
        .seeds(cluster.seeds().stream().map(Seed::id).toList())
        .gossipInterval(cluster.gossipInterval())
        .failureDetector(cluster.failureDetector())
        .joinAtStart(joinAtStart)
        .build();
  }

  /** The planner for {@code cluster.partition-strategy}, keeping the largest N distinct. */
  public RingPlanner ringPlanner() {
    int replicas =
        Math.max(
            RingPlanner.DEFAULT_REPLICAS,
            stores.stream().mapToInt(StoreDefinition::replicationFactor).max().orElse(1));
    return switch (cluster.partitionStrategy()) {
      case FIXED_PARTITIONS -> RingPlanner.fixedPartitions(cluster.partitions(), replicas);
      case RANDOM_TOKENS -> RingPlanner.randomTokens(cluster.tokensPerNode(), replicas);
    };
  }

  /**
   * {@code dynamo.node}.
   *
   * @param id this node's stable name
   * @param host the address the client port binds to
   * @param port the client port
   * @param advertisedHost the host clients and other nodes reach this node by (never a wildcard
   *     address)
   * @param zone availability zone, may be empty
   * @param dataDir the node's data directory, absolute
   * @param home where the node keeps what must live outside its data directory: the directory of
   *     its configuration file, or the data directory's parent when it has none; absolute
   * @param leaseFile the copy of the node's epoch lease, outside the data directory; absolute
   */
  public record Node(
      NodeId id,
      String host,
      int port,
      String advertisedHost,
      String zone,
      Path dataDir,
      Path home,
      Path leaseFile) {
    public Node {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(advertisedHost, "advertisedHost");
      Objects.requireNonNull(zone, "zone");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(home, "home");
      Objects.requireNonNull(leaseFile, "leaseFile");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1 to 65535, found " + port);
      }
    }

    /** Where the client port binds. */
    public Address bindAddress() {
      return new Address(host, port);
    }

    /** The address clients use: advertised host and client port. */
    public Address address() {
      return new Address(advertisedHost, port);
    }
  }

  /** The storage engines {@code dynamo.storage.engine} chooses from. */
  public enum Engine {
    LMDB,
    BDB,
    MEMORY;

    /** The name used in configuration and as the engine's directory under the data dir. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * {@code dynamo.storage}.
   *
   * @param engine the chosen engine
   * @param lmdb options for {@link Engine#LMDB}
   * @param bdb options for {@link Engine#BDB}
   */
  public record Storage(
      Engine engine, LmdbStorageEngineFactory.Options lmdb, BdbStorageEngineFactory.Options bdb) {
    public Storage {
      Objects.requireNonNull(engine, "engine");
      Objects.requireNonNull(lmdb, "lmdb");
      Objects.requireNonNull(bdb, "bdb");
    }

    /**
     * The engine's directory: {@code <dataDir>/<engine>}, so switching engines never mixes files.
     */
    public Path directory(Path dataDir) {
      return dataDir.resolve(engine.configName());
    }
  }

  /**
   * {@code dynamo.cluster}.
   *
   * @param seeds seed nodes, ids distinct
   * @param gossipInterval time between gossip rounds
   * @param failureDetector phi accrual settings
   * @param partitionStrategy strategy 3 or 1
   * @param partitions Q, a power of two (strategy 3)
   * @param tokensPerNode T (strategy 1)
   * @param maxClockEntries vector-clock pruning threshold
   * @param secretFile the cluster secret's file, absolute; null when not set (see {@link
   *     io.dynamokv.server.runtime.SecretFile})
   */
  public record Cluster(
      List<Seed> seeds,
      Duration gossipInterval,
      PhiAccrualFailureDetector.Config failureDetector,
      PartitionStrategy partitionStrategy,
      int partitions,
      int tokensPerNode,
      int maxClockEntries,
      Path secretFile) {
    public Cluster {
      seeds = List.copyOf(seeds);
      Objects.requireNonNull(gossipInterval, "gossipInterval");
      Objects.requireNonNull(failureDetector, "failureDetector");
      Objects.requireNonNull(partitionStrategy, "partitionStrategy");
    }
  }

  /** {@code dynamo.requests}: {@code timeout} is how long a coordinator waits for R or W. */
  public record Requests(Duration timeout) {
    public Requests {
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * {@code dynamo.read-repair}.
   *
   * @param enabled whether reads repair the stale owners they hear from (off only for tests)
   * @param maxInFlight read-repair writes a node keeps in flight at most
   */
  public record ReadRepair(boolean enabled, int maxInFlight) {
    public ReadRepair {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException(
            "max-in-flight must be at least 1, found " + maxInFlight);
      }
    }
  }

  /**
   * {@code dynamo.thrift}: limits and threads of the client listener, and settings shared by both
   * listeners (frame size, threads, grace, frame-read timeout) and the peer clients.
   *
   * @param maxFrameBytes the largest frame accepted or sent
   * @param maxReadBufferBytes the server's read buffers together ({@code auto} in the file: see
   *     {@link #autoReadBuffers})
   * @param maxConnections open connections the server accepts
   * @param selectorThreads selector threads of the server
   * @param workerThreads worker threads of the server
   * @param shutdownGrace how long a stopping server lets requests finish
   * @param frameReadTimeout how long a request frame may take to arrive once its buffer exists
   * @param idleTimeout how long a client connection may go without a request before it is closed
   * @param peerPoolSize connections kept to each peer, at most
   * @param peerCallsPerConnection calls one peer connection carries at once
   * @param connectTimeout timeout of a new peer connection
   */
  public record Thrift(
      int maxFrameBytes,
      long maxReadBufferBytes,
      int maxConnections,
      int selectorThreads,
      int workerThreads,
      Duration shutdownGrace,
      Duration frameReadTimeout,
      Duration idleTimeout,
      int peerPoolSize,
      int peerCallsPerConnection,
      Duration connectTimeout) {
    /** The read-buffer budget {@code auto} stands for: never more than this. */
    public static final long AUTO_READ_BUFFERS_MAX = 128L << 20;

    /**
     * The read-buffer budget of {@code max-read-buffer-bytes = auto}: a quarter of the heap, at
     * most {@link #AUTO_READ_BUFFERS_MAX}, and never less than one frame. Buffers of frames being
     * read are plain heap arrays, so a budget sized for a large heap would let a few clients
     * sending large frames exhaust a small one.
     */
    public static long autoReadBuffers(int maxFrameBytes, long maxHeapBytes) {
      return Math.max(maxFrameBytes, Math.min(AUTO_READ_BUFFERS_MAX, maxHeapBytes / 4));
    }

    public Thrift {
      Objects.requireNonNull(shutdownGrace, "shutdownGrace");
      Objects.requireNonNull(frameReadTimeout, "frameReadTimeout");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
      Objects.requireNonNull(connectTimeout, "connectTimeout");
    }
  }

  /**
   * {@code dynamo.peer}: the peer listener, where other nodes (gossip, replication) and admin
   * commands (join, leave, remove, with the admin token) reach this node, on a port of its own with
   * its own limits so that clients cannot crowd peers out.
   *
   * @param host the address the peer port binds to
   * @param port the peer port
   * @param advertisedHost the host other nodes reach the peer port by (never a wildcard address)
   * @param maxConnections open connections the peer listener accepts
   * @param maxReadBufferBytes the peer listener's read buffers together ({@code auto} in the file:
   *     see {@link #autoReadBuffers})
   * @param idleTimeout how long a peer connection may go without a request before it is closed;
   *     this node retires its own pooled peer connections after half of it
   */
  public record Peer(
      String host,
      int port,
      String advertisedHost,
      int maxConnections,
      long maxReadBufferBytes,
      Duration idleTimeout) {
    /** The read-buffer budget {@code auto} stands for: never more than this. */
    public static final long AUTO_READ_BUFFERS_MAX = 64L << 20;

    /**
     * The read-buffer budget of {@code dynamo.peer.max-read-buffer-bytes = auto}: an eighth of the
     * heap, at most {@link #AUTO_READ_BUFFERS_MAX}, and never less than one frame; with the client
     * listener's quarter, both together stay within the half of the heap a node allows.
     */
    public static long autoReadBuffers(int maxFrameBytes, long maxHeapBytes) {
      return Math.max(maxFrameBytes, Math.min(AUTO_READ_BUFFERS_MAX, maxHeapBytes / 8));
    }

    public Peer {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(advertisedHost, "advertisedHost");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1 to 65535, found " + port);
      }
    }

    /** Where the peer port binds. */
    public Address bindAddress() {
      return new Address(host, port);
    }

    /** The address other nodes (and seeds lists) use: advertised host and peer port. */
    public Address address() {
      return new Address(advertisedHost, port);
    }
  }

  /**
   * {@code dynamo.metrics}.
   *
   * @param enabled whether to serve {@code /metrics} and {@code /health}
   * @param host the HTTP server's bind address
   * @param port its port (0: any free port, for tests)
   */
  public record Metrics(boolean enabled, String host, int port) {
    public Metrics {
      Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535, found " + port);
      }
    }
  }
}
