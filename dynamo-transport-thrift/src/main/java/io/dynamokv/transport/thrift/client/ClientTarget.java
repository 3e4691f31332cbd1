/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import io.dynamokv.core.NodeId;

/** A node a client request may go to: its id when known from the cluster, and its address. */
record ClientTarget(NodeId node, String address) {
  @Override
  public String toString() {
    return node == null ? address : node + " (" + address + ")";
  }
}
