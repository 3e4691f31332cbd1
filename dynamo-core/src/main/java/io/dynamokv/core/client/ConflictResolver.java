/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.util.List;

/**
 * Semantic reconciliation (paper §4.4): merges concurrent siblings into one value, e.g. the union
 * of shopping carts. Called only with two or more siblings. It SHOULD be commutative and
 * idempotent, since it may see the same siblings more than once and in any order.
 */
@FunctionalInterface
public interface ConflictResolver<T> {
  T resolve(List<T> siblings);
}
