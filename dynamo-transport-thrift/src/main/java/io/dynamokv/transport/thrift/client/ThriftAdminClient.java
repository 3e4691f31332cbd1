/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.WireLimits;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.MemberInfo;
import io.dynamokv.transport.thrift.gen.NodeStatusInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * Operator calls to one node (status, and the admin operations), as the CLI makes them. Not
 * thread-safe: one connection, one caller. Its API is free of Thrift types.
 */
public final class ThriftAdminClient implements AutoCloseable {
  private final String address;
  private final TSocket socket;
  private final DynamoService.Client client;

  private ThriftAdminClient(String address, TSocket socket) throws TTransportException {
    this.address = address;
    this.socket = socket;
    this.client =
        new DynamoService.Client(
            new TCompactProtocol(new TFramedTransport(socket, WireLimits.DEFAULT_MAX_FRAME_BYTES)));
  }

  /**
   * Connects to the node at {@code hostPort}.
   *
   * @throws ThriftDynamoClient.UnavailableException when it cannot be reached
   */
  public static ThriftAdminClient connect(String hostPort, Duration timeout) {
    return connect(hostPort, timeout, null);
  }

  /**
   * Connects to the node at {@code hostPort}, with TLS when {@code tls} is not null (see {@link
   * ThriftDynamoClient.Builder#tls}).
   *
   * @throws ThriftDynamoClient.UnavailableException when it cannot be reached, or the TLS handshake
   *     fails
   */
  public static ThriftAdminClient connect(String hostPort, Duration timeout, TlsContext tls) {
    InetSocketAddress at = AddressBook.parse(hostPort);
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    try {
      TSocket socket = new TSocket(at.getHostString(), at.getPort(), millis);
      socket.open();
      if (tls != null) {
        socket = handshake(socket, tls, at, hostPort, millis);
      }
      return new ThriftAdminClient(hostPort, socket);
    } catch (TTransportException e) {
      throw new ThriftDynamoClient.UnavailableException(
          "cannot reach " + hostPort + ": " + e.getMessage(), false, e);
    }
  }

  private static TSocket handshake(
      TSocket plain, TlsContext tls, InetSocketAddress at, String hostPort, int millis)
      throws TTransportException {
    try {
      SSLSocket ssl = tls.client(plain.getSocket(), at.getHostString(), at.getPort());
      ssl.setSoTimeout(millis);
      ssl.startHandshake();
      return new TSocket(ssl);
    } catch (IOException e) {
      plain.close();
      throw new ThriftDynamoClient.UnavailableException(
          "TLS handshake with " + hostPort + " failed: " + ClientConnectionPool.describe(e),
          false,
          e);
    }
  }

  /** The node's view of the cluster, its counters and its storage. */
  public NodeStatus status() {
    NodeStatusInfo info = call(client::status);
    List<Member> members =
        info.getCluster().getMembers().stream()
            .map(
                (MemberInfo m) ->
                    new Member(
                        m.getId(),
                        m.getAddress(),
                        m.getZone(),
                        m.getStatus(),
                        m.isReachable(),
                        m.getOwnership(),
                        m.getGeneration()))
            .toList();
    ClusterInfo cluster = info.getCluster();
    Optional<Ring> ring =
        cluster.getRing() == null || cluster.getRing().length == 0
            ? Optional.empty()
            : Optional.of(RingCodec.decode(cluster.getRing()));
    return new NodeStatus(
        cluster.getNodeId(),
        cluster.getRingVersion(),
        ring,
        cluster.getStores().stream().map(ThriftCodec::fromThrift).toList(),
        members,
        Map.copyOf(info.getCounters()),
        info.getStorageEngine(),
        info.getStorageBytes(),
        info.isSetSections()
            ? info.getSections().stream().map(ThriftCodec::fromThrift).toList()
            : List.of());
  }

  /** The stores the node declares, as it declares them. */
  public List<StoreDefinition> stores() {
    return call(client::cluster).getStores().stream().map(ThriftCodec::fromThrift).toList();
  }

  /**
   * Makes the node put, get and delete its reserved probe key in {@code store} as coordinator (see
   * {@code ServingProbe}); returns once all three succeeded.
   *
   * @throws io.dynamokv.core.DynamoException the failure of the first step that failed
   */
  public void probe(String store) {
    call(
        () -> {
          client.probe(store);
          return null;
        });
  }

  /** Makes the node join the cluster through the seed {@code seedId} at {@code seedAddress}. */
  public void join(String seedId, String seedAddress) {
    call(
        () -> {
          client.join(seedId, seedAddress);
          return null;
        });
  }

  /** Makes the node leave the cluster. */
  public void leave() {
    call(
        () -> {
          client.leave();
          return null;
        });
  }

  /** Removes the (dead) node {@code nodeId} from the ring. */
  public void remove(String nodeId) {
    call(
        () -> {
          client.removeNode(nodeId);
          return null;
        });
  }

  @Override
  public void close() {
    socket.close();
  }

  private interface Call<T> {
    T run() throws TException;
  }

  private <T> T call(Call<T> call) {
    try {
      return call.run();
    } catch (DynamoError e) {
      throw ThriftCodec.toException(e);
    } catch (TException e) {
      throw new ThriftDynamoClient.UnavailableException(
          "the call to " + address + " failed: " + e.getMessage(), true, e);
    }
  }

  /**
   * A node's status.
   *
   * @param nodeId the node that answered
   * @param ringVersion 0 while it has no ring
   * @param ring its ring, empty while it has none
   * @param stores the stores it declares
   * @param counters what it counted, by name
   * @param storageEngine a description of its engine
   * @param storageBytes its engine's approximate size
   * @param sections its status sections, one per part that reports (empty from a node that sends
   *     none)
   */
  public record NodeStatus(
      String nodeId,
      long ringVersion,
      Optional<Ring> ring,
      List<StoreDefinition> stores,
      List<Member> members,
      Map<String, Long> counters,
      String storageEngine,
      long storageBytes,
      List<StatusSection> sections) {
    public NodeStatus {
      stores = List.copyOf(stores);
      members = List.copyOf(members);
      counters = Map.copyOf(counters);
      sections = List.copyOf(sections);
    }
  }

  /**
   * A member as the answering node sees it.
   *
   * @param status JOINING, NORMAL, LEAVING, LEFT or REMOVED
   * @param reachable the answering node's failure detector's opinion
   * @param ownership share of the ring it owns, 0 to 1
   */
  public record Member(
      String id,
      String address,
      String zone,
      String status,
      boolean reachable,
      double ownership,
      long generation) {}
}
