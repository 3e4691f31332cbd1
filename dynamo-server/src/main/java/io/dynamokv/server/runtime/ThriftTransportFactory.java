/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.server.config.Seed;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.metrics.NodeMetrics;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.NodeService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import io.dynamokv.transport.thrift.server.TlsClientServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The production network: a {@link ThriftPeerTransport} to the other nodes (seeds' addresses from
 * configuration, everyone else's from gossip) and a {@link ThriftServer} on {@code
 * dynamo.node.host:port} serving clients and peers, with the limits of {@code dynamo.thrift}; with
 * {@code dynamo.thrift.tls} enabled, clients are served on the TLS port instead ({@link
 * ClientTlsListener}).
 */
public final class ThriftTransportFactory implements TransportFactory {
  @Override
  public Transport create(ServerConfig config) {
    Map<NodeId, InetSocketAddress> seeds = new HashMap<>();
    for (Seed seed : config.cluster().seeds()) {
      seeds.put(seed.id(), AddressBook.parse(seed.address().toString()));
    }
    AddressBook book = new AddressBook(seeds);
    ServerConfig.Thrift limits = config.thrift();
    ThriftPeerTransport peers =
        ThriftPeerTransport.builder(config.node().id(), book)
            .poolSize(limits.peerPoolSize())
            .connectTimeout(limits.connectTimeout())
            .maxResponseFrameBytes(limits.maxFrameBytes())
            .build();
    return new ThriftTransport(config, book, peers);
  }

  private static final class ThriftTransport implements Transport {
    private final ServerConfig config;
    private final AddressBook book;
    private final ThriftPeerTransport peers;
    private volatile ThriftServer server;
    private volatile TlsClientServer tlsServer;

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
    public void start(DynamoNode node, StorageEngine storage, NodeMetrics metrics)
        throws IOException {
      book.follow(() -> node.membership().view());
      ServerConfig.Thrift limits = config.thrift();
      ThriftServerConfig serverConfig =
          ThriftServerConfig.builder(config.node().host(), config.node().port())
              .selectorThreads(limits.selectorThreads())
              .workerThreads(limits.workerThreads())
              .maxFrameBytes(limits.maxFrameBytes())
              .maxStringBytes(limits.maxFrameBytes())
              .maxReadBufferBytes(limits.maxReadBufferBytes())
              .maxConnections(limits.maxConnections())
              .shutdownGrace(limits.shutdownGrace())
              .frameReadTimeout(limits.frameReadTimeout())
              .build();
      NodeService service =
          new NodeService(
              node,
              storage,
              book,
              (operation, nanos, error) ->
                  metrics.record(
                      NodeMetrics.Op.of(operation), nanos, NodeMetrics.Outcome.of(error)));
      TlsContext tls =
          config.clientTls().enabled() ? ClientTlsListener.load(config.clientTls()) : null;
      try {
        server =
            ThriftServer.start(
                serverConfig, ClientTlsListener.plainPort(config, service), peers.peerService());
      } catch (ThriftServer.PortUnavailableException e) {
        throw new IOException(e.getMessage(), e);
      }
      tlsServer = ClientTlsListener.start(config, tls, service);
      ThriftServer s = server;
      metrics.bindConnections(
          s::openConnections, s::rejectedConnections, s::stalledConnections, s::invalidFrames);
    }

    @Override
    public void close() {
      TlsClientServer t = tlsServer;
      if (t != null) {
        t.close();
      }
      ThriftServer s = server;
      if (s != null) {
        s.close();
      }
      peers.close();
    }
  }
}
