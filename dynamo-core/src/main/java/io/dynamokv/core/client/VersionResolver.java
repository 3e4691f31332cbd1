/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.util.List;

/**
 * Semantic reconciliation that may look at each sibling's {@linkplain Sibling advisory metadata}
 * (coordinating node, write time): merges two or more siblings into one value. It SHOULD be
 * commutative and idempotent: it may see the same siblings more than once and in any order. A
 * {@link ConflictResolver} is a {@code VersionResolver} that ignores the metadata.
 *
 * <p>Passed inline to {@link DynamoClient#update}, a lambda is taken as a {@code ConflictResolver}
 * (the more specific overload), which sees values alone; to see the metadata, pass a {@code
 * VersionResolver} variable or a method's result ({@link Resolvers#lastWriterWins()}).
 *
 * @see Resolvers
 */
@FunctionalInterface
public interface VersionResolver<T> {
  /** Merges {@code siblings} (two or more, in no particular order) into one value. */
  T resolveSiblings(List<Sibling<T>> siblings);
}
