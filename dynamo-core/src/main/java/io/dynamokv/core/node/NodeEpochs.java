/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.WriteBatch;
import io.dynamokv.core.version.EpochSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * This node's actor epochs and incarnations (Riak's kv679 lesson: a node that reissues a counter it
 * used before has its new writes discarded as already seen).
 *
 * <p>Epochs come from a counter whose upper bound is leased durably in blocks of {@value #BLOCK},
 * and fsynced ({@link StorageEngine#flush()}) before any epoch of a block is used, whatever the
 * engine's durability: after a crash the node resumes past the last leased block, so no epoch is
 * handed out twice. A copy of the lease lives outside the data directory ({@link
 * Host#writeLeaseRecord}).
 *
 * <p>At start the node decides whether its data directory may have lost commits. If it may, it
 * starts a new <em>incarnation</em>: an epoch above every epoch it ever leased, below which {@link
 * io.dynamokv.core.version.Siblings#actorFor} trusts none of its actors, so every key gets a fresh
 * actor at its next coordinated write. It may have lost commits when:
 *
 * <ul>
 *   <li>the directory is new (nothing of an earlier life is known: the incarnation starts above the
 *       lease copy and above the wall-clock time in milliseconds times 10^6);
 *   <li>the directory's lease is behind the copy outside it: it was restored from a backup or
 *       rolled back;
 *   <li>the durability is not {@link Durability#SYNC} and the last stop was not clean (no
 *       clean-stop record, see {@link #recordCleanStop}), except that with {@link
 *       Durability#WRITE_NO_SYNC} an unclean stop within the same OS boot was a process crash,
 *       which loses no commit;
 *   <li>the operator asks for one (a directory restored from a backup that the lease cannot tell).
 * </ul>
 *
 * <p>Not thread-safe: the node uses it from its scheduler. {@link #leaseAbove} runs inside a
 * storage {@code update} function, where it must not write; when the leased block does not cover
 * the request it throws {@link LeaseNeeded}, the node calls {@link #extendLease} outside the
 * function and retries.
 */
final class NodeEpochs implements EpochSource {
  static final int BLOCK = 1024;
  private static final byte[] INCARNATION = bytes("epochs/incarnation");
  private static final byte[] LEASED = bytes("epochs/leased-up-to");
  private static final byte[] BOOT_ID = bytes("node/boot-id");
  private static final byte[] CLEAN_STOP = bytes("node/clean-stop");
  private static final byte[] DURABILITY = bytes("node/durability");
  private static final long DAY_MILLIS = 86_400_000L;
  private static final int RECORD_FORMAT = 1;

  private final StorageEngine storage;
  private final Keyspace metadata;
  private final Host host;
  private final NodeId self;
  private final Clock clock;
  private final Incarnation started;
  private long next;
  private long leasedUpTo;

  /**
   * Decides this start's incarnation and makes it durable.
   *
   * @param forceNew start a new incarnation whatever the directory says
   * @param brokenKeep test-only broken behaviour: keep the incarnation after any stop but the loss
   *     of the whole directory (what dynamo-kv did before it knew better)
   */
  NodeEpochs(
      StorageEngine storage,
      Host host,
      NodeId self,
      Clock clock,
      boolean forceNew,
      boolean brokenKeep) {
    this.storage = storage;
    this.metadata = storage.keyspace(StorageEngine.METADATA);
    this.host = host;
    this.self = self;
    this.clock = clock;
    byte[] storedIncarnation = metadata.get(INCARNATION);
    byte[] storedLease = metadata.get(LEASED);
    long dirLease = storedLease == null ? 0 : decode(storedLease, "epochs/leased-up-to");
    long copyLease = readCopy();
    String bootId = host.bootId();
    // Judged by the weaker of the durability the last run had and the one this run has: switching
    // to sync after a power cut does not bring back what write-no-sync lost.
    Durability lastRun = lastDurability();
    Durability judged =
        lastRun.compareTo(storage.durability()) > 0 ? lastRun : storage.durability();
    String reason = null;
    if (storedIncarnation == null) {
      reason = "a new data directory";
    } else if (forceNew) {
      reason = "asked to start a new incarnation";
    } else if (brokenKeep) {
      reason = null;
    } else if (copyLease < 0) {
      reason = "the copy of its epoch lease outside the data directory is unreadable";
    } else if (copyLease > dirLease) {
      reason =
          "the data directory's epoch lease ("
              + dirLease
              + ") is behind its copy outside the directory ("
              + copyLease
              + "): the directory was restored from a backup or rolled back";
    } else if (metadata.get(CLEAN_STOP) == null) {
      reason = uncleanStop(judged, bootId);
    }
    long incarnation;
    if (reason == null) {
      incarnation = decode(storedIncarnation, "epochs/incarnation");
      next = Math.max(dirLease, incarnation);
      started =
          new Incarnation(
              incarnation,
              false,
              metadata.get(CLEAN_STOP) != null
                  ? "the last stop was clean"
                  : judged == Durability.SYNC
                      ? "every commit is synced"
                      : "the last stop was a process crash within this OS boot, which loses no"
                          + " commit under write-no-sync",
              false);
    } else {
      incarnation = Math.max(Math.max(dirLease, copyLease), wallEpoch(clock.wallMillis()));
      if (incarnation >= MAX_EPOCH - BLOCK) {
        throw new IllegalStateException(
            "epoch lease "
                + incarnation
                + " is exhausted: the metadata of "
                + self
                + " is corrupt");
      }
      next = incarnation;
      // A new directory on a machine that never ran this node is its first start: nothing lost.
      boolean firstStart = storedIncarnation == null && copyLease == 0;
      started = new Incarnation(incarnation, true, reason, !firstStart);
    }
    leasedUpTo = Math.addExact(next, BLOCK);
    // Durable before the first write: the incarnation, its lease, this boot, and no clean-stop
    // record (so that a crash from now on is not mistaken for a clean stop).
    storage.write(
        WriteBatch.builder()
            .put(StorageEngine.METADATA, INCARNATION, encode(incarnation))
            .put(StorageEngine.METADATA, LEASED, encode(leasedUpTo))
            .put(StorageEngine.METADATA, BOOT_ID, bootId.getBytes(StandardCharsets.UTF_8))
            .put(
                StorageEngine.METADATA,
                DURABILITY,
                storage.durability().name().getBytes(StandardCharsets.US_ASCII))
            .delete(StorageEngine.METADATA, CLEAN_STOP)
            .build());
    storage.flush();
    writeCopy();
  }

  private String uncleanStop(Durability durability, String bootId) {
    if (durability == Durability.SYNC) {
      return null;
    }
    byte[] lastBoot = metadata.get(BOOT_ID);
    boolean sameBoot =
        !bootId.isEmpty()
            && lastBoot != null
            && bootId.equals(new String(lastBoot, StandardCharsets.UTF_8));
    if (durability == Durability.WRITE_NO_SYNC && sameBoot) {
      return null;
    }
    return "the last stop was not clean and "
        + (durability == Durability.NO_SYNC
            ? "no-sync durability loses unflushed commits even in a process crash"
            : bootId.isEmpty()
                ? "this host's boot id is unknown, so it may have been an OS crash, which loses"
                    + " unflushed commits under write-no-sync"
                : "the OS booted since (an OS crash loses unflushed commits under write-no-sync)");
  }

  /**
   * The durability the last run recorded; the weakest if none was (a directory of an older build).
   */
  private Durability lastDurability() {
    byte[] stored = metadata.get(DURABILITY);
    if (stored != null) {
      try {
        return Durability.valueOf(new String(stored, StandardCharsets.US_ASCII));
      } catch (IllegalArgumentException unknown) {
        // fall through: assume the worst
      }
    }
    return Durability.NO_SYNC;
  }

  /**
   * The epoch the wall clock gives: milliseconds times 10^6, capped far below {@link #MAX_EPOCH} so
   * that a clock centuries ahead neither overflows nor exhausts the range.
   */
  private static long wallEpoch(long millis) {
    return Math.min(Math.max(0, millis), (MAX_EPOCH - (1L << 40)) / 1_000_000L) * 1_000_000L;
  }

  /** How this node's current incarnation came about, for the start-up log. */
  Incarnation started() {
    return started;
  }

  @Override
  public long incarnation() {
    return started.epoch();
  }

  @Override
  public long leaseAbove(long floor) {
    long epoch = floor >= MAX_EPOCH ? next : Math.max(next, floor + 1);
    if (epoch >= leasedUpTo) {
      throw new LeaseNeeded(epoch);
    }
    next = epoch + 1;
    return epoch;
  }

  @Override
  public long leasedBelow() {
    return leasedUpTo;
  }

  /**
   * Above what this node has leased and above the wall-clock epoch of a day from now: no life of
   * this node can have leased an epoch that high (incarnations start at the wall-clock epoch at
   * most, and lease far fewer than 10^6 epochs per millisecond).
   */
  @Override
  public long ceiling() {
    return Math.max(leasedUpTo, wallEpoch(clock.wallMillis() + DAY_MILLIS));
  }

  /** Durably leases a block that covers {@code epoch}, in the directory and outside it. */
  void extendLease(long epoch) {
    if (epoch >= leasedUpTo) {
      if (epoch >= MAX_EPOCH - BLOCK) {
        throw new IllegalStateException("epoch " + epoch + " is beyond the epoch range");
      }
      leasedUpTo = epoch + BLOCK;
      metadata.put(LEASED, encode(leasedUpTo));
      storage.flush();
      writeCopy();
    }
  }

  /**
   * Records a clean stop, durably: the next start keeps this incarnation. Call it last, when
   * nothing writes to the engine any more.
   */
  void recordCleanStop() {
    metadata.put(CLEAN_STOP, encode(started.epoch()));
    storage.flush();
  }

  /**
   * The leased-up-to value of the copy outside the data directory: 0 if there is none, -1 if it is
   * unreadable.
   *
   * @throws IllegalStateException if it is another node's: two nodes sharing one lease file would
   *     hide each other's restores
   */
  private long readCopy() {
    byte[] record = host.readLeaseRecord();
    if (record == null) {
      return 0;
    }
    String owner;
    long lease;
    try {
      ByteBuffer b = ByteBuffer.wrap(record);
      if (b.get() != RECORD_FORMAT) {
        return -1;
      }
      byte[] id = new byte[b.get() & 0xFF];
      b.get(id);
      lease = b.getLong();
      if (b.hasRemaining() || lease < 0) {
        return -1;
      }
      owner = new String(id, StandardCharsets.US_ASCII);
    } catch (RuntimeException e) {
      return -1;
    }
    if (!self.value().equals(owner)) {
      throw new IllegalStateException(
          "the lease file holds the epoch lease of node "
              + owner
              + ", not of "
              + self
              + ": every node needs a lease file of its own (dynamo.node.lease-file)");
    }
    return lease;
  }

  private void writeCopy() {
    byte[] id = self.value().getBytes(StandardCharsets.US_ASCII);
    host.writeLeaseRecord(
        ByteBuffer.allocate(2 + id.length + Long.BYTES)
            .put((byte) RECORD_FORMAT)
            .put((byte) id.length)
            .put(id)
            .putLong(leasedUpTo)
            .array());
  }

  /** The leased block does not cover the epoch a write needs; extend the lease and retry. */
  static final class LeaseNeeded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long epoch;

    LeaseNeeded(long epoch) {
      super("epoch lease must cover " + epoch, null, false, false);
      this.epoch = epoch;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] encode(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }

  private static long decode(byte[] stored, String what) {
    if (stored.length != Long.BYTES) {
      throw new IllegalStateException(
          "metadata entry " + what + " is corrupt: " + stored.length + " bytes, expected 8");
    }
    return ByteBuffer.wrap(stored).getLong();
  }
}
