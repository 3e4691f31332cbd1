/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import io.dynamokv.core.Key;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageException;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VersionCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The hints a node holds for other nodes (paper §4.6, SPEC §5), durable in the engine's {@code
 * hints} keyspace and indexed in memory by owner and by key.
 *
 * <p>A hint is data: all writes of one (store, key, owner) {@linkplain #update merge} into one
 * record with {@link Siblings#sync}, instead of piling up. A record's value is {@code u8 format |
 * i64 firstMillis | encoded siblings}, where {@code firstMillis} is when the record was created: a
 * hint's age counts from its oldest content, so a hint that keeps being merged into still expires
 * (what it carries is never older than the maximum age when it is delivered).
 *
 * <p>The store has a cap in bytes ({@code maxBytes}): at or over it, {@link #hasRoom} is false, and
 * a node then refuses to stand in for new keys; merging into a record that exists is always
 * allowed, since refusing it would not free anything.
 *
 * <p>Not thread-safe except where noted: the node uses it from its scheduler. {@link #count()},
 * {@link #bytes()} and {@link #summary()} may be read from any thread.
 */
public final class HintStore {
  private static final byte FORMAT = 1;
  private static final int HEADER = 1 + Long.BYTES;

  private final Keyspace keyspace;
  private final long maxBytes;

  /** Every hint held, by owner then id: its size and age. */
  private final SortedMap<NodeId, TreeMap<HintId, Meta>> byOwner = new TreeMap<>();

  private volatile long count;
  private volatile long bytes;
  private volatile List<OwnerSummary> summary = List.of();

  private record Meta(int bytes, long firstMillis) {}

  /** What this node holds for one owner, for status and metrics. */
  public record OwnerSummary(NodeId owner, long hints, long bytes, long oldestMillis) {}

  /** One hint as stored: its id, when it was first written, and its encoded sibling set. */
  public record Hint(HintId id, long firstMillis, byte[] siblings, byte[] stored) {}

  /**
   * Opens the hints of {@code keyspace}, reading them all once to build the index. A record that
   * does not decode is reported, not skipped: a node must not silently forget what it holds for
   * others.
   *
   * @param maxBytes the cap on the bytes of all hints, positive
   * @throws StorageException when a record is corrupt
   */
  public HintStore(Keyspace keyspace, long maxBytes) {
    this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
    if (maxBytes < 1) {
      throw new IllegalArgumentException("the hint cap must be positive, found " + maxBytes);
    }
    this.maxBytes = maxBytes;
    // Indexed during the scan, keeping only sizes and ages: never the values themselves.
    keyspace.scan(
        null,
        null,
        (k, v) -> {
          HintId id;
          try {
            id = HintId.fromStorageKey(k);
            firstMillis(v);
          } catch (IllegalArgumentException bad) {
            throw new StorageException(
                "a hint record in keyspace "
                    + keyspace.name()
                    + " is corrupt ("
                    + bad.getMessage()
                    + "); the node cannot know what it holds for other nodes",
                bad);
          }
          index(id, v);
          return true;
        });
    publish();
  }

  /** The cap in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Whether this node may take a new hint: its hints are below the cap. */
  public boolean hasRoom() {
    return bytes < maxBytes;
  }

  /** Whether this node holds a hint for {@code id} already (merging into it is always allowed). */
  public boolean holds(HintId id) {
    TreeMap<HintId, Meta> hints = byOwner.get(id.owner());
    return hints != null && hints.containsKey(id);
  }

  /** How many hints this node holds. Any thread. */
  public long count() {
    return count;
  }

  /** The bytes of all hints held. Any thread. */
  public long bytes() {
    return bytes;
  }

  public boolean isEmpty() {
    return byOwner.isEmpty();
  }

  /**
   * What this node holds per owner, as of the last change of the index's owners or the last {@link
   * #publish()}. Any thread.
   */
  public List<OwnerSummary> summary() {
    return summary;
  }

  /** The owners this node holds hints for, ascending. */
  public List<NodeId> owners() {
    return new ArrayList<>(byOwner.keySet());
  }

  /** The owners this node holds a hint of {@code key} in {@code store} for. */
  public List<NodeId> ownersOf(String store, byte[] key) {
    if (byOwner.isEmpty()) {
      return List.of();
    }
    List<NodeId> owners = new ArrayList<>();
    Key k = Key.of(key);
    for (Map.Entry<NodeId, TreeMap<HintId, Meta>> e : byOwner.entrySet()) {
      if (e.getValue().containsKey(new HintId(store, k, e.getKey()))) {
        owners.add(e.getKey());
      }
    }
    return owners;
  }

  /**
   * Up to {@code max} hints for {@code owner} after {@code after} (exclusive; null: from start).
   */
  public List<HintId> hintsFor(NodeId owner, HintId after, int max) {
    TreeMap<HintId, Meta> hints = byOwner.get(owner);
    if (hints == null) {
      return List.of();
    }
    var tail = after == null ? hints : hints.tailMap(after, false);
    List<HintId> out = new ArrayList<>(Math.min(max, tail.size()));
    for (HintId id : tail.keySet()) {
      if (out.size() == max) {
        break;
      }
      out.add(id);
    }
    return out;
  }

  /** The ids of hints created at or before {@code millis}, for expiry. */
  public List<HintId> createdAtOrBefore(long millis) {
    List<HintId> out = new ArrayList<>();
    for (TreeMap<HintId, Meta> hints : byOwner.values()) {
      hints.forEach(
          (id, meta) -> {
            if (meta.firstMillis <= millis) {
              out.add(id);
            }
          });
    }
    return out;
  }

  /** The hint {@code id} as stored, or {@code null} when this node holds none. */
  public Hint get(HintId id) {
    if (!holds(id)) {
      return null;
    }
    byte[] stored = keyspace.get(id.toStorageKey());
    if (stored == null) {
      return null;
    }
    return new Hint(
        id, firstMillis(stored), Arrays.copyOfRange(stored, HEADER, stored.length), stored);
  }

  /** The sibling set of hint {@code id}, empty when this node holds none. */
  public Siblings read(HintId id) {
    Hint hint = get(id);
    return hint == null ? Siblings.empty() : VersionCodec.decodeSiblings(hint.siblings());
  }

  /**
   * The one path that changes a hint: {@code change} maps its set (empty when absent) to the next
   * one, stored in one atomic update; an unchanged set is not written again, and an empty result
   * for an absent hint stores nothing.
   *
   * @param nowMillis the age origin of what the change adds: the wall-clock time for a new write,
   *     or the origin of a hint whose set is folded in; a hint's origin is the oldest of them
   * @return the stored set
   */
  public Siblings update(HintId id, long nowMillis, UnaryOperator<Siblings> change) {
    Siblings[] after = new Siblings[1];
    byte[] written =
        keyspace.update(
            id.toStorageKey(),
            old -> {
              Siblings local =
                  old == null
                      ? Siblings.empty()
                      : VersionCodec.decodeSiblings(Arrays.copyOfRange(old, HEADER, old.length));
              Siblings next = change.apply(local);
              after[0] = next;
              if (old != null ? next.equals(local) : next.equals(Siblings.empty())) {
                return old;
              }
              return encode(old == null ? nowMillis : Math.min(firstMillis(old), nowMillis), next);
            });
    if (written != null) {
      index(id, written);
    }
    return after[0];
  }

  /**
   * Deletes hint {@code id} if it still holds exactly {@code delivered} (what the owner
   * acknowledged); a hint merged into since is kept, to be delivered again.
   *
   * @return whether the hint was deleted
   */
  public boolean deleteIfUnchanged(HintId id, byte[] delivered) {
    boolean[] deleted = new boolean[1];
    keyspace.update(
        id.toStorageKey(),
        old -> {
          if (old != null && Arrays.equals(old, delivered)) {
            deleted[0] = true;
            return null;
          }
          return old;
        });
    if (deleted[0]) {
      unindex(id);
    }
    return deleted[0];
  }

  /** Deletes hint {@code id} whatever it holds (expiry). */
  public void delete(HintId id) {
    keyspace.delete(id.toStorageKey());
    unindex(id);
  }

  /** Recomputes {@link #summary()}, which carries ages that change as the index does not. */
  public void publish() {
    List<OwnerSummary> next = new ArrayList<>(byOwner.size());
    long c = 0;
    long b = 0;
    for (Map.Entry<NodeId, TreeMap<HintId, Meta>> e : byOwner.entrySet()) {
      long ownerBytes = 0;
      long oldest = Long.MAX_VALUE;
      for (Meta m : e.getValue().values()) {
        ownerBytes += m.bytes;
        oldest = Math.min(oldest, m.firstMillis);
      }
      next.add(new OwnerSummary(e.getKey(), e.getValue().size(), ownerBytes, oldest));
      c += e.getValue().size();
      b += ownerBytes;
    }
    summary = Collections.unmodifiableList(next);
    count = c;
    bytes = b;
  }

  private void index(HintId id, byte[] stored) {
    Meta before =
        byOwner
            .computeIfAbsent(id.owner(), o -> new TreeMap<>())
            .put(id, new Meta(stored.length, firstMillis(stored)));
    bytes += stored.length - (before == null ? 0 : before.bytes);
    if (before == null) {
      count++;
      if (byOwner.get(id.owner()).size() == 1) {
        publish();
      }
    }
  }

  private void unindex(HintId id) {
    TreeMap<HintId, Meta> hints = byOwner.get(id.owner());
    Meta before = hints == null ? null : hints.remove(id);
    if (before == null) {
      return;
    }
    count--;
    bytes -= before.bytes;
    if (hints.isEmpty()) {
      byOwner.remove(id.owner());
      publish();
    }
  }

  private static byte[] encode(long firstMillis, Siblings siblings) {
    byte[] encoded = VersionCodec.encode(siblings);
    ByteBuffer out = ByteBuffer.allocate(HEADER + encoded.length);
    out.put(FORMAT).putLong(firstMillis).put(encoded);
    return out.array();
  }

  private static long firstMillis(byte[] stored) {
    if (stored.length < HEADER || stored[0] != FORMAT) {
      throw new IllegalArgumentException(
          "a hint record starts with format " + FORMAT + " and 8 bytes of time");
    }
    return ByteBuffer.wrap(stored, 1, Long.BYTES).getLong();
  }
}
