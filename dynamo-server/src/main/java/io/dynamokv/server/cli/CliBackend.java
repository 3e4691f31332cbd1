/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.server.config.Address;
import io.dynamokv.transport.thrift.TlsSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the data and admin commands ({@code put}, {@code get}, {@code delete}, {@code status},
 * {@code join}, {@code leave}, {@code remove}, {@code repair}) need from a cluster, behind which
 * the Thrift client library will sit. Outcomes follow {@link io.dynamokv.core.client.DynamoClient}:
 * a method that returns succeeded; a {@link io.dynamokv.core.DynamoException} says why not.
 *
 * <p>One instance serves one command and is closed after it.
 */
public interface CliBackend extends AutoCloseable {
  /** Reads {@code key} (R and timeout from {@code options}): its siblings and their context. */
  GetResult get(String store, byte[] key, RequestOptions options);

  /** Writes {@code value} superseding what {@code context} covers (W from {@code options}). */
  Context put(String store, byte[] key, byte[] value, Context context, RequestOptions options);

  /** Deletes what {@code context} covers (W from {@code options}). */
  Context delete(String store, byte[] key, Context context, RequestOptions options);

  /** The cluster as the contacted node sees it. */
  ClusterStatus status();

  /**
   * Makes the node that answered the last {@link #status} (else the first node) put, get and delete
   * its reserved probe key in {@code store} as coordinator.
   *
   * @throws io.dynamokv.core.DynamoException when a step fails
   */
  void probe(String store);

  /**
   * Debugging: what the first node that answers stores for {@code key} in its own data, read
   * locally (no quorum, no forwarding), and whether it owns the key in its ring.
   *
   * @throws io.dynamokv.core.StoreNotFoundException for a store the node does not serve
   * @throws io.dynamokv.core.InvalidRequestException for an empty key
   * @throws io.dynamokv.core.LimitExceededException for a key over the store's limit
   */
  default LocalCopy localRead(String store, byte[] key) {
    throw new UnsupportedOperationException("this backend cannot read a node's local copy");
  }

  /**
   * What {@code change} would move if committed now, as the first node that answers computes it;
   * changes nothing. Sends {@code token} to its peer port.
   *
   * @param nodeId the node the change is about; null for the contacted node itself (join, leave)
   * @throws io.dynamokv.core.AuthenticationException when the node refuses the token
   */
  Plan plan(AdminToken token, Change change, String nodeId);

  /**
   * Makes the first node that answers ask the cluster for partitions through its configured seeds
   * (a STANDBY member becomes JOINING; a node already joining or in the ring stays as it is); sends
   * {@code token} to its peer port.
   *
   * @return the id of the node that is joining
   * @throws io.dynamokv.core.AuthenticationException when the node refuses the token
   */
  String join(AdminToken token);

  /**
   * Makes the first node that answers leave the cluster, handing its ranges to the others; sends
   * {@code token} to its peer port.
   *
   * @return the id of the node that is leaving
   * @throws io.dynamokv.core.AuthenticationException when the node refuses the token
   */
  String leave(AdminToken token);

  /**
   * Makes the first node that answers remove the (dead) node {@code nodeId} from the ring for good;
   * sends {@code token} to its peer port.
   *
   * @return the id of the node that carried out the removal
   * @throws io.dynamokv.core.AuthenticationException when the node refuses the token
   */
  String remove(AdminToken token, String nodeId);

  /**
   * Makes the first node that answers start a full anti-entropy pass (every partition it holds,
   * with each other replica); sends {@code token} to its peer port.
   *
   * @param wait whether to return only once the pass is done
   * @param waitLimit how long to wait for it at most (with {@code wait})
   * @return the id of the node that ran the pass
   * @throws io.dynamokv.core.AuthenticationException when the node refuses the token
   */
  String repair(AdminToken token, boolean wait, Duration waitLimit);

  /**
   * Bounds each later call to the cluster (connect and answer) by {@code limit} at the most, for a
   * caller with a deadline of its own. By default calls keep the backend's own timeout.
   */
  default void limitCallsTo(Duration limit) {}

  /**
   * Connects with TLS from now on ({@code --tls-trust-store}). Backends without a network ignore
   * it.
   */
  default void useTls(TlsSettings tls) {}

  @Override
  void close();

  /** A change of the cluster's capacity: what {@code join}, {@code leave} and {@code remove} do. */
  enum Change {
    JOIN,
    LEAVE,
    REMOVE
  }

  /**
   * What a node answered when asked for the plan of a change.
   *
   * @param node the id of the node that answered
   * @param outcome whether it made a plan, refused the change, or cannot plan
   * @param text the plan (one fact a line) when {@link Outcome#READY}, else why not
   */
  record Plan(String node, Outcome outcome, String text) {
    public Plan {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(outcome, "outcome");
      Objects.requireNonNull(text, "text");
    }

    /** How a plan request ended. */
    public enum Outcome {
      /** The node made the plan. */
      READY,
      /** The change cannot be made now; committing it would fail too. */
      REFUSED,
      /** The node cannot compute plans (its release does not); the change may still be made. */
      UNAVAILABLE
    }
  }

  /** Opens a backend talking to the cluster through the first of some nodes that answers. */
  @FunctionalInterface
  interface Connector {
    /**
     * Connects to the first of {@code addresses} that answers.
     *
     * @throws CliException when none can be reached, with a message saying so
     */
    CliBackend connect(List<Address> addresses);
  }

  /**
   * A cluster as one node sees it.
   *
   * @param contacted the node that answered
   * @param ring its ring, empty while it has none
   * @param stores the stores it declares
   * @param members every member it knows, by id
   * @param sections its status sections (coordinator, gossip, formats, ...), as it reports them
   */
  record ClusterStatus(
      String contacted,
      Optional<Ring> ring,
      List<StoreDefinition> stores,
      List<Member> members,
      List<StatusSection> sections) {
    public ClusterStatus {
      Objects.requireNonNull(contacted, "contacted");
      Objects.requireNonNull(ring, "ring");
      stores = List.copyOf(stores);
      members = List.copyOf(members);
      sections = List.copyOf(sections);
    }

    /** A status without sections. */
    public ClusterStatus(
        String contacted, Optional<Ring> ring, List<StoreDefinition> stores, List<Member> members) {
      this(contacted, ring, stores, members, List.of());
    }
  }

  /**
   * One node's own copy of a key.
   *
   * @param contacted the node that answered, as {@code id at host:port}
   * @param versions what it stores, tombstones included; empty when it holds nothing
   * @param owner whether it is one of the key's owners in its own ring
   * @param owners the key's owners in that ring, in preference order; empty without a ring
   * @param ringVersion that ring's version, 0 without a ring
   */
  record LocalCopy(
      String contacted,
      List<StoredVersion> versions,
      boolean owner,
      List<String> owners,
      long ringVersion) {
    public LocalCopy {
      Objects.requireNonNull(contacted, "contacted");
      versions = List.copyOf(versions);
      owners = List.copyOf(owners);
    }
  }

  /**
   * One version a node stores.
   *
   * @param value the value; a tombstone's marker (usually empty)
   * @param wallMillis when its coordinator wrote it, by that node's clock
   */
  record StoredVersion(byte[] value, boolean tombstone, long wallMillis) {
    public StoredVersion {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }
  }

  /**
   * One member.
   *
   * @param id node id
   * @param address its client {@code host:port}
   * @param peerAddress its peer {@code host:port}, empty when the node did not say
   * @param zone its zone, may be empty
   * @param state its membership state (e.g. joining, up, leaving)
   * @param reachable whether the contacted node's failure detector trusts it
   * @param ownedPercent its share of the ring's partitions, 0 to 100
   */
  record Member(
      String id,
      String address,
      String peerAddress,
      String zone,
      String state,
      boolean reachable,
      double ownedPercent) {
    public Member {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(peerAddress, "peerAddress");
      Objects.requireNonNull(zone, "zone");
      Objects.requireNonNull(state, "state");
    }
  }
}
