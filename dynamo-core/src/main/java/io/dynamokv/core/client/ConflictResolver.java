/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.util.ArrayList;
import java.util.List;

/**
 * Semantic reconciliation (paper §4.4): merges concurrent siblings' values into one value, e.g. the
 * union of shopping carts ({@link Resolvers#union}). Called only with two or more siblings. It
 * SHOULD be commutative and idempotent, since it may see the same siblings more than once and in
 * any order. A resolver that needs to know where or when each sibling was written is a {@link
 * VersionResolver}.
 */
@FunctionalInterface
public interface ConflictResolver<T> extends VersionResolver<T> {
  T resolve(List<T> siblings);

  /** Resolves the siblings' values, ignoring their metadata. */
  @Override
  default T resolveSiblings(List<Sibling<T>> siblings) {
    List<T> values = new ArrayList<>(siblings.size());
    for (Sibling<T> s : siblings) {
      values.add(s.value());
    }
    return resolve(values);
  }
}
