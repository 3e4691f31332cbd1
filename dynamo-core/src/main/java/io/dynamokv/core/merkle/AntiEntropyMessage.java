/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import io.dynamokv.core.spi.PeerMessage;
import java.util.List;
import java.util.Objects;

/**
 * The messages of one anti-entropy exchange (paper §4.7) between an initiator A ({@link
 * TreeExchange}) and a responder B ({@link TreeResponder}) over one partition of one store, encoded
 * by {@link AntiEntropyCodec}. Every request names the store, the partition and the ring version
 * both sides must share; B serves each request from its current tree and data alone (it keeps no
 * state between requests).
 *
 * <p>The exchange: {@link CompareRoot}, answered by {@link RootMatch} (done) or {@link
 * RootDiffers}; then rounds of {@link Descend} (nodes of one depth whose hashes differ), answered
 * by {@link DescendReply}; then {@link Sync} batches of the differing keys with A's sets, answered
 * by {@link SyncReply} with B's merged sets. Any request may be answered by {@link Refused}. Errors
 * travel as the transport's {@link io.dynamokv.core.wire.Failure}.
 *
 * <p>Byte arrays are not copied: neither sender nor receiver may modify them after construction.
 * Records holding arrays compare them by identity; compare decoded messages field by field.
 */
public sealed interface AntiEntropyMessage extends PeerMessage {
  /** Calls the method of {@code visitor} for this message's type. */
  <R> R accept(Visitor<R> visitor);

  /** One method per message type. */
  interface Visitor<R> {
    R compareRoot(CompareRoot m);

    R rootMatch(RootMatch m);

    R rootDiffers(RootDiffers m);

    R descend(Descend m);

    R descendReply(DescendReply m);

    R sync(Sync m);

    R syncReply(SyncReply m);

    R refused(Refused m);

    R purgeCheck(PurgeCheck m);

    R purge(Purge m);

    R purgeReply(PurgeReply m);
  }

  /** The messages an initiator sends; each names the tree it is about. */
  sealed interface Request extends AntiEntropyMessage {
    /** The store. */
    String store();

    /** The partition's number in the ring. */
    int partition();

    /** The version of the ring the initiator's tree belongs to. */
    long ringVersion();

    /** Calls the method of {@code handler} for this request's type. */
    <R> R accept(Handler<R> handler);
  }

  /** Serves requests, one method per type. */
  interface Handler<R> {
    R compareRoot(CompareRoot request);

    R descend(Descend request);

    R sync(Sync request);

    R purgeCheck(PurgeCheck request);

    R purge(Purge request);
  }

  /** A's root: its hash and key count. */
  record CompareRoot(String store, int partition, long ringVersion, long hash, long count)
      implements Request {
    public CompareRoot {
      Objects.requireNonNull(store, "store");
      requireNonNegative(partition, ringVersion, count);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.compareRoot(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.compareRoot(this);
    }
  }

  /** B's root has A's hash and count: nothing to repair. */
  record RootMatch() implements AntiEntropyMessage {
    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.rootMatch(this);
    }
  }

  /**
   * B's root differs: its hash and count, and those of its left child ({@code 0, 0} for an empty
   * tree or a tree of depth 0). A derives B's right child as {@code hash ^ leftHash, count -
   * leftCount}.
   */
  record RootDiffers(long hash, long count, long leftHash, long leftCount)
      implements AntiEntropyMessage {
    public RootDiffers {
      if (count < 0 || leftCount < 0) {
        throw new IllegalArgumentException("counts must be >= 0");
      }
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.rootDiffers(this);
    }
  }

  /**
   * Nodes at {@code depth} whose hashes differ between A and B (as far as A knows): for each, B
   * answers its left child's hash and count, or its key list when the probe {@linkplain
   * Probe#wantKeys wants keys}.
   *
   * @param probes strictly ascending by index, at least one
   */
  record Descend(String store, int partition, long ringVersion, int depth, List<Probe> probes)
      implements Request {
    public Descend {
      Objects.requireNonNull(store, "store");
      requireNonNegative(partition, ringVersion, 0);
      if (depth < 0 || depth > PartitionTree.MAX_DEPTH) {
        throw new IllegalArgumentException(
            "depth must be 0 to " + PartitionTree.MAX_DEPTH + ", found " + depth);
      }
      probes = List.copyOf(probes);
      if (probes.isEmpty()) {
        throw new IllegalArgumentException("a descend request probes at least one node");
      }
      long previous = -1;
      for (Probe p : probes) {
        if (p.index() <= previous || p.index() >= (1L << depth)) {
          throw new IllegalArgumentException(
              "probe indexes must be strictly ascending within 0 to 2^"
                  + depth
                  + " - 1, found "
                  + p.index()
                  + " after "
                  + previous);
        }
        previous = p.index();
      }
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.descend(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.descend(this);
    }
  }

  /**
   * One node of a {@link Descend}.
   *
   * @param index the node's index at the request's depth
   * @param wantKeys whether B answers with the node's key list rather than its left child
   */
  record Probe(long index, boolean wantKeys) {}

  /** B's answers to a {@link Descend}, one per probe, in the probes' order. */
  record DescendReply(List<NodeAnswer> answers) implements AntiEntropyMessage {
    public DescendReply {
      answers = List.copyOf(answers);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.descendReply(this);
    }
  }

  /** B's answer for one probed node. */
  sealed interface NodeAnswer {}

  /** B's left child of the probed node. */
  record LeftChild(long hash, long count) implements NodeAnswer {
    public LeftChild {
      if (count < 0) {
        throw new IllegalArgumentException("count must be >= 0, found " + count);
      }
    }
  }

  /** B's keys in the probed node, in storage order, with their digests. */
  record KeyList(List<KeyEntry> keys) implements NodeAnswer {
    public KeyList {
      keys = List.copyOf(keys);
    }
  }

  /** A key and its digest. */
  record KeyEntry(byte[] key, long digest) {
    public KeyEntry {
      Objects.requireNonNull(key, "key");
    }
  }

  /**
   * Differing keys with A's sets, for B to merge: each with A's encoded set ({@link
   * io.dynamokv.core.version.VersionCodec}), empty when A holds nothing for the key.
   *
   * @param pullOnly A lost data and only pulls (its sets are left out): B answers its own sets even
   *     if it lost data too (neither serves reads meanwhile), so that A may count B as pulled from
   */
  record Sync(String store, int partition, long ringVersion, boolean pullOnly, List<KeySet> entries)
      implements Request {
    public Sync {
      Objects.requireNonNull(store, "store");
      requireNonNegative(partition, ringVersion, 0);
      entries = List.copyOf(entries);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.sync(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.sync(this);
    }
  }

  /** A key and an encoded sibling set (empty: none). */
  record KeySet(byte[] key, byte[] siblings) {
    public KeySet {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(siblings, "siblings");
    }
  }

  /** B's results of a {@link Sync}, one per entry, in the entries' order. */
  record SyncReply(List<SyncResult> results) implements AntiEntropyMessage {
    public SyncReply {
      results = List.copyOf(results);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.syncReply(this);
    }
  }

  /**
   * B's set of one key after merging A's.
   *
   * @param changed whether B's stored set changed (B was repaired)
   * @param siblings B's resulting set, encoded; empty when A has nothing to merge: the set equals
   *     the one A sent, or B only pulls
   * @param deferred B's reply had no room left for this key's set (a reply stays far below a peer
   *     frame): A sends the key again in a later batch
   */
  record SyncResult(boolean changed, byte[] siblings, boolean deferred) {
    public SyncResult {
      Objects.requireNonNull(siblings, "siblings");
      if (deferred && siblings.length > 0) {
        throw new IllegalArgumentException("a deferred result carries no set");
      }
    }

    public SyncResult(boolean changed, byte[] siblings) {
      this(changed, siblings, false);
    }
  }

  /**
   * The first step of a tombstone purge: does B hold exactly these sets (by digest), each made of
   * deletes only, durably? B flushes its storage before it answers yes, so that a crash cannot take
   * back the tombstone it vouched for. Answered by a {@link PurgeReply}: B holds it.
   */
  record PurgeCheck(String store, int partition, long ringVersion, List<KeyEntry> entries)
      implements Request {
    public PurgeCheck {
      Objects.requireNonNull(store, "store");
      requireNonNegative(partition, ringVersion, 0);
      entries = List.copyOf(entries);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.purgeCheck(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.purgeCheck(this);
    }
  }

  /**
   * The second step, once every owner vouched: B drops each key whose set still has that digest (a
   * write since then keeps it). Answered by a {@link PurgeReply}: B dropped it.
   */
  record Purge(String store, int partition, long ringVersion, List<KeyEntry> entries)
      implements Request {
    public Purge {
      Objects.requireNonNull(store, "store");
      requireNonNegative(partition, ringVersion, 0);
      entries = List.copyOf(entries);
    }

    @Override
    public <R> R accept(Handler<R> handler) {
      return handler.purge(this);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.purge(this);
    }
  }

  /** B's answer to a {@link PurgeCheck} or {@link Purge}, one per entry, in the entries' order. */
  record PurgeReply(List<Boolean> answers) implements AntiEntropyMessage {
    public PurgeReply {
      answers = List.copyOf(answers);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.purgeReply(this);
    }
  }

  /** B will not exchange this tree; A abandons the exchange. */
  record Refused(Reason reason, long ringVersion) implements AntiEntropyMessage {
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.refused(this);
    }
  }

  /** Why a responder refuses; its wire value is the ordinal plus one. */
  enum Reason {
    /** The responder's ring has another version ({@link Refused#ringVersion} is its own). */
    RING_VERSION,
    /** The responder has no ready tree of the partition yet. */
    NOT_READY,
    /** The responder does not know the store. */
    UNKNOWN_STORE,
    /** The responder does not hold the partition. */
    NOT_AN_OWNER,
    /** The responder is over its exchange budget; try later. */
    BUSY
  }

  private static void requireNonNegative(int partition, long ringVersion, long count) {
    if (partition < 0 || ringVersion < 0 || count < 0) {
      throw new IllegalArgumentException(
          "partition, ring version and count must be >= 0, found "
              + partition
              + ", "
              + ringVersion
              + ", "
              + count);
    }
  }
}
