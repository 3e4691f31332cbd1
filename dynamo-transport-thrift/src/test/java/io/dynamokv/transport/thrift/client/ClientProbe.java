/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.NodeId;
import java.util.Set;

/** What tests outside this package read of a {@link ThriftDynamoClient}'s insides. */
public final class ClientProbe {
  private ClientProbe() {}

  /** Requests answered by a node other than the first one tried. */
  public static long failovers(ThriftDynamoClient client) {
    return client.failovers();
  }

  /** Ring refreshes started. */
  public static long refreshes(ThriftDynamoClient client) {
    return client.refreshes();
  }

  /** The nodes the client's topology marks unreachable. */
  public static Set<NodeId> unreachable(ThriftDynamoClient client) {
    return client.topology().unreachable();
  }

  /** Idle pooled connections to {@code address}. */
  public static int idle(ThriftDynamoClient client, String address) {
    return client.pool().idle(address);
  }
}
