/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.SecureChannel;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.Channels;
import io.dynamokv.transport.thrift.ThriftCodec;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.WireLimits;
import io.dynamokv.transport.thrift.gen.AdminReply;
import io.dynamokv.transport.thrift.gen.AdminRequest;
import io.dynamokv.transport.thrift.gen.ChangeKind;
import io.dynamokv.transport.thrift.gen.ChangePlan;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.DynamoError;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.gen.JoinCommand;
import io.dynamokv.transport.thrift.gen.LeaveCommand;
import io.dynamokv.transport.thrift.gen.LocalReadResponse;
import io.dynamokv.transport.thrift.gen.MemberInfo;
import io.dynamokv.transport.thrift.gen.NodeStatusInfo;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.gen.PlanCommand;
import io.dynamokv.transport.thrift.gen.RemoveCommand;
import io.dynamokv.transport.thrift.gen.RepairCommand;
import io.dynamokv.transport.thrift.gen.Sealed;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * Operator calls to one node, as the CLI makes them: status and the debugging {@link #localRead} on
 * its client port (with TLS when connected with a {@link TlsContext}, for nodes whose client port
 * serves TLS), and the admin commands (plan, join, leave, remove, repair), which need the {@link
 * AdminToken} and go to its peer port on an authenticated channel, never with TLS (the peer port
 * has its own authentication). Not thread-safe: one connection, one caller. Its API is free of
 * Thrift types.
 */
public final class ThriftAdminClient implements AutoCloseable {
  private final String address;
  private final TSocket socket;
  private final DynamoService.Client client;

  private final int timeoutMillis;

  private ThriftAdminClient(String address, TSocket socket, int timeoutMillis)
      throws TTransportException {
    this.address = address;
    this.socket = socket;
    this.timeoutMillis = timeoutMillis;
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
      return new ThriftAdminClient(hostPort, socket, millis);
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
                        m.getGeneration(),
                        m.isSetPeerAddress() ? m.getPeerAddress() : ""))
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

  /**
   * Debugging: what this node stores for {@code key} of {@code store} in its own data, read locally
   * (no quorum, no forwarding, no hints it holds for others), and whether it owns the key in its
   * ring. To look at one replica on its own, e.g. after a failure healed.
   *
   * @throws io.dynamokv.core.StoreNotFoundException for a store the node does not serve
   * @throws io.dynamokv.core.InvalidRequestException for an empty key
   * @throws io.dynamokv.core.LimitExceededException for a key over the store's limit
   */
  public LocalRead localRead(String store, byte[] key) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(key, "key");
    LocalReadResponse response = call(() -> client.localRead(store, ByteBuffer.wrap(key)));
    List<LocalVersion> versions = new ArrayList<>(response.getVersionsSize());
    for (io.dynamokv.transport.thrift.gen.LocalVersion v : response.getVersions()) {
      versions.add(new LocalVersion(v.getValue(), v.isTombstone(), v.getWallMillis()));
    }
    return new LocalRead(
        response.getNodeId(),
        versions,
        response.isOwner(),
        response.getOwners(),
        response.getRingVersion());
  }

  /**
   * Makes the node join the cluster through the seed {@code seedId}, whose peer port is at {@code
   * seedAddress}. Needs the admin token.
   *
   * @throws io.dynamokv.core.AuthenticationException if the node does not accept {@code token}
   */
  public void join(AdminToken token, String seedId, String seedAddress) {
    AdminRequest request = new AdminRequest();
    request.setJoin(new JoinCommand().setSeedId(seedId).setSeedAddress(seedAddress));
    admin(token, request);
  }

  /**
   * Makes the node ask the cluster for partitions through its configured seeds: a STANDBY member
   * (or one that left or was removed) becomes JOINING; a node already joining or in the ring stays
   * as it is. Needs the admin token.
   *
   * @throws io.dynamokv.core.AuthenticationException if the node does not accept {@code token}
   * @throws io.dynamokv.core.InvalidRequestException from a node of a release that joins only
   *     through a named seed
   */
  public void join(AdminToken token) {
    AdminRequest request = new AdminRequest();
    request.setJoin(new JoinCommand());
    admin(token, request);
  }

  /**
   * What {@code change} of {@code nodeId} would move if committed now, as the node computes it;
   * changes nothing. Needs the admin token.
   *
   * @param nodeId the node the change is about; null for the node itself (join, leave)
   * @throws io.dynamokv.core.AuthenticationException if the node does not accept {@code token}
   */
  public Plan plan(AdminToken token, Change change, String nodeId) {
    Objects.requireNonNull(change, "change");
    PlanCommand command =
        new PlanCommand(
            switch (change) {
              case JOIN -> ChangeKind.JOIN;
              case LEAVE -> ChangeKind.LEAVE;
              case REMOVE -> ChangeKind.REMOVE;
            });
    if (nodeId != null) {
      command.setNodeId(nodeId);
    }
    AdminRequest request = new AdminRequest();
    request.setPlan(command);
    AdminReply reply;
    try {
      reply = admin(token, request);
    } catch (io.dynamokv.core.InvalidRequestException e) {
      if (String.valueOf(e.getMessage()).contains("names no command this node knows")) {
        return new Plan.Unavailable(
            "the node does not plan changes (a release before plans): " + e.getMessage());
      }
      throw e;
    }
    ChangePlan plan = reply.getPlan();
    if (plan == null || plan.getSetField() == null) {
      return new Plan.Unavailable("the node answered without a plan");
    }
    if (plan.isSetText()) {
      return new Plan.Ready(plan.getText());
    }
    if (plan.isSetRefused()) {
      return new Plan.Refused(plan.getRefused());
    }
    return new Plan.Unavailable(plan.getUnavailable());
  }

  /** A change of the cluster's capacity ({@link #plan}). */
  public enum Change {
    JOIN,
    LEAVE,
    REMOVE
  }

  /** What {@link #plan} found. */
  public sealed interface Plan {
    /** The plan, for operators, one fact a line. */
    record Ready(String text) implements Plan {}

    /** The change cannot be made now, for {@code reason}: committing it would fail too. */
    record Refused(String reason) implements Plan {}

    /** The node cannot compute plans, for {@code reason}; the change may still be committed. */
    record Unavailable(String reason) implements Plan {}
  }

  /**
   * Makes the node leave the cluster. Needs the admin token.
   *
   * @throws io.dynamokv.core.AuthenticationException if the node does not accept {@code token}
   */
  public void leave(AdminToken token) {
    AdminRequest request = new AdminRequest();
    request.setLeave(new LeaveCommand());
    admin(token, request);
  }

  /**
   * Removes the (dead) node {@code nodeId} from the ring. Needs the admin token.
   *
   * @throws io.dynamokv.core.AuthenticationException if the node does not accept {@code token}
   */
  public void remove(AdminToken token, String nodeId) {
    AdminRequest request = new AdminRequest();
    request.setRemove(new RemoveCommand(nodeId));
    admin(token, request);
  }

  /**
   * Makes the node start a full anti-entropy pass; with {@code wait}, returns once the pass is done
   * (the call then waits as long as the pass takes). Needs the admin token.
   *
   * @throws io.dynamokv.core.AuthenticationException if the node does not accept {@code token}
   */
  public void repair(AdminToken token, boolean wait) {
    AdminRequest request = new AdminRequest();
    RepairCommand repair = new RepairCommand();
    repair.setWait(wait);
    request.setRepair(repair);
    admin(token, request);
  }

  /**
   * Sends one admin command on an admin channel to the node's peer port, which the node names in
   * its cluster information.
   */
  private AdminReply admin(AdminToken token, AdminRequest request) {
    ClusterInfo cluster = call(client::cluster);
    String self = cluster.getNodeId();
    MemberInfo me =
        cluster.getMembers().stream()
            .filter(m -> m.getId().equals(self) && m.isSetPeerAddress())
            .findFirst()
            .orElseThrow(
                () ->
                    new ThriftDynamoClient.UnavailableException(
                        address + " (" + self + ") does not say where its peer port is",
                        false,
                        null));
    InetSocketAddress at = AddressBook.parse(me.getPeerAddress());
    TSocket peer;
    try {
      peer = new TSocket(at.getHostString(), at.getPort(), timeoutMillis);
      peer.open();
    } catch (TTransportException e) {
      throw new ThriftDynamoClient.UnavailableException(
          "cannot reach the peer port of "
              + self
              + " at "
              + me.getPeerAddress()
              + ": "
              + e.getMessage(),
          false,
          e);
    }
    try {
      AdminReply reply =
          call(
              () -> {
                PeerService.Client admin =
                    new PeerService.Client(
                        new TCompactProtocol(
                            new TFramedTransport(peer, WireLimits.DEFAULT_MAX_FRAME_BYTES)));
                SecureChannel channel =
                    Channels.open(
                        admin, SecureChannel.Role.ADMIN, token.keyId(), token.key(), "admin", self);
                Sealed answer =
                    admin.exchange(Channels.sealRequest(channel, Channels.serializer(), request));
                return Channels.openReply(
                    channel,
                    Channels.deserializer(WireLimits.DEFAULT_MAX_FRAME_BYTES, 1000),
                    answer,
                    new AdminReply());
              });
      if (reply.isSetCode()) {
        throw ThriftCodec.toException(new DynamoError(reply.getCode(), reply.getMessage()));
      }
      return reply;
    } finally {
      peer.close();
    }
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
   * What one node stores for a key in its own data ({@link #localRead}).
   *
   * @param nodeId the node that answered
   * @param versions every sibling it stores, tombstones included; empty when it holds nothing
   * @param owner whether it is one of the key's owners in its own ring
   * @param owners the key's owners in that ring, in preference order; empty without a ring
   * @param ringVersion that ring's version, 0 without a ring
   */
  public record LocalRead(
      String nodeId,
      List<LocalVersion> versions,
      boolean owner,
      List<String> owners,
      long ringVersion) {
    public LocalRead {
      versions = List.copyOf(versions);
      owners = List.copyOf(owners);
    }

    /** The values of the versions that are not tombstones. */
    public List<byte[]> liveValues() {
      return versions.stream().filter(v -> !v.tombstone()).map(LocalVersion::value).toList();
    }
  }

  /**
   * One stored version.
   *
   * @param value the value; a tombstone's marker (usually empty)
   * @param wallMillis the coordinator's wall clock when it was written
   */
  public record LocalVersion(byte[] value, boolean tombstone, long wallMillis) {
    public LocalVersion {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }
  }

  /**
   * A member as the answering node sees it.
   *
   * @param status JOINING, NORMAL, LEAVING, LEFT or REMOVED
   * @param reachable the answering node's failure detector's opinion
   * @param ownership share of the ring it owns, 0 to 1
   * @param address host:port of its client port
   * @param peerAddress host:port of its peer port, empty if the node did not say
   */
  public record Member(
      String id,
      String address,
      String zone,
      String status,
      boolean reachable,
      double ownership,
      long generation,
      String peerAddress) {}
}
