/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.transport.thrift.gen.PeerService;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.ThriftServer;

/**
 * How a {@link ThriftTestCluster} connects its nodes to each other: for each node, the {@link
 * PeerTransport} its {@link io.dynamokv.core.node.DynamoNode} sends with, and the peer service its
 * {@link ThriftServer} serves. {@link ThriftPeerTransport} by default; a test may plug in a
 * transport that misbehaves on purpose.
 */
@FunctionalInterface
interface PeerTransportFactory {
  /**
   * The peers of node {@code self}.
   *
   * @param book where the other nodes listen (seeds first, then what gossip announces)
   */
  Peers create(NodeId self, AddressBook book);

  /** One node's side of the peer network. */
  record Peers(PeerTransport transport, PeerService.AsyncIface service) {}
}
