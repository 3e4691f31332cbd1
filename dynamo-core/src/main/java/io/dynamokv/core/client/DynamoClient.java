/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import io.dynamokv.core.DynamoException;
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
 * <h2>Siblings</h2>
 *
 * Writes that did not see each other become siblings: a read returns them all ({@link
 * GetResult#siblings()}, each with the node that coordinated it and its write time, both advisory)
 * and one context; a write carrying that context supersedes them all. {@link #update} does the
 * whole read, merge, change, write round with a resolver:
 *
 * <pre>{@code
 * Codec<Set<String>> cart = ...;
 * // every item any sibling holds survives the merge
 * client.update("carts", key, cart, Resolvers.union(), items -> add(items, "book"));
 * // one sibling wins by write time: the others' writes are lost (see lastWriterWins)
 * client.update("profiles", key, Codec.bytes(), Resolvers.lastWriterWins(), p -> newPhoto);
 * }</pre>
 *
 * A write returns the context of exactly the version it wrote: a follow-up write with it supersedes
 * that version and nothing its caller has not seen, so writes can be chained without reading in
 * between. (Two exceptions make the follow-up a sibling of that version instead, never lose
 * anything: while some member of the cluster runs a build that reads no contexts with explicit
 * dots, and after more than {@value io.dynamokv.core.version.CausalContext#MAX_DOTS} chained writes
 * while a sibling they did not see stays unreconciled.)
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
   * @return the context of exactly the written version (what {@code context} covers plus this
   *     write), for a follow-up write that should supersede this version and nothing else (see
   *     Siblings above for the two cases where it names less)
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
   * Read-modify-write: reads {@code key}, merges its siblings with {@code resolver}, applies {@code
   * fn} to the result ({@code null} when absent) and writes what {@code fn} returns with the read's
   * context, so the write supersedes every sibling it merged. If {@code fn} returns {@code null}
   * the key is deleted (nothing is written when it is already absent). The read and the write use
   * {@code options} ({@code R} and {@code W} both take its quorum).
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
   * resolver} before applying its own change. So with a merging resolver ({@link Resolvers#union()}
   * for a shopping cart) every update's effect survives; with one that picks a winner ({@link
   * Resolvers#lastWriterWins()}), the losers' effects are dropped at that merge.
   *
   * @return the value written and the context of the written version, which a follow-up put or
   *     delete may carry to supersede exactly this version without reading again
   */
  default <T> Updated<T> update(
      String store,
      byte[] key,
      Codec<T> codec,
      VersionResolver<T> resolver,
      UnaryOperator<T> fn,
      RequestOptions options) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(options, "options");
    DynamoException last = null;
    for (int attempt = 1; attempt <= updateAttempts(); attempt++) {
      GetResult read;
      try {
        read = get(store, key, options);
      } catch (DynamoException e) {
        throw withEarlier(e, last);
      }
      T next = fn.apply(read.resolve(codec, resolver));
      try {
        if (next != null) {
          return new Updated<>(next, put(store, key, codec.encode(next), read.context(), options));
        } else if (!read.isAbsent()) {
          return new Updated<>(null, delete(store, key, read.context(), options));
        }
        return new Updated<>(null, read.context());
      } catch (DynamoException e) {
        if (!e.outcomeUnknown()) {
          throw withEarlier(e, last);
        }
        last = withEarlier(e, last);
      }
    }
    throw last;
  }

  /**
   * {@link #update(String, byte[], Codec, VersionResolver, UnaryOperator, RequestOptions)} with a
   * resolver of values alone.
   */
  default <T> Updated<T> update(
      String store,
      byte[] key,
      Codec<T> codec,
      ConflictResolver<T> resolver,
      UnaryOperator<T> fn,
      RequestOptions options) {
    return update(store, key, codec, (VersionResolver<T>) resolver, fn, options);
  }

  /**
   * {@link #update(String, byte[], Codec, VersionResolver, UnaryOperator, RequestOptions)} with the
   * store's R and W.
   */
  default <T> Updated<T> update(
      String store, byte[] key, Codec<T> codec, VersionResolver<T> resolver, UnaryOperator<T> fn) {
    return update(store, key, codec, resolver, fn, RequestOptions.DEFAULTS);
  }

  /**
   * {@link #update(String, byte[], Codec, VersionResolver, UnaryOperator, RequestOptions)} with a
   * resolver of values alone and the store's R and W.
   */
  default <T> Updated<T> update(
      String store, byte[] key, Codec<T> codec, ConflictResolver<T> resolver, UnaryOperator<T> fn) {
    return update(store, key, codec, resolver, fn, RequestOptions.DEFAULTS);
  }

  /** How many rounds {@link #update} makes before it gives up (default 5). */
  default int updateAttempts() {
    return 5;
  }

  /** {@link #update(String, byte[], Codec, ConflictResolver, UnaryOperator)} on raw bytes. */
  default Updated<byte[]> update(
      String store, byte[] key, ConflictResolver<byte[]> resolver, UnaryOperator<byte[]> fn) {
    return update(store, key, Codec.bytes(), resolver, fn);
  }

  /** {@link #update(String, byte[], Codec, VersionResolver, UnaryOperator)} on raw bytes. */
  default Updated<byte[]> update(
      String store, byte[] key, VersionResolver<byte[]> resolver, UnaryOperator<byte[]> fn) {
    return update(store, key, Codec.bytes(), resolver, fn);
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
