/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import java.util.Comparator;
import java.util.Objects;

/**
 * One event: the {@code counter}-th write coordinated by {@code actor}. Every value in a {@link
 * Siblings} set carries the dot of the write that created it; a dot MUST identify one write
 * cluster-wide.
 *
 * @param actor the coordinator (node and epoch)
 * @param counter {@code >= 1}
 */
public record Dot(Actor actor, long counter) implements Comparable<Dot> {
  private static final Comparator<Dot> ORDER =
      Comparator.comparing(Dot::actor).thenComparingLong(Dot::counter);

  public Dot {
    Objects.requireNonNull(actor, "actor");
    if (counter < 1) {
      throw new IllegalArgumentException("dot counter must be >= 1, found: " + counter);
    }
  }

  /** Orders by actor, then counter. */
  @Override
  public int compareTo(Dot other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return actor + ":" + counter;
  }
}
