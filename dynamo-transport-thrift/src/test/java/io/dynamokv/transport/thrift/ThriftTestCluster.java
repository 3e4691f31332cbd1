/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.NodeConfig;
import io.dynamokv.core.node.NodeStats;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.TestSecrets;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import io.dynamokv.transport.thrift.gen.ChannelHello;
import io.dynamokv.transport.thrift.gen.ChannelWelcome;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DeleteRequest;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.ErrorCode;
import io.dynamokv.transport.thrift.gen.GetRequest;
import io.dynamokv.transport.thrift.gen.GetResponse;
import io.dynamokv.transport.thrift.gen.LocalReadResponse;
import io.dynamokv.transport.thrift.gen.NodeStatusInfo;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.PutRequest;
import io.dynamokv.transport.thrift.gen.Sealed;
import io.dynamokv.transport.thrift.gen.WriteResponse;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.NodeService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.thrift.TException;
import org.apache.thrift.async.AsyncMethodCallback;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster of real {@link DynamoNode}s in this JVM, each behind its own {@link ThriftServer} on a
 * free loopback port with a {@link NodeService}; nodes {@code n1..nK}, {@code n1} the seed. Peers
 * talk through the {@link PeerTransportFactory} given ({@link ThriftPeerTransport} by default).
 * {@link #start} returns once every node is NORMAL in one agreed ring.
 *
 * <pre>{@code
 * try (ThriftTestCluster cluster = ThriftTestCluster.start(3, List.of(StoreDefinition.of("s")));
 *     ThriftDynamoClient client = cluster.client().build()) {
 *   cluster.node(2).stop();
 * }
 * }</pre>
 */
final class ThriftTestCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ThriftTestCluster.class);
  static final Duration GOSSIP = Duration.ofMillis(100);

  private final List<Node> nodes = new ArrayList<>();
  private final Map<NodeId, InetSocketAddress> seeds = new HashMap<>();
  private List<StoreDefinition> stores;
  private PeerTransportFactory peers;
  private UnaryOperator<ThriftServerConfig.Builder> clients;
  private final AutoCloseable peersCloser;

  private ThriftTestCluster(AutoCloseable peersCloser) {
    this.peersCloser = peersCloser;
  }

  /** {@code size} nodes talking to each other through {@link ThriftPeerTransport}s. */
  static ThriftTestCluster start(int size, List<StoreDefinition> stores) {
    return start(size, stores, ThriftTestCluster::thriftPeers, () -> {});
  }

  /**
   * As {@link #start(int, List)}, with the client listeners' settings changed by {@code clients}.
   */
  static ThriftTestCluster start(
      int size, List<StoreDefinition> stores, UnaryOperator<ThriftServerConfig.Builder> clients) {
    return start(size, stores, ThriftTestCluster::thriftPeers, () -> {}, clients);
  }

  private static PeerTransportFactory.Peers thriftPeers(NodeId self, AddressBook book) {
    ThriftPeerTransport transport =
        ThriftPeerTransport.builder(self, book).secret(TestSecrets.CLUSTER).build();
    return new PeerTransportFactory.Peers(transport, transport.peerService());
  }

  /**
   * {@code size} nodes whose peers come from {@code peers}; {@code closer} is closed last (may be a
   * no-op).
   */
  static ThriftTestCluster start(
      int size, List<StoreDefinition> stores, PeerTransportFactory peers, AutoCloseable closer) {
    return start(size, stores, peers, closer, UnaryOperator.identity());
  }

  private static ThriftTestCluster start(
      int size,
      List<StoreDefinition> stores,
      PeerTransportFactory peers,
      AutoCloseable closer,
      UnaryOperator<ThriftServerConfig.Builder> clients) {
    ThriftTestCluster cluster = new ThriftTestCluster(closer);
    cluster.stores = stores;
    cluster.peers = peers;
    cluster.clients = clients;
    try {
      // Servers first, on port 0: each node must announce its real address when it starts.
      for (int i = 1; i <= size; i++) {
        cluster.nodes.add(new Node(NodeId.of("n" + i), 0, 0, clients));
      }
      cluster.seeds.put(
          cluster.nodes.get(0).id, AddressBook.parse(cluster.nodes.get(0).peerAddress()));
      for (Node node : cluster.nodes) {
        node.start(stores, cluster.seeds, peers);
      }
      Awaitility.await("cluster formed")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(cluster::formed);
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Every running node is NORMAL, has a ring, all agree on its version, it does not move and it
   * holds exactly the running nodes (DynamoSim's criterion).
   */
  boolean formed() {
    Long version = null;
    int up = 0;
    for (Node n : nodes) {
      if (!n.isUp()) {
        continue;
      }
      up++;
      MembershipView view = n.dynamo.membership().view();
      if (view.status(n.id) != NodeStatus.NORMAL || n.dynamo.ring().isEmpty()) {
        return false;
      }
      long v = view.ringVersion();
      if (version != null && version != v) {
        return false;
      }
      version = v;
    }
    for (Node n : nodes) {
      if (n.isUp()) {
        // A join ends when the ring no longer moves: until then writes need both layouts.
        io.dynamokv.core.ring.Ring ring = n.dynamo.ring().orElseThrow();
        return !ring.moving() && ring.nodeCount() == up;
      }
    }
    return false;
  }

  /**
   * Stops node {@code i} (1-based) as a crash would and starts a new incarnation of it, with empty
   * storage, on the same ports; returns it.
   */
  Node restart(int i) {
    Node old = nodes.get(i - 1);
    old.stop();
    Node fresh =
        new Node(
            old.id, old.server.address().getPort(), old.peerServer.address().getPort(), clients);
    nodes.set(i - 1, fresh);
    fresh.start(stores, seeds, peers);
    return fresh;
  }

  /** Node {@code i}, 1-based. */
  Node node(int i) {
    return nodes.get(i - 1);
  }

  List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** The ring of the first running node. */
  Ring ring() {
    return nodes.stream().filter(Node::isUp).findFirst().orElseThrow().dynamo.ring().orElseThrow();
  }

  /** The running node with id {@code id}. */
  Node node(NodeId id) {
    return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
  }

  /** The addresses of every node, in order. */
  List<String> addresses() {
    return nodes.stream().map(Node::address).toList();
  }

  /** A client builder bootstrapped from every node, with short timeouts. */
  ThriftDynamoClient.Builder client() {
    return ThriftDynamoClient.builder()
        .bootstrap(addresses())
        .connectTimeout(Duration.ofSeconds(1))
        .requestTimeout(Duration.ofSeconds(1))
        .ringRefreshInterval(Duration.ofSeconds(1));
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      n.stop();
    }
    try {
      peersCloser.close();
    } catch (Exception e) {
      log.warn("closing the peers failed", e);
    }
  }

  /** What a node coordinated, read on its scheduler (exact). */
  record Counts(long reads, long writes, long forwarded) {}

  /** One node: server, Dynamo node, scheduler, storage, peers. */
  static final class Node {
    final NodeId id;
    private final Delegate delegate = new Delegate();
    private final ThriftServer server;
    private final ThriftServer peerServer;
    private ThreadScheduler scheduler;
    private DynamoNode dynamo;
    private PeerTransportFactory.Peers peers;
    private volatile boolean up;

    private Node(
        NodeId id,
        int clientPort,
        int peerPort,
        UnaryOperator<ThriftServerConfig.Builder> clients) {
      this.id = id;
      this.server =
          ThriftServer.serveClients(
              clients
                  .apply(
                      ThriftServerConfig.builder("127.0.0.1", clientPort)
                          .shutdownGrace(Duration.ofMillis(500)))
                  .build(),
              delegate);
      this.peerServer =
          ThriftServer.servePeers(
              ThriftServerConfig.builder("127.0.0.1", peerPort)
                  .shutdownGrace(Duration.ofMillis(500))
                  .build(),
              delegate);
    }

    private void start(
        List<StoreDefinition> stores,
        Map<NodeId, InetSocketAddress> seeds,
        PeerTransportFactory factory) {
      AddressBook book = new AddressBook(seeds);
      peers = factory.create(id, book);
      scheduler = new ThreadScheduler("node-" + id, e -> log.error("{} task failed", id, e));
      MemoryStorageEngine storage = MemoryStorageEngine.create();
      dynamo =
          DynamoNode.start(
              NodeConfig.builder(
                      MembershipConfig.builder(id)
                          .address(
                              new NodeAddress(
                                      AddressBook.parse(address()),
                                      AddressBook.parse(peerAddress()))
                                  .toString())
                          .seeds(seeds.keySet())
                          .gossipInterval(GOSSIP)
                          .build())
                  .stores(stores)
                  .clusterSecret(TestSecrets.CLUSTER)
                  .build(),
              Clock.system(),
              scheduler,
              RandomSource.unseeded(),
              peers.transport(),
              storage,
              Host.inMemory());
      book.follow(() -> dynamo.membership().view());
      delegate.client = new NodeService(dynamo, storage);
      delegate.peer = peers.service();
      up = true;
    }

    /** Where clients reach the node. */
    String address() {
      return "127.0.0.1:" + server.address().getPort();
    }

    /** Where peers reach the node. */
    String peerAddress() {
      return "127.0.0.1:" + peerServer.address().getPort();
    }

    ThriftServer peerServer() {
      return peerServer;
    }

    DynamoNode dynamo() {
      return dynamo;
    }

    ThriftServer server() {
      return server;
    }

    boolean isUp() {
      return up;
    }

    /** The node's coordination counters, read on its own thread. */
    Counts counts() {
      CompletableFuture<Counts> counts = new CompletableFuture<>();
      scheduler.execute(
          () -> {
            NodeStats s = dynamo.stats();
            counts.complete(new Counts(s.reads(), s.writes(), s.forwarded()));
          });
      try {
        return counts.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("could not read the counters of " + id, e);
      }
    }

    /** Stops the node as a crash would: peers, node and server. Idempotent. */
    void stop() {
      up = false;
      if (peers != null) {
        peers.transport().close();
      }
      if (dynamo != null) {
        dynamo.close();
      }
      server.close();
      peerServer.close();
      if (scheduler != null) {
        scheduler.close();
      }
    }

    @Override
    public String toString() {
      return id + "@" + address();
    }
  }

  /**
   * Forwards to the node's services once they exist: the server must be listening (its port known)
   * before the node can announce its address.
   */
  private static final class Delegate implements DynamoService.AsyncIface, PeerService.AsyncIface {
    volatile DynamoService.AsyncIface client;
    volatile PeerService.AsyncIface peer;

    private static DynamoError starting() {
      return new DynamoError(ErrorCode.SHUTTING_DOWN, "the node is starting");
    }

    @Override
    public void get(GetRequest request, AsyncMethodCallback<GetResponse> callback)
        throws TException {
      DynamoService.AsyncIface c = client;
      if (c == null) {
        callback.onError(starting());
      } else {
        c.get(request, callback);
      }
    }

    @Override
    public void put(PutRequest request, AsyncMethodCallback<WriteResponse> callback)
        throws TException {
      DynamoService.AsyncIface c = client;
      if (c == null) {
        callback.onError(starting());
      } else {
        c.put(request, callback);
      }
    }

    @Override
    public void erase(DeleteRequest request, AsyncMethodCallback<WriteResponse> callback)
        throws TException {
      DynamoService.AsyncIface c = client;
      if (c == null) {
        callback.onError(starting());
      } else {
        c.erase(request, callback);
      }
    }

    @Override
    public void localRead(
        String store, ByteBuffer key, AsyncMethodCallback<LocalReadResponse> callback)
        throws TException {
      DynamoService.AsyncIface c = client;
      if (c == null) {
        callback.onError(starting());
      } else {
        c.localRead(store, key, callback);
      }
    }

    @Override
    public void cluster(AsyncMethodCallback<ClusterInfo> callback) throws TException {
      DynamoService.AsyncIface c = client;
      if (c == null) {
        callback.onError(starting());
      } else {
        c.cluster(callback);
      }
    }

    @Override
    public void status(AsyncMethodCallback<NodeStatusInfo> callback) throws TException {
      DynamoService.AsyncIface c = client;
      if (c == null) {
        callback.onError(starting());
      } else {
        c.status(callback);
      }
    }

    @Override
    public void probe(String store, AsyncMethodCallback<Void> callback) throws TException {
      DynamoService.AsyncIface c = client;
      if (c == null) {
        callback.onError(starting());
      } else {
        c.probe(store, callback);
      }
    }

    @Override
    public void hello(ChannelHello hello, AsyncMethodCallback<ChannelWelcome> callback)
        throws TException {
      PeerService.AsyncIface p = peer;
      if (p == null) {
        callback.onError(starting());
      } else {
        p.hello(hello, callback);
      }
    }

    @Override
    public void exchange(Sealed request, AsyncMethodCallback<Sealed> callback) throws TException {
      PeerService.AsyncIface p = peer;
      if (p == null) {
        callback.onError(starting());
      } else {
        p.exchange(request, callback);
      }
    }
  }
}
