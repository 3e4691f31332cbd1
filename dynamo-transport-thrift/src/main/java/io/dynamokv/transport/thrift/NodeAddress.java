/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a node listens: its client port and its peer port. Gossip carries it as the member's
 * (opaque to the core) address, in the text form {@code client=HOST:PORT,peer=HOST:PORT} ({@link
 * #toString}); a bare {@code HOST:PORT} means one port for both.
 *
 * @param client where applications and the CLI reach the node
 * @param peer where other nodes and admin commands reach it
 */
public record NodeAddress(InetSocketAddress client, InetSocketAddress peer) {
  private static final String CLIENT = "client=";
  private static final String PEER = ",peer=";

  public NodeAddress {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(peer, "peer");
  }

  /**
   * Parses the text form.
   *
   * @throws IllegalArgumentException with the reason when it is not one
   */
  public static NodeAddress parse(String text) {
    if (!text.startsWith(CLIENT)) {
      InetSocketAddress both = AddressBook.parse(text);
      return new NodeAddress(both, both);
    }
    int comma = text.indexOf(PEER);
    if (comma < 0) {
      throw new IllegalArgumentException(
          "expected client=HOST:PORT,peer=HOST:PORT, found '" + text + "'");
    }
    return new NodeAddress(
        AddressBook.parse(text.substring(CLIENT.length(), comma)),
        AddressBook.parse(text.substring(comma + PEER.length())));
  }

  /** The text form gossip carries. */
  @Override
  public String toString() {
    return CLIENT + AddressBook.hostPort(client) + PEER + AddressBook.hostPort(peer);
  }
}
