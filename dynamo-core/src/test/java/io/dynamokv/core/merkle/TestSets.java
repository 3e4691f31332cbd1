/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.Versioned;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Keys and sibling sets for the merkle tests. */
final class TestSets {
  private TestSets() {}

  static byte[] key(int i) {
    return ("key-" + i).getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] bytes(Random random, int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  /** A first write of {@code value} by {@code node}. */
  static Siblings written(byte[] value, String node) {
    return Siblings.empty()
        .update(VectorClock.empty(), Versioned.of(value, 1_000), Actor.of(node, 1));
  }

  /** A write that supersedes everything {@code base} holds. */
  static Siblings overwritten(Siblings base, byte[] value, String node) {
    return base.update(base.context(), Versioned.of(value, 2_000), Actor.of(node, 1));
  }

  /** A write concurrent with everything {@code base} holds: a sibling beside it. */
  static Siblings concurrent(Siblings base, byte[] value, String node) {
    return base.update(VectorClock.empty(), Versioned.of(value, 3_000), Actor.of(node, 1));
  }
}
