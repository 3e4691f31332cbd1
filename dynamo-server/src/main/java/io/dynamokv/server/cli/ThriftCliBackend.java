/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.server.config.Address;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.TlsSettings;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The data commands over Thrift: {@link ThriftDynamoClient} (bootstrapped from the given node, then
 * routing by the ring) for get/put/delete, {@link ThriftAdminClient} for status and the admin
 * commands (plan, join, leave, remove, repair), which it sends to the node's peer port with the
 * admin token.
 */
final class ThriftCliBackend implements CliBackend {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final List<Address> addresses;
  private ThriftDynamoClient client;

  /** The node that answered the last {@link #status}; probes go through it. */
  private Address contacted;

  /** TLS settings, or null for plain connections. */
  private TlsSettings tls;

  private TlsContext tlsContext;

  /** Connect and answer timeout of status and probe calls. */
  private Duration adminTimeout = TIMEOUT;

  @Override
  public void limitCallsTo(Duration limit) {
    adminTimeout = limit.compareTo(TIMEOUT) < 0 ? limit : TIMEOUT;
  }

  @Override
  public void useTls(TlsSettings settings) {
    this.tls = settings;
    this.tlsContext = settings.load();
  }

  private ThriftCliBackend(List<Address> addresses) {
    this.addresses = List.copyOf(addresses);
  }

  /** Connects lazily: {@code status} needs only the one node. */
  static Connector connector() {
    return ThriftCliBackend::new;
  }

  @Override
  public GetResult get(String store, byte[] key, RequestOptions options) {
    return client().get(store, key, options);
  }

  @Override
  public Context put(
      String store, byte[] key, byte[] value, Context context, RequestOptions options) {
    return client().put(store, key, value, context, options);
  }

  @Override
  public Context delete(String store, byte[] key, Context context, RequestOptions options) {
    return client().delete(store, key, context, options);
  }

  @Override
  public ClusterStatus status() {
    DynamoException last = null;
    for (Address address : addresses) {
      try {
        return status(address);
      } catch (DynamoException e) {
        last = e;
      }
    }
    throw unreachable(last);
  }

  @Override
  public void probe(String store) {
    Address through = contacted != null ? contacted : addresses.get(0);
    try (ThriftAdminClient admin =
        ThriftAdminClient.connect(through.toString(), adminTimeout, tlsContext)) {
      admin.probe(store);
    }
  }

  @Override
  public LocalCopy localRead(String store, byte[] key) {
    return onFirstNode(
        (admin, address) -> {
          ThriftAdminClient.LocalRead read = admin.localRead(store, key);
          return new LocalCopy(
              read.nodeId() + " at " + address,
              read.versions().stream()
                  .map(v -> new StoredVersion(v.value(), v.tombstone(), v.wallMillis()))
                  .toList(),
              read.owner(),
              read.owners(),
              read.ringVersion());
        });
  }

  @Override
  public Plan plan(AdminToken token, Change change, String nodeId) {
    ThriftAdminClient.Change asked =
        switch (change) {
          case JOIN -> ThriftAdminClient.Change.JOIN;
          case LEAVE -> ThriftAdminClient.Change.LEAVE;
          case REMOVE -> ThriftAdminClient.Change.REMOVE;
        };
    return onFirstNode(
        (admin, address) -> {
          String node = admin.status().nodeId();
          ThriftAdminClient.Plan plan = admin.plan(token, asked, nodeId);
          if (plan instanceof ThriftAdminClient.Plan.Ready ready) {
            return new Plan(node, Plan.Outcome.READY, ready.text());
          }
          if (plan instanceof ThriftAdminClient.Plan.Refused refused) {
            return new Plan(node, Plan.Outcome.REFUSED, refused.reason());
          }
          return new Plan(
              node, Plan.Outcome.UNAVAILABLE, ((ThriftAdminClient.Plan.Unavailable) plan).reason());
        });
  }

  @Override
  public String join(AdminToken token) {
    return admin((admin, id) -> admin.join(token));
  }

  @Override
  public String leave(AdminToken token) {
    return admin((admin, id) -> admin.leave(token));
  }

  @Override
  public String remove(AdminToken token, String nodeId) {
    return admin((admin, id) -> admin.remove(token, nodeId));
  }

  @Override
  public String repair(AdminToken token, boolean wait, Duration waitLimit) {
    Duration before = adminTimeout;
    if (wait) {
      adminTimeout = waitLimit; // the reply comes when the pass is done
    }
    try {
      return admin((admin, id) -> admin.repair(token, wait));
    } finally {
      adminTimeout = before;
    }
  }

  private interface AdminCall {
    void run(ThriftAdminClient admin, String nodeId);
  }

  /**
   * Runs an admin command on the first node that answers; a node that answers and then fails the
   * command (e.g. refuses the token) is not retried on the next one.
   */
  private String admin(AdminCall call) {
    // Status on the client port (with TLS when given); the command itself goes to the peer port,
    // plain, on an admin channel.
    return onFirstNode(
        (admin, address) -> {
          String nodeId = admin.status().nodeId();
          call.run(admin, nodeId);
          return nodeId;
        });
  }

  /**
   * Runs {@code call} on the first node of {@code addresses} that accepts a connection; a node that
   * accepts and then fails the call is not retried on the next one.
   */
  private <T> T onFirstNode(BiFunction<ThriftAdminClient, Address, T> call) {
    DynamoException last = null;
    for (Address address : addresses) {
      ThriftAdminClient admin;
      try {
        admin = ThriftAdminClient.connect(address.toString(), adminTimeout, tlsContext);
      } catch (DynamoException e) {
        last = e;
        continue;
      }
      try (admin) {
        return call.apply(admin, address);
      }
    }
    throw unreachable(last);
  }

  private ClusterStatus status(Address address) {
    try (ThriftAdminClient admin =
        ThriftAdminClient.connect(address.toString(), adminTimeout, tlsContext)) {
      ThriftAdminClient.NodeStatus status = admin.status();
      List<Member> members =
          status.members().stream()
              .map(
                  m ->
                      new Member(
                          m.id(),
                          m.address(),
                          m.peerAddress(),
                          m.zone(),
                          m.status(),
                          m.reachable(),
                          100.0 * m.ownership()))
              .toList();
      contacted = address;
      return new ClusterStatus(
          status.nodeId() + " at " + address,
          status.ring(),
          status.stores(),
          members,
          status.sections());
    }
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }

  private ThriftDynamoClient client() {
    if (client == null) {
      try {
        ThriftDynamoClient.Builder builder =
            ThriftDynamoClient.builder()
                .bootstrap(addresses.stream().map(Address::toString).toList())
                .connectTimeout(TIMEOUT)
                .requestTimeout(TIMEOUT);
        if (tls != null) {
          // Members advertise their client ports, which serve TLS: routing by ring works as is.
          builder.tls(tls);
        }
        client = builder.build();
      } catch (DynamoException e) {
        throw unreachable(e);
      }
    }
    return client;
  }

  private CliException unreachable(DynamoException e) {
    return new CliException(
        ExitCodes.FAILURE,
        e.getMessage() + " To start a local cluster: bin/dynamo local-cluster --nodes 3");
  }
}
