/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.version.Siblings;
import java.util.List;
import java.util.Objects;

/**
 * What one node stores for a key in its own data, as {@link DynamoNode#localRead} reads it: a
 * debugging and testing view of a single replica, not a client read (no quorum, no forwarding, no
 * context a client could write with). Hints a node holds for other owners are not part of it.
 *
 * @param node the node that answered
 * @param siblings its stored sibling set, tombstones included; empty when it holds nothing
 * @param owners the key's preference list (its N owners) in the node's current ring; empty while
 *     the node has no ring
 * @param ringVersion the version of that ring, 0 while there is none
 */
public record LocalCopy(NodeId node, Siblings siblings, List<NodeId> owners, long ringVersion) {
  public LocalCopy {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(siblings, "siblings");
    owners = List.copyOf(owners);
  }

  /** Whether the answering node is one of the key's owners in its own ring. */
  public boolean owner() {
    return owners.contains(node);
  }
}
