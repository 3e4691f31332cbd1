/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

/** How one version relates causally to another ({@code a.compare(b)} reads "a occurred ... b"). */
public enum Occurred {
  /** {@code a} happened before {@code b}: {@code b} has seen everything {@code a} has, and more. */
  BEFORE,
  /** {@code a} happened after {@code b}: {@code a} has seen everything {@code b} has, and more. */
  AFTER,
  /** Both have seen exactly the same events. */
  EQUAL,
  /** Each has seen an event the other has not: neither may silently replace the other. */
  CONCURRENT;

  /** The relation seen from the other side: BEFORE and AFTER swap. */
  public Occurred reversed() {
    return switch (this) {
      case BEFORE -> AFTER;
      case AFTER -> BEFORE;
      default -> this;
    };
  }
}
