/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import java.util.regex.Pattern;

/**
 * A node's local, ordered, durable byte store (paper §4.1, SPEC §9). Engines are deliberately
 * <b>dumb</b>: they know nothing of versions, hints, Merkle trees or the ring. All Dynamo logic
 * lives in {@code dynamo-core} and lays its storage keys out so that each partition is one
 * contiguous key range.
 *
 * <p>An engine holds several named {@linkplain Keyspace keyspaces} (at least {@link #DATA}, {@link
 * #HINTS} and {@link #METADATA}), each an independent ordered map from byte keys to byte values.
 *
 * <p>Contract, for every implementation (checked by {@code StorageEngineContract} in dynamo-core's
 * test-jar):
 *
 * <ul>
 *   <li>Keys order by <b>unsigned lexicographic</b> comparison of their bytes (as {@link
 *       java.util.Arrays#compareUnsigned(byte[], byte[])}); a key is 1 to {@link #maxKeyBytes()}
 *       bytes, and any other key is refused with {@link IllegalArgumentException} before anything
 *       is written.
 *   <li>Values are 0 or more bytes (empty values are legal and distinct from absence), up to 2^31 -
 *       1 bytes or an engine-specific smaller bound that the engine MUST report in a clear {@link
 *       StorageException}.
 *   <li>Every write that returns normally is visible to every later read, on any thread, and
 *       survives what its engine's {@link #durability()} promises. A write that throws has not been
 *       applied.
 *   <li>All methods are thread-safe. Arrays passed in are not retained; arrays returned are owned
 *       by the caller.
 *   <li>After {@link #close()}, every method (on the engine and on its keyspaces) MUST throw {@link
 *       StorageException.Closed}; {@code close()} itself is idempotent.
 *   <li>Failures of the underlying store surface as {@link StorageException} naming the engine's
 *       path and the cause; an engine never returns partial data silently.
 * </ul>
 */
public interface StorageEngine extends AutoCloseable {
  /** Replicated key-value data: versioned sibling sets under token-prefixed keys. */
  String DATA = "data";

  /**
   * Hinted-handoff records held for other nodes, kept apart from this node's own data (SPEC §5).
   */
  String HINTS = "hints";

  /** Node-local state: membership, ring, actor epochs, store definitions. */
  String METADATA = "metadata";

  /** Legal keyspace names. */
  Pattern KEYSPACE_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

  /**
   * The keyspace called {@code name}, created on first use. Repeated calls with the same name
   * return keyspaces over the same data. The name MUST match {@link #KEYSPACE_NAME}, otherwise
   * {@link IllegalArgumentException}.
   */
  Keyspace keyspace(String name);

  /**
   * Applies every operation of {@code batch} atomically: after a crash, either all of them or none
   * is visible, and no reader ever sees some but not all. Operations apply in batch order (a later
   * put of the same key wins).
   */
  void write(WriteBatch batch);

  /** What an acknowledged write survives. Fixed for the engine's lifetime. */
  Durability durability();

  /**
   * Makes every write that has returned so far survive an operating-system crash (an fsync).
   * Engines with {@link Durability#SYNC} MAY return at once.
   */
  void flush();

  /** The largest key, in bytes, this engine accepts. Stores size their key limits from it. */
  int maxKeyBytes();

  /** Approximate bytes used on disk (or in memory), for metrics; cheap to call. */
  long approximateSizeBytes();

  /**
   * One line for logs: the engine's kind and location, e.g. {@code "lmdb at
   * /var/lib/dynamo/node1"}.
   */
  String describe();

  /**
   * Releases every resource. Writes that returned before {@code close()} was called survive per
   * {@link #durability()}; a clean close also flushes, so a clean shutdown loses nothing in any
   * mode. Idempotent.
   */
  @Override
  void close();
}
