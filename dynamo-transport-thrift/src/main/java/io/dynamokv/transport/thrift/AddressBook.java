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
 * Where each node listens. Gossip is the source of truth (every node announces its own address in
 * its membership state); configured entries (the seeds, a node named by an admin command) bridge
 * the time before gossip has spoken. Thread-safe.
 */
public final class AddressBook {
  private final Map<NodeId, InetSocketAddress> known = new ConcurrentHashMap<>();
  private volatile Supplier<MembershipView> membership = () -> null;

  /** A book that knows {@code entries} (e.g. the seeds). */
  public AddressBook(Map<NodeId, InetSocketAddress> entries) {
    known.putAll(entries);
  }

  /** Consults {@code view} first from now on (the node's gossip view). */
  public void follow(Supplier<MembershipView> view) {
    this.membership = view;
  }

  /** Adds or replaces a configured entry. */
  public void put(NodeId node, InetSocketAddress address) {
    known.put(node, address);
  }

  /** The address of {@code node}: the gossiped one if any, else the configured one. */
  public Optional<InetSocketAddress> resolve(NodeId node) {
    MembershipView view = membership.get();
    if (view != null) {
      MembershipView.Member member = view.members().get(node);
      if (member != null && !member.address().isEmpty()) {
        InetSocketAddress gossiped = known.get(node);
        if (gossiped == null || !member.address().equals(hostPort(gossiped))) {
          gossiped = parse(member.address());
          known.put(node, gossiped);
        }
        return Optional.of(gossiped);
      }
    }
    return Optional.ofNullable(known.get(node));
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
