/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.metrics.NodeMetrics;
import java.io.IOException;
import java.util.List;

/**
 * Where {@link NodeRuntime} gets its network: the {@link PeerTransport} a {@link DynamoNode} talks
 * to peers through, and the listeners that accept client connections on {@code
 * dynamo.node.host:port} and peer connections (and admin commands) on {@code
 * dynamo.peer.host:port}. {@link ThriftTransportFactory} is the production one; {@link #isolated()}
 * serves tests that need no network.
 *
 * <p>Two phases, because the node and its transport need each other: the runtime {@linkplain
 * #create creates} the transport, starts the node over {@link Transport#peers()} (which installs
 * the node's peer handler with {@link PeerTransport#serve}), then {@linkplain Transport#start
 * starts} the server with the node to serve clients from.
 */
@FunctionalInterface
public interface TransportFactory {
  /**
   * Creates, without listening yet, the transport of the node {@code config} describes: its limits
   * are {@link ServerConfig#thrift()} and {@link ServerConfig#peer()}, its seeds' peer addresses
   * {@code config.cluster().seeds()}; peers authenticate each other with {@code secret}.
   */
  Transport create(ServerConfig config, ClusterSecret secret);

  /**
   * What brackets each run of tasks the node's scheduler thread takes from its queue: a transport
   * may hold the messages the tasks send until the run ends, to write them together. A new one for
   * each node; none by default.
   */
  default ThreadScheduler.Runs schedulerRuns() {
    return ThreadScheduler.Runs.NONE;
  }

  /** One node's transport. */
  interface Transport extends AutoCloseable {
    /** The peer transport to start the node with; the same instance on every call. */
    PeerTransport peers();

    /**
     * Starts accepting connections: on the peer port, peers' requests go to the handler the node
     * installed and admin commands to {@code node}'s membership; on the client port, clients'
     * requests go to {@code node} (status reports {@code storage}), timed in {@code metrics}.
     * Called once, after the node started.
     *
     * @throws IOException when a port cannot be bound; the message says which (client or peer)
     */
    void start(DynamoNode node, StorageEngine storage, NodeMetrics metrics) throws IOException;

    /**
     * The transport's own status sections (e.g. {@code transport}: replies written without a
     * selector wake-up, peer connections), shown by {@code dynamo status} and exported by {@code
     * /metrics} beside the node's. The same figures before and after {@link #start} (0 before);
     * never blocks.
     */
    default List<StatusSection> status() {
      return List.of();
    }

    /**
     * Stops accepting, lets in-flight requests finish for at most {@code
     * dynamo.thrift.shutdown-grace}, then closes the peer transport. Idempotent.
     */
    @Override
    void close();
  }

  /**
   * A transport without a network: calls to the node itself are handled in process, calls to any
   * other node fail as {@linkplain io.dynamokv.core.spi.PeerException.Unreachable unreachable}, and
   * no port is opened. A node on it founds a cluster of one if it is its lowest seed (or has none)
   * and never meets another node.
   */
  static TransportFactory isolated() {
    return (config, secret) -> new IsolatedTransport(config.node().id());
  }
}
