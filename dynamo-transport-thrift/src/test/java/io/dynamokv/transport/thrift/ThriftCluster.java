/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.PeerTransportContract;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * Nodes made of a {@link ThriftPeerTransport} and a {@link ThriftServer} on a loopback port, all
 * sharing one {@link AddressBook}. A stopped node keeps its port, so it restarts at the same
 * address.
 */
final class ThriftCluster implements PeerTransportContract.Fixture {
  final AddressBook book = new AddressBook(Map.of());
  private final UnaryOperator<ThriftPeerTransport.Builder> settings;
  private final UnaryOperator<ThriftServerConfig.Builder> servers;
  private final Map<NodeId, Node> nodes = new LinkedHashMap<>();

  /** One node's transport and server; {@code server} is null while the node is stopped. */
  static final class Node {
    ThriftPeerTransport transport;
    ThriftServer server;
    int port;
  }

  ThriftCluster(UnaryOperator<ThriftPeerTransport.Builder> settings) {
    this(settings, UnaryOperator.identity());
  }

  /** With the peer listeners' settings changed by {@code servers}. */
  ThriftCluster(
      UnaryOperator<ThriftPeerTransport.Builder> settings,
      UnaryOperator<ThriftServerConfig.Builder> servers) {
    this.settings = settings;
    this.servers = servers;
  }

  /** Starts {@code id} on a free port, or on its former one if it ran before. */
  ThriftPeerTransport start(NodeId id) {
    Node node = nodes.computeIfAbsent(id, k -> new Node());
    node.transport =
        settings.apply(ThriftPeerTransport.builder(id, book).secret(TestSecrets.CLUSTER)).build();
    node.server =
        ThriftServer.servePeers(
            servers
                .apply(
                    ThriftServerConfig.builder("127.0.0.1", node.port)
                        .selectorThreads(1)
                        .shutdownGrace(Duration.ZERO))
                .build(),
            node.transport.peerService());
    node.port = node.server.address().getPort();
    book.put(id, node.server.address());
    return node.transport;
  }

  ThriftServer server(NodeId id) {
    return nodes.get(id).server;
  }

  /** Stops only the server of {@code id}: its transport still calls out. */
  void stopServer(NodeId id) {
    Node node = nodes.get(id);
    if (node.server != null) {
      node.server.close();
      node.server = null;
    }
  }

  /** Starts a new server for {@code id}'s existing transport on its former port. */
  ThriftServer restartServer(NodeId id) {
    Node node = nodes.get(id);
    node.server =
        ThriftServer.servePeers(
            servers
                .apply(
                    ThriftServerConfig.builder("127.0.0.1", node.port)
                        .selectorThreads(1)
                        .shutdownGrace(Duration.ZERO))
                .build(),
            node.transport.peerService());
    return node.server;
  }

  @Override
  public ThriftPeerTransport transport(NodeId node) {
    return nodes.get(node).transport;
  }

  @Override
  public void stop(NodeId id) {
    stopServer(id);
    nodes.get(id).transport.close();
  }

  @Override
  public PeerTransport restart(NodeId id) {
    return start(id);
  }

  @Override
  public boolean await(CompletionStage<?> stage, Duration max) {
    try {
      stage.toCompletableFuture().get(max.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (ExecutionException e) {
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void close() {
    for (NodeId id : List.copyOf(nodes.keySet())) {
      stop(id);
    }
  }
}
