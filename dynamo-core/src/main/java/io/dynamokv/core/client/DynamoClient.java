/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import io.dynamokv.core.DynamoException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The application's view of a dynamo-kv cluster (paper §4.1, SPEC §1): {@code get} returns all
 * siblings of a key with one opaque context, {@code put} and {@code delete} take the context of the
 * read they follow.
 *
 * <h2>Outcomes</h2>
 *
 * <ul>
 *   <li>A method that returns normally succeeded: a put or delete was acknowledged by {@code W}
 *       replicas, a get heard from {@code R}.
 *   <li>{@link io.dynamokv.core.StoreNotFoundException}, {@link
 *       io.dynamokv.core.LimitExceededException}, {@link io.dynamokv.core.InvalidContextException}
 *       and {@link IllegalArgumentException}: the request was rejected before anything was written.
 *   <li><b>Any other error after a write was sent</b> (notably {@link
 *       io.dynamokv.core.InsufficientReplicasException}, timeouts and broken connections) means the
 *       outcome is <b>unknown</b>: the write may have been applied by some replicas and may still
 *       spread. Never treat it as "not written"; read again to find out.
 * </ul>
 *
 * <p>Implementations are thread-safe and hold connections until {@link #close()}.
 */
public interface DynamoClient extends AutoCloseable {
  /** Reads {@code key} from {@code store} with the store's {@code R}. */
  default GetResult get(String store, byte[] key) {
    return get(store, key, RequestOptions.DEFAULTS);
  }

  /**
   * Reads {@code key}: every causally maximal value and the context covering them. An absent key is
   * normal.
   */
  GetResult get(String store, byte[] key, RequestOptions options);

  /** Writes with the store's {@code W}. */
  default Context put(String store, byte[] key, byte[] value, Context context) {
    return put(store, key, value, context, RequestOptions.DEFAULTS);
  }

  /**
   * Writes {@code value}, superseding exactly the versions {@code context} covers; with {@link
   * Context#EMPTY} it becomes a sibling of whatever exists. Two puts with the same context both
   * survive as siblings: none is lost.
   *
   * @return the context of the written version (the given context plus this write), usable for a
   *     follow-up write that should supersede this one
   */
  Context put(String store, byte[] key, byte[] value, Context context, RequestOptions options);

  /** Deletes with the store's {@code W}. */
  default Context delete(String store, byte[] key, Context context) {
    return delete(store, key, context, RequestOptions.DEFAULTS);
  }

  /**
   * Writes a tombstone superseding exactly the versions {@code context} covers. Concurrent values
   * the context has not seen survive the delete, as siblings. Tombstones replicate like values and
   * are purged only after every replica has them and a grace period passed.
   */
  Context delete(String store, byte[] key, Context context, RequestOptions options);

  /**
   * Read-modify-write: reads {@code key}, merges siblings with {@code resolver}, applies {@code fn}
   * to the result ({@code null} when absent) and writes what {@code fn} returns with the read's
   * context, so the write supersedes every sibling it merged. If {@code fn} returns {@code null}
   * the key is deleted (nothing is written when it is already absent).
   *
   * <p>Up to {@link #updateAttempts()} rounds of read, resolve, apply, write. A round is retried
   * only when its write's outcome is unknown ({@link DynamoException#outcomeUnknown()}: e.g. {@link
   * io.dynamokv.core.InsufficientReplicasException}); errors about the request, a failed read and
   * exceptions from {@code fn}, {@code codec} or {@code resolver} are thrown at once. The last
   * error is thrown with the earlier ones {@linkplain Throwable#getSuppressed() suppressed}. A
   * retry re-applies {@code fn} to a fresh read, which already contains the earlier attempt if that
   * landed; so {@code fn} should be idempotent in effect (adding an element to a set is;
   * incrementing a counter is not).
   *
   * <p><b>Concurrent updates</b> of one key do not lock each other out: two updates that read the
   * same versions both write, and their values become siblings (neither is lost, and neither caller
   * sees an error). The next read returns both, and the next update merges them with {@code
   * resolver} before applying its own change. So with a merging resolver (set union for a shopping
   * cart) every update's effect survives; with one that picks a winner, the losers' effects are
   * dropped at that merge.
   *
   * @return the value written
   */
  default <T> T update(
      String store, byte[] key, Codec<T> codec, ConflictResolver<T> resolver, UnaryOperator<T> fn) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(fn, "fn");
    DynamoException last = null;
    for (int attempt = 1; attempt <= updateAttempts(); attempt++) {
      GetResult read;
      try {
        read = get(store, key);
      } catch (DynamoException e) {
        throw withEarlier(e, last);
      }
      List<T> values = new ArrayList<>(read.values().size());
      for (byte[] v : read.values()) {
        values.add(codec.decode(v));
      }
      T next = fn.apply(resolve(values, resolver));
      try {
        if (next != null) {
          put(store, key, codec.encode(next), read.context());
        } else if (!read.isAbsent()) {
          delete(store, key, read.context());
        }
        return next;
      } catch (DynamoException e) {
        if (!e.outcomeUnknown()) {
          throw withEarlier(e, last);
        }
        last = withEarlier(e, last);
      }
    }
    throw last;
  }

  /** How many rounds {@link #update} makes before it gives up (default 5). */
  default int updateAttempts() {
    return 5;
  }

  /** {@link #update(String, byte[], Codec, ConflictResolver, UnaryOperator)} on raw bytes. */
  default byte[] update(
      String store, byte[] key, ConflictResolver<byte[]> resolver, UnaryOperator<byte[]> fn) {
    return update(store, key, Codec.bytes(), resolver, fn);
  }

  /**
   * Merges {@code siblings} with {@code resolver}: the single value, or {@code null} if there is
   * none.
   */
  static <T> T resolve(List<T> siblings, ConflictResolver<T> resolver) {
    return switch (siblings.size()) {
      case 0 -> null;
      case 1 -> siblings.get(0);
      default -> resolver.resolve(siblings);
    };
  }

  private static DynamoException withEarlier(DynamoException e, DynamoException earlier) {
    if (earlier != null && earlier != e) {
      e.addSuppressed(earlier);
    }
    return e;
  }

  /** Releases connections. Idempotent. */
  @Override
  void close();
}
