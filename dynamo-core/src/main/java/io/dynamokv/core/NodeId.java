/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

/**
 * The stable name of a physical node, as configured ({@code node.id}). Node ids order by their
 * string value; the order is used wherever the cluster needs one deterministic choice (e.g. the
 * claimant that authors ring changes).
 *
 * @param value 1 to 64 characters from {@code [A-Za-z0-9._-]}
 */
public record NodeId(String value) implements Comparable<NodeId> {
  private static final int MAX_LENGTH = 64;

  public NodeId {
    if (!valid(value)) {
      throw new IllegalArgumentException(
          "node id must be 1 to 64 characters from [A-Za-z0-9._-], found: " + value);
    }
  }

  /**
   * Whether {@code value} matches {@code [A-Za-z0-9._-]{1,64}}: a plain loop rather than a regex,
   * as ids are validated on every decode.
   */
  private static boolean valid(String value) {
    if (value == null) {
      return false;
    }
    int length = value.length();
    if (length < 1 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
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
