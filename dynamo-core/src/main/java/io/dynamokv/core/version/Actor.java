/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import io.dynamokv.core.NodeId;
import java.util.Comparator;
import java.util.Objects;

/**
 * Who issues events in a version vector: a coordinating node in one of its epochs.
 *
 * <p>A node MUST NOT issue the same (actor, counter) dot twice. Counters live in the per-key
 * sibling set, so a node that loses a key's state (a new data directory, a lost record, a pruned
 * clock entry) cannot know which counters it already issued; it therefore writes under a fresh
 * epoch, i.e. a new actor whose counters start again at 1 without colliding with the old ones. See
 * {@link Siblings#actorFor(NodeId, EpochSource)} and the package documentation.
 *
 * @param node the coordinating node
 * @param epoch the node's epoch, {@code >= 0}, leased from an {@link EpochSource}
 */
public record Actor(NodeId node, long epoch) implements Comparable<Actor> {
  private static final Comparator<Actor> ORDER =
      Comparator.comparing(Actor::node).thenComparingLong(Actor::epoch);

  public Actor {
    Objects.requireNonNull(node, "node");
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, found: " + epoch);
    }
  }

  public static Actor of(String node, long epoch) {
    return new Actor(NodeId.of(node), epoch);
  }

  /** Orders by node, then epoch. */
  @Override
  public int compareTo(Actor other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return node + "@" + epoch;
  }
}
