/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.NodeConfig;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.peer.AdminCommands;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.NodeService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.awaitility.Awaitility;

/**
 * One node (N=1, store {@code default}) behind real {@link ThriftServer}s on free loopback ports:
 * the fixture of the transport's tests. Its client port serves {@link NodeService}; its peer port
 * serves a real {@link ThriftPeerTransport} with {@link TestSecrets#CLUSTER}, so peer messages sent
 * on an authenticated channel ({@link PeerChannel}) reach the node as they would in a cluster.
 *
 * <p>{@link #start} returns once the node has its ring, so requests succeed right away.
 */
final class ThriftTestNode implements AutoCloseable {
  static final String STORE = "default";

  private final ThreadScheduler scheduler;
  private final MemoryStorageEngine storage;
  private final DynamoNode node;
  private final ThriftServer server;
  private final ThriftPeerTransport peers;
  private final ThriftServer peerServer;
  private final List<Thread> serverThreads;

  private ThriftTestNode(
      StoreDefinition store,
      UnaryOperator<ThriftServerConfig.Builder> serverConfig,
      UnaryOperator<DynamoService.AsyncIface> clientService,
      UnaryOperator<AdminCommands> adminCommands) {
    NodeId id = NodeId.of("solo");
    scheduler = new ThreadScheduler("solo", e -> {});
    storage = MemoryStorageEngine.create();
    AddressBook book = new AddressBook(Map.of());
    peers =
        ThriftPeerTransport.builder(NodeId.of("solo"), book).secret(TestSecrets.CLUSTER).build();
    peerServer =
        ThriftServer.servePeers(
            serverConfig.apply(ThriftServerConfig.builder("127.0.0.1", 0)).build(),
            peers.peerService());
    node =
        DynamoNode.start(
            NodeConfig.builder(
                    MembershipConfig.builder(id)
                        // The client port is not known yet: nothing routes by it here.
                        .address(
                            new NodeAddress(AddressBook.parse("127.0.0.1:1"), peerServer.address())
                                .toString())
                        .gossipInterval(Duration.ofMillis(50))
                        .build())
                .store(store)
                .clusterSecret(TestSecrets.CLUSTER)
                .build(),
            Clock.system(),
            scheduler,
            RandomSource.unseeded(),
            peers,
            storage,
            Host.inMemory());
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    DynamoService.AsyncIface client = clientService.apply(new NodeService(node, storage));
    server =
        ThriftServer.serveClients(
            serverConfig.apply(ThriftServerConfig.builder("127.0.0.1", 0)).build(), client);
    serverThreads =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> !before.contains(t) && isServerThread(t))
            .toList();
    peers.serveAdmin(adminCommands.apply(AdminCommands.of(node, book)));
  }

  /** A node with the default store limits and the given server settings. */
  static ThriftTestNode start(UnaryOperator<ThriftServerConfig.Builder> serverConfig) {
    return start(StoreDefinition.of(STORE, 1, 1, 1), serverConfig, UnaryOperator.identity());
  }

  /**
   * A node with {@code store}, the given server settings, and the client service {@code
   * clientService} makes of the node's {@link NodeService} (e.g. wraps it).
   */
  static ThriftTestNode start(
      StoreDefinition store,
      UnaryOperator<ThriftServerConfig.Builder> serverConfig,
      UnaryOperator<DynamoService.AsyncIface> clientService) {
    return start(store, serverConfig, clientService, UnaryOperator.identity());
  }

  /**
   * A node with the default store and server settings whose peer port serves the admin commands
   * {@code adminCommands} makes of the node's own (e.g. a fake).
   */
  static ThriftTestNode withAdmin(UnaryOperator<AdminCommands> adminCommands) {
    return start(
        StoreDefinition.of(STORE, 1, 1, 1),
        UnaryOperator.identity(),
        UnaryOperator.identity(),
        adminCommands);
  }

  private static ThriftTestNode start(
      StoreDefinition store,
      UnaryOperator<ThriftServerConfig.Builder> serverConfig,
      UnaryOperator<DynamoService.AsyncIface> clientService,
      UnaryOperator<AdminCommands> adminCommands) {
    ThriftTestNode n = new ThriftTestNode(store, serverConfig, clientService, adminCommands);
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> n.node.ring().isPresent());
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private static boolean isServerThread(Thread t) {
    return t.getClass().getName().startsWith("org.apache.thrift.server.")
        || t.getName().startsWith("thrift-client-server-");
  }

  /** Handles some calls of a client service in place of the node: whether it handled this one. */
  @FunctionalInterface
  interface Interceptor {
    boolean handled(String method, Object[] args) throws Throwable;
  }

  /**
   * {@code service}, except for the calls {@code interceptor} handles (for a {@link #start}'s
   * {@code clientService}).
   */
  static DynamoService.AsyncIface intercepting(
      DynamoService.AsyncIface service, Interceptor interceptor) {
    return (DynamoService.AsyncIface)
        java.lang.reflect.Proxy.newProxyInstance(
            ThriftTestNode.class.getClassLoader(),
            new Class<?>[] {DynamoService.AsyncIface.class},
            (proxy, method, args) -> {
              if (interceptor.handled(method.getName(), args)) {
                return null;
              }
              try {
                return method.invoke(service, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  ThriftServer server() {
    return server;
  }

  DynamoNode node() {
    return node;
  }

  int port() {
    return server.address().getPort();
  }

  /** The peer listener. */
  ThriftServer peerServer() {
    return peerServer;
  }

  int peerPort() {
    return peerServer.address().getPort();
  }

  /** The node's peer transport (serving its peer port). */
  ThriftPeerTransport peers() {
    return peers;
  }

  /** The threads the server started: acceptor, selectors and the serving thread. */
  List<Thread> serverThreads() {
    return serverThreads;
  }

  /** A synchronous generated client on a new connection; every call times out after 5 s. */
  Client client() throws TTransportException {
    TSocket socket = new TSocket("127.0.0.1", port(), 5_000);
    socket.open();
    return new Client(socket);
  }

  @Override
  public void close() {
    try {
      server.close();
      peerServer.close();
    } finally {
      node.close();
      peers.close();
      scheduler.close();
    }
  }

  /** A generated client with its socket. */
  static final class Client extends DynamoService.Client implements AutoCloseable {
    private final TSocket socket;

    private Client(TSocket socket) throws TTransportException {
      super(new TCompactProtocol(new TFramedTransport(socket)));
      this.socket = socket;
    }

    @Override
    public void close() {
      socket.close();
    }
  }
}
