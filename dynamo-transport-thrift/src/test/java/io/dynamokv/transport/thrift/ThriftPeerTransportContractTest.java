/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.PeerTransportContract;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import java.time.Duration;
import java.util.List;

/** {@link ThriftPeerTransport} meets the {@link PeerTransport} contract over loopback sockets. */
class ThriftPeerTransportContractTest extends PeerTransportContract {
  @Override
  protected Fixture create(List<NodeId> ids) {
    ThriftCluster cluster = new ThriftCluster(b -> b);
    ids.forEach(cluster::start);
    return cluster;
  }

  @Override
  protected Duration slack() {
    return Duration.ofSeconds(1); // real threads on a loaded 2-core machine
  }
}
