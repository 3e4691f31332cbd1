/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

import java.util.regex.Pattern;

/**
 * The stable name of a physical node, as configured ({@code node.id}). Node ids order by their
 * string value; the order is used wherever the cluster needs one deterministic choice (e.g. the
 * claimant that authors ring changes).
 *
 * @param value 1 to 64 characters from {@code [A-Za-z0-9._-]}
 */
public record NodeId(String value) implements Comparable<NodeId> {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public NodeId {
    if (value == null || !VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "node id must be 1 to 64 characters from [A-Za-z0-9._-], found: " + value);
    }
  }

  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
