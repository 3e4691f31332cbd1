/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.transfer;

import io.dynamokv.core.NodeId;
import java.util.Objects;

/**
 * A change of the cluster's capacity an operator asks for: what {@code bin/dynamo join}, {@code
 * leave} and {@code remove} plan and commit (SPEC §8).
 */
public sealed interface ClusterChange {
  /** The node the change is about. */
  NodeId node();

  /** {@code node}, a member that owns nothing, takes partitions. */
  record Join(NodeId node) implements ClusterChange {
    public Join {
      Objects.requireNonNull(node, "node");
    }
  }

  /** {@code node} streams all its partitions to the others, hands on its hints, then stops. */
  record Leave(NodeId node) implements ClusterChange {
    public Leave {
      Objects.requireNonNull(node, "node");
    }
  }

  /** {@code node}, dead for good, is dropped; the remaining owners rebuild its copies. */
  record Remove(NodeId node) implements ClusterChange {
    public Remove {
      Objects.requireNonNull(node, "node");
    }
  }
}
