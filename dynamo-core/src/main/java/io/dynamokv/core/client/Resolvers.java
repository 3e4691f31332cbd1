/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import io.dynamokv.core.NodeId;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/** Ready resolvers for {@link DynamoClient#update} and {@link GetResult#resolve}. */
public final class Resolvers {
  private Resolvers() {}

  /**
   * Last writer wins: keeps the sibling with the latest {@linkplain Sibling#writtenAt() write
   * time}; equal times go to the greater coordinator id, then to the value {@code ties} orders
   * last. Commutative and idempotent as long as {@code ties} is a total order on the values.
   *
   * <p><b>It loses acknowledged writes.</b> Siblings are writes that were acknowledged and that
   * neither saw the other; this resolver keeps one and drops the rest, so with {@code k} concurrent
   * writers {@code k - 1} acknowledged writes vanish at the next update. The times it compares come
   * from different nodes' clocks, so under clock skew the "last" writer may be the earliest. Jepsen
   * measured exactly this in Riak with {@code allow_mult=false} and in Cassandra: under concurrent
   * writes, last-write-wins silently lost a large share of acknowledged writes. Use it only where a
   * lost write is acceptable (a cache, a "last seen" field); merge instead (e.g. {@link #union()})
   * where it is not.
   *
   * <p>Against a server of an earlier build, which sends no write times, every sibling has the same
   * time and no coordinator: the value {@code ties} orders last wins.
   */
  public static <T> VersionResolver<T> lastWriterWins(Comparator<? super T> ties) {
    Objects.requireNonNull(ties, "ties");
    Comparator<Sibling<T>> order =
        Comparator.<Sibling<T>, java.time.Instant>comparing(Sibling::writtenAt)
            .thenComparing(
                Sibling::coordinator, Comparator.nullsFirst(Comparator.<NodeId>naturalOrder()))
            .thenComparing(Sibling::value, ties);
    return siblings -> siblings.stream().max(order).orElseThrow().value();
  }

  /**
   * {@link #lastWriterWins(Comparator)} for raw values, ties going to the lexicographically
   * (unsigned) greatest bytes. Read its warning: it loses acknowledged writes.
   */
  public static VersionResolver<byte[]> lastWriterWins() {
    return lastWriterWins(Arrays::compareUnsigned);
  }

  /**
   * Set union: every element of every sibling, for values that are sets (a shopping cart of item
   * ids). No added element is ever lost. A <b>removed</b> element comes back when a sibling that
   * did not see the removal still holds it (the paper's deleted cart items that reappear, §4.4):
   * record removals in the value (e.g. as tombstone elements) if they must stick.
   *
   * <p>Commutative, associative and idempotent. The result iterates in the siblings' order.
   */
  public static <E> ConflictResolver<Set<E>> union() {
    return union(LinkedHashSet::new);
  }

  /**
   * {@link #union()} into collections {@code newCollection} makes (e.g. {@code TreeSet::new}); an
   * element already in the result is not added again, so a list stays free of duplicates. For a
   * list the order of its elements follows the siblings' order, so only its contents (not its
   * order) are independent of it; a set is the better choice.
   */
  public static <E, C extends Collection<E>> ConflictResolver<C> union(
      Supplier<? extends C> newCollection) {
    Objects.requireNonNull(newCollection, "newCollection");
    return siblings -> {
      C merged = newCollection.get();
      for (C s : siblings) {
        for (E e : s) {
          if (!merged.contains(e)) {
            merged.add(e);
          }
        }
      }
      return merged;
    };
  }
}
