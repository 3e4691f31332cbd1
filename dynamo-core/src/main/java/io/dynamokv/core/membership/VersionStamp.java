/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

/**
 * The version of one node's state, ordered like Cassandra's: first by {@code generation} (bumped on
 * every restart of the node and persisted), then by {@code version} (bumped on every change and
 * every gossip round of that node within a generation).
 */
public record VersionStamp(long generation, long version) implements Comparable<VersionStamp> {
  @Override
  public int compareTo(VersionStamp other) {
    int c = Long.compare(generation, other.generation);
    return c != 0 ? c : Long.compare(version, other.version);
  }

  /** Whether this stamp is strictly newer than {@code other}. */
  public boolean isNewerThan(VersionStamp other) {
    return compareTo(other) > 0;
  }

  @Override
  public String toString() {
    return generation + ":" + version;
  }
}
