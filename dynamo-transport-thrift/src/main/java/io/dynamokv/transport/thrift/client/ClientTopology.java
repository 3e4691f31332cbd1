/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.Token;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.gen.ClusterInfo;
import io.dynamokv.transport.thrift.gen.MemberInfo;
import io.dynamokv.transport.thrift.gen.StoreInfo;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a {@link ThriftDynamoClient} routes by: one node's answer to {@code cluster()}, decoded. An
 * immutable value; the client swaps it whole when it refreshes.
 *
 * @param answeredBy the id of the node that answered
 * @param ring the decoded ring, or {@code null} while the cluster has none (or it did not decode)
 * @param replication the N of every store, by name
 * @param addresses {@code host:port} of every member that is in or entering the ring (not LEFT or
 *     REMOVED) and announced an address
 * @param unreachable members the answering node's failure detector suspects
 */
record ClientTopology(
    String answeredBy,
    Ring ring,
    SortedMap<String, Integer> replication,
    SortedMap<NodeId, String> addresses,
    Set<NodeId> unreachable) {

  ClientTopology {
    replication = Collections.unmodifiableSortedMap(new TreeMap<>(replication));
    addresses = Collections.unmodifiableSortedMap(new TreeMap<>(addresses));
    unreachable = Collections.unmodifiableSet(new TreeSet<>(unreachable));
  }

  /** Decodes {@code info}; a member or ring that does not parse is left out, never fatal. */
  static ClientTopology of(ClusterInfo info) {
    Ring ring = null;
    byte[] bytes = info.getRing();
    if (bytes != null && bytes.length > 0) {
      try {
        ring = RingCodec.decode(bytes);
      } catch (RuntimeException e) {
        // A ring this client cannot read (a newer format): route to any node instead.
        ring = null;
      }
    }
    SortedMap<String, Integer> replication = new TreeMap<>();
    if (info.getStores() != null) {
      for (StoreInfo s : info.getStores()) {
        if (s.getName() != null && s.getReplicas() > 0) {
          replication.put(s.getName(), s.getReplicas());
        }
      }
    }
    SortedMap<NodeId, String> addresses = new TreeMap<>();
    Set<NodeId> unreachable = new TreeSet<>();
    if (info.getMembers() != null) {
      for (MemberInfo m : info.getMembers()) {
        NodeId id;
        String address;
        try {
          id = NodeId.of(m.getId());
          address = AddressBook.hostPort(AddressBook.parse(m.getAddress()));
        } catch (RuntimeException e) {
          continue;
        }
        if (!active(m.getStatus())) {
          continue;
        }
        addresses.put(id, address);
        if (!m.isReachable()) {
          unreachable.add(id);
        }
      }
    }
    return new ClientTopology(
        String.valueOf(info.getNodeId()), ring, replication, addresses, unreachable);
  }

  private static boolean active(String status) {
    try {
      return NodeStatus.valueOf(status).isActive();
    } catch (RuntimeException e) {
      return true; // a status from a newer version: let the node decide
    }
  }

  /** The store's N, or 0 when the answering node did not declare it. */
  int replication(String store) {
    return replication.getOrDefault(store, 0);
  }

  /**
   * The key's preference list for {@code store}: its first N distinct nodes clockwise. Empty when
   * there is no ring or the store is unknown.
   */
  List<NodeId> preferenceList(String store, byte[] key) {
    int n = replication(store);
    if (ring == null || n == 0) {
      return List.of();
    }
    return ring.preferenceList(Token.of(key), n);
  }

  /** The address of {@code node}, or {@code null}. */
  String address(NodeId node) {
    return addresses.get(node);
  }

  Map<NodeId, String> members() {
    return addresses;
  }
}
