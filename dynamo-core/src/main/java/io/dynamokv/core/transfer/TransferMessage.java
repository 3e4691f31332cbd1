/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.transfer;

import io.dynamokv.core.spi.PeerMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The messages of ownership transfer (paper §4.9, SPEC §8), encoded by {@link TransferCodec}.
 *
 * <p>Streaming a partition: a pending owner sends {@link Fetch} to a current owner, which answers
 * one {@link Batch} of the partition's records after the last key received; the pending owner asks
 * again after the batch's last key until a batch is {@linkplain Batch#done done}. Switching the
 * ring: the claimant asks each node with {@link ReadyQuery} whether it is ready for the ring of
 * that epoch and version, answered by a {@link ReadyReply}. Either request may be answered by
 * {@link Refused}; errors travel as the transport's {@link io.dynamokv.core.wire.Failure}.
 *
 * <p>Byte arrays are not copied: neither sender nor receiver may modify them after construction.
 * Records holding arrays compare them by content, so a decoded message equals the one encoded.
 */
public sealed interface TransferMessage extends PeerMessage {
  /** The largest {@link Fetch#maxBytes}: 64 MiB. */
  int MAX_BATCH_BYTES = 64 << 20;

  /** The longest {@code detail} of a {@link ReadyReply} or {@link Refused}, in UTF-8 bytes. */
  int MAX_DETAIL_BYTES = 1024;

  /** Calls the method of {@code visitor} for this message's type. */
  <R> R accept(Visitor<R> visitor);

  /** One method per message type. */
  interface Visitor<R> {
    R fetch(Fetch m);

    R batch(Batch m);

    R readyQuery(ReadyQuery m);

    R readyReply(ReadyReply m);

    R refused(Refused m);
  }

  /** The messages a node sends to start an exchange; each names the ring it was sent under. */
  sealed interface Request extends TransferMessage {
    /** The epoch of the sender's ring. */
    long ringEpoch();

    /** The version of the sender's ring. */
    long ringVersion();

    /** Calls the method of {@code handler} for this request's type. */
    <R> R accept(Handler<R> handler);
  }

  /** Serves requests, one method per type. */
  interface Handler<R> {
    R fetch(Fetch request);

    R readyQuery(ReadyQuery request);
  }

  /**
   * A pending owner asks a current owner for the next batch of a partition's records, answered by a
   * {@link Batch} or {@link Refused}.
   *
   * @param store the store
   * @param partition the partition's number in the ring
   * @param ringEpoch the epoch of the asker's ring
   * @param ringVersion the version of the asker's ring
   * @param after the last user key received (exclusive), or null for the start of the partition;
   *     never empty
   * @param maxBytes about how many bytes of records the batch may hold, 1 to {@link
   *     #MAX_BATCH_BYTES}
   */
  record Fetch(
      String store, int partition, long ringEpoch, long ringVersion, byte[] after, int maxBytes)
      implements Request {
    public Fetch {
      requireStore(store);
      requireRing(ringEpoch, ringVersion);
      if (partition < 0) {
        throw new IllegalArgumentException("partition must be >= 0, found " + partition);
      }
      if (after != null && after.length == 0) {
        throw new IllegalArgumentException(
            "after is a user key, never empty: null stands for the start of the partition");
      }
      if (maxBytes < 1 || maxBytes > MAX_BATCH_BYTES) {
        throw new IllegalArgumentException(
            "max bytes must be 1 to " + MAX_BATCH_BYTES + ", found " + maxBytes);
      }
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.fetch(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.fetch(this);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Fetch f
          && f.store.equals(store)
          && f.partition == partition
          && f.ringEpoch == ringEpoch
          && f.ringVersion == ringVersion
          && Arrays.equals(f.after, after)
          && f.maxBytes == maxBytes;
    }

    @Override
    public int hashCode() {
      return Objects.hash(
          store, partition, ringEpoch, ringVersion, Arrays.hashCode(after), maxBytes);
    }

    @Override
    public String toString() {
      return "Fetch[store="
          + store
          + ", partition="
          + partition
          + ", ringEpoch="
          + ringEpoch
          + ", ringVersion="
          + ringVersion
          + ", after="
          + (after == null ? "null" : HexFormat.of().formatHex(after))
          + ", maxBytes="
          + maxBytes
          + "]";
    }
  }

  /**
   * The answer to a {@link Fetch}: the partition's records in storage order after the fetch's
   * {@code after}, up to about its {@code maxBytes} (at least one record when any remains, even one
   * larger than that).
   *
   * @param entries the records
   * @param done no records remain after the last one; a batch that is not done holds at least one
   *     record, so that every fetch makes progress
   */
  record Batch(List<Entry> entries, boolean done) implements TransferMessage {
    public Batch {
      entries = List.copyOf(entries);
      if (entries.isEmpty() && !done) {
        throw new IllegalArgumentException(
            "a batch that is not done holds at least one record, or the fetch makes no progress");
      }
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.batch(this);
    }
  }

  /**
   * One record of a {@link Batch}.
   *
   * @param key the user key, not empty
   * @param siblings the key's sibling set, encoded by {@link io.dynamokv.core.version.VersionCodec}
   *     (passed through undecoded), not empty
   */
  record Entry(byte[] key, byte[] siblings) {
    public Entry {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(siblings, "siblings");
      if (key.length == 0) {
        throw new IllegalArgumentException("a record's key is a user key, never empty");
      }
      if (siblings.length == 0) {
        throw new IllegalArgumentException("a record's sibling set is never empty");
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e
          && Arrays.equals(e.key, key)
          && Arrays.equals(e.siblings, siblings);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(key) + Arrays.hashCode(siblings);
    }

    @Override
    public String toString() {
      return "Entry[key=" + HexFormat.of().formatHex(key) + ", " + siblings.length + " bytes]";
    }
  }

  /**
   * The claimant asks a node whether it is ready for the ring of this epoch and version to be
   * switched, answered by a {@link ReadyReply} or {@link Refused}.
   */
  record ReadyQuery(long ringEpoch, long ringVersion) implements Request {
    public ReadyQuery {
      requireRing(ringEpoch, ringVersion);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.readyQuery(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.readyQuery(this);
    }
  }

  /**
   * The answer to a {@link ReadyQuery}.
   *
   * @param ready whether the node is ready for the switch
   * @param detail a short human reason, at most {@link #MAX_DETAIL_BYTES} UTF-8 bytes; may be empty
   */
  record ReadyReply(boolean ready, String detail) implements TransferMessage {
    public ReadyReply {
      requireDetail(detail);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.readyReply(this);
    }
  }

  /**
   * The asked node will not serve the request.
   *
   * @param reason why
   * @param ringVersion the version of the asked node's ring
   * @param detail a short human reason, at most {@link #MAX_DETAIL_BYTES} UTF-8 bytes; may be empty
   */
  record Refused(Reason reason, long ringVersion, String detail) implements TransferMessage {
    public Refused {
      Objects.requireNonNull(reason, "reason");
      if (ringVersion < 0) {
        throw new IllegalArgumentException("ring version must be >= 0, found " + ringVersion);
      }
      requireDetail(detail);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.refused(this);
    }
  }

  /** Why a node refuses; its wire value is the ordinal plus one. */
  enum Reason {
    /**
     * In the asked node's ring, the asked node does not own the partition, or the asker is not a
     * pending owner of it.
     */
    NOT_AN_OWNER,
    /** The asker's ring and the asked node's differ: retry after gossip. */
    STALE_RING,
    /** The asked node's own copy of the partition is incomplete: ask another owner. */
    INCOMPLETE,
    /** The asked node is over its budget: try later. */
    BUSY
  }

  private static void requireStore(String store) {
    Objects.requireNonNull(store, "store");
    if (store.isEmpty()) {
      throw new IllegalArgumentException("a store name is never empty");
    }
  }

  private static void requireRing(long ringEpoch, long ringVersion) {
    if (ringEpoch < 0 || ringVersion < 0) {
      throw new IllegalArgumentException(
          "ring epoch and version must be >= 0, found " + ringEpoch + ", " + ringVersion);
    }
  }

  private static void requireDetail(String detail) {
    Objects.requireNonNull(detail, "detail");
    int bytes = detail.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_DETAIL_BYTES) {
      throw new IllegalArgumentException(
          "detail must be at most " + MAX_DETAIL_BYTES + " UTF-8 bytes, found " + bytes);
    }
  }
}
