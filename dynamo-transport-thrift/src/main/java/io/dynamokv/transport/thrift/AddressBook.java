/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.membership.MembershipView;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Where each node's peer port listens. Two sources: configured entries (the seeds, a node named by
 * an admin command), which are what the operator says now, and gossip (every node announces its own
 * {@link NodeAddress} in its membership state), which is current for live nodes but may be a stale
 * persisted state for a node not heard from since this node started.
 *
 * <p>So: the gossiped address of a node the failure detector finds reachable wins; otherwise the
 * configured one, when there is one; otherwise the gossiped one. A cluster whose nodes all restart
 * on new addresses thus meets again through its seeds' configured addresses, and learns everyone
 * else's new address from their new states. Thread-safe.
 */
public final class AddressBook {
  private final Map<NodeId, InetSocketAddress> configured = new ConcurrentHashMap<>();
  private final Map<String, InetSocketAddress> parsed = new ConcurrentHashMap<>();
  private volatile Supplier<MembershipView> membership = () -> null;

  /** A book that knows {@code entries} (e.g. the seeds). */
  public AddressBook(Map<NodeId, InetSocketAddress> entries) {
    configured.putAll(entries);
  }

  /** Consults {@code view} from now on (the node's gossip view). */
  public void follow(Supplier<MembershipView> view) {
    this.membership = view;
  }

  /** Adds or replaces a configured entry. */
  public void put(NodeId node, InetSocketAddress address) {
    configured.put(node, address);
  }

  /** The address to reach {@code node} at, by the rule above. */
  public Optional<InetSocketAddress> resolve(NodeId node) {
    InetSocketAddress fromConfig = configured.get(node);
    MembershipView view = membership.get();
    MembershipView.Member member = view == null ? null : view.members().get(node);
    if (member == null || member.address().isEmpty()) {
      return Optional.ofNullable(fromConfig);
    }
    if (fromConfig != null && !member.reachable()) {
      return Optional.of(fromConfig);
    }
    InetSocketAddress gossiped = parsed.get(member.address());
    if (gossiped == null) {
      gossiped = NodeAddress.parse(member.address()).peer();
      if (parsed.size() < 10_000) {
        parsed.put(member.address(), gossiped);
      }
    }
    return Optional.of(gossiped);
  }

  /**
   * Parses {@code host:port} (IPv6 as {@code [::1]:7000}) without resolving the host name.
   *
   * @throws IllegalArgumentException with the reason when it is not one
   */
  public static InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("expected host:port, found '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected host:port, found '" + hostPort + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range in '" + hostPort + "'");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** {@code host:port} of an address, as nodes announce it. */
  public static String hostPort(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
