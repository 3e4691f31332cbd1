/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.server.config.Seed;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.metrics.NodeMetrics;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.Turn;
import io.dynamokv.transport.thrift.peer.AdminCommands;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.NodeService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import io.dynamokv.transport.thrift.server.TlsClientServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The production network: a {@link ThriftPeerTransport} to the other nodes (seeds' peer addresses
 * from configuration, everyone else's from gossip), authenticated with the cluster secret, and two
 * listeners: the client one on {@code dynamo.node.host:port} with the limits of {@code
 * dynamo.thrift} (a non-blocking {@link ThriftServer}, or a {@link TlsClientServer} when {@code
 * dynamo.thrift.tls} is enabled, see {@link ClientTlsListener}), and the peer one (peer messages
 * and admin commands, a {@link ThriftServer}) on {@code dynamo.peer.host:port} with the limits of
 * {@code dynamo.peer}.
 */
public final class ThriftTransportFactory implements TransportFactory {
  /**
   * Each run of the node's queued tasks is a {@link Turn}: the peer requests its tasks send leave
   * when it ends, one write per connection.
   */
  @Override
  public ThreadScheduler.Runs schedulerRuns() {
    return Turn.forRuns();
  }

  @Override
  public Transport create(ServerConfig config, ClusterSecret secret) {
    Map<NodeId, InetSocketAddress> seeds = new HashMap<>();
    for (Seed seed : config.cluster().seeds()) {
      seeds.put(seed.id(), AddressBook.parse(seed.address().toString()));
    }
    AddressBook book = new AddressBook(seeds);
    ServerConfig.Thrift limits = config.thrift();
    ThriftPeerTransport peers =
        ThriftPeerTransport.builder(config.node().id(), book)
            .secret(secret)
            .poolSize(limits.peerPoolSize())
            .maxCallsPerConnection(limits.peerCallsPerConnection())
            .connectTimeout(limits.connectTimeout())
            .maxResponseFrameBytes(limits.maxFrameBytes())
            .maxRequestBytes(limits.maxFrameBytes())
            .maxIdle(config.peer().idleTimeout().dividedBy(2))
            .build();
    return new ThriftTransport(config, book, peers);
  }

  /** The client listener's settings: {@code dynamo.node.host:port} and {@code dynamo.thrift}. */
  static ThriftServerConfig clientListener(ServerConfig config) {
    ServerConfig.Thrift limits = config.thrift();
    return shared(limits, config.node().host(), config.node().port())
        .maxReadBufferBytes(limits.maxReadBufferBytes())
        .maxConnections(limits.maxConnections())
        .idleTimeout(limits.idleTimeout())
        .build();
  }

  /** The peer listener's settings: {@code dynamo.peer}, and what {@code dynamo.thrift} shares. */
  static ThriftServerConfig peerListener(ServerConfig config) {
    ServerConfig.Peer peer = config.peer();
    return shared(config.thrift(), peer.host(), peer.port())
        .maxReadBufferBytes(peer.maxReadBufferBytes())
        .maxConnections(peer.maxConnections())
        .idleTimeout(peer.idleTimeout())
        .build();
  }

  private static ThriftServerConfig.Builder shared(
      ServerConfig.Thrift limits, String host, int port) {
    return ThriftServerConfig.builder(host, port)
        .selectorThreads(limits.selectorThreads())
        .workerThreads(limits.workerThreads())
        .maxFrameBytes(limits.maxFrameBytes())
        .maxStringBytes(limits.maxFrameBytes())
        .shutdownGrace(limits.shutdownGrace())
        .frameReadTimeout(limits.frameReadTimeout());
  }

  private static final class ThriftTransport implements Transport {
    private final ServerConfig config;
    private final AddressBook book;
    private final ThriftPeerTransport peers;
    private volatile ThriftServer clientServer;
    private volatile TlsClientServer tlsClientServer;
    private volatile ThriftServer peerServer;

    ThriftTransport(ServerConfig config, AddressBook book, ThriftPeerTransport peers) {
      this.config = config;
      this.book = book;
      this.peers = peers;
    }

    @Override
    public PeerTransport peers() {
      return peers;
    }

    @Override
    public List<StatusSection> status() {
      ThriftServer client = clientServer;
      ThriftServer peer = peerServer;
      return List.of(
          new StatusSection(
              "transport",
              List.of(
                  StatusSection.Stat.counter(
                      "client.direct.replies",
                      client == null ? 0 : client.directReplies(),
                      "client replies written by the thread that completed them, without waking"
                          + " the connection's selector"),
                  StatusSection.Stat.counter(
                      "peer.direct.replies",
                      peer == null ? 0 : peer.directReplies(),
                      "peer replies written by the thread that completed them"),
                  StatusSection.Stat.counter(
                      "peer.requests", peers.requestsSent(), "requests sent to peers"),
                  StatusSection.Stat.counter(
                      "peer.request.writes",
                      peers.requestWrites(),
                      "writes of requests to peer sockets: fewer than peer.requests when the"
                          + " requests one wake-up makes of a peer leave together"
                          + " (a large request to a slow peer may take several)"),
                  StatusSection.Stat.gauge(
                      "peer.connections",
                      peers.connections(),
                      "outbound connections to peers, open or opening"))));
    }

    @Override
    public void start(DynamoNode node, StorageEngine storage, NodeMetrics metrics)
        throws IOException {
      book.follow(() -> node.membership().view());
      peers.serveAdmin(AdminCommands.of(node, book));
      NodeService service =
          new NodeService(
              node,
              storage,
              (operation, nanos, error) ->
                  metrics.record(
                      NodeMetrics.Op.of(operation), nanos, NodeMetrics.Outcome.of(error)),
              () -> NodeRuntime.sections(node, this));
      // Read the stores before opening a port: a node that cannot serve TLS does not start.
      TlsContext tls =
          config.clientTls().enabled() ? ClientTlsListener.load(config.clientTls()) : null;
      // Peers first: a node that answers clients should also be reachable by the other nodes.
      try {
        peerServer = ThriftServer.servePeers(peerListener(config), peers.peerService());
      } catch (ThriftServer.PortUnavailableException e) {
        throw new IOException(
            "cannot open the peer port (dynamo.peer.port) "
                + config.peer().bindAddress()
                + ": "
                + e.getMessage(),
            e);
      }
      if (tls != null) {
        TlsClientServer t = ClientTlsListener.start(config, tls, service);
        tlsClientServer = t;
        metrics.bindConnections(
            NodeMetrics.Listener.CLIENT,
            t::openConnections,
            t::rejectedConnections,
            t::stalledConnections,
            t::invalidFrames,
            t::idleClosed);
      } else {
        try {
          clientServer = ThriftServer.serveClients(clientListener(config), service);
        } catch (ThriftServer.PortUnavailableException e) {
          throw new IOException(
              "cannot open the client port (dynamo.node.port) "
                  + config.node().bindAddress()
                  + ": "
                  + e.getMessage(),
              e);
        }
        ThriftServer c = clientServer;
        metrics.bindConnections(
            NodeMetrics.Listener.CLIENT,
            c::openConnections,
            c::rejectedConnections,
            c::stalledConnections,
            c::invalidFrames,
            c::idleConnections);
      }
      ThriftServer p = peerServer;
      metrics.bindConnections(
          NodeMetrics.Listener.PEER,
          p::openConnections,
          p::rejectedConnections,
          p::stalledConnections,
          p::invalidFrames,
          p::idleConnections);
      metrics.bindPeerAuthentication(peers::refusedChannels, peers::refusedReplies);
    }

    @Override
    public void close() {
      TlsClientServer t = tlsClientServer;
      if (t != null) {
        t.close();
      }
      ThriftServer c = clientServer;
      if (c != null) {
        c.close();
      }
      ThriftServer p = peerServer;
      if (p != null) {
        p.close();
      }
      peers.close();
    }
  }
}
