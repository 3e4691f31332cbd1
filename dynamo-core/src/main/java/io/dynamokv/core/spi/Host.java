/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

/**
 * What a node learns from, and keeps on, the machine it runs on outside its {@link StorageEngine}
 * (SPEC §2: a dot is never issued twice, whatever happened to the disk).
 *
 * <p>A node uses it at start to tell whether its data directory may have lost commits: an
 * operating-system crash loses the writes a {@link Durability#WRITE_NO_SYNC} engine had not flushed
 * (the boot id tells a process crash, which loses none, from an OS crash), and a directory restored
 * from a backup is behind the lease record kept here.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #bootId()} MUST change whenever the operating system boots again, and MUST NOT
 *       change while it runs; the empty string means "unknown", and the node then assumes every
 *       unclean stop was an OS crash.
 *   <li>{@link #writeLeaseRecord} MUST be durable when it returns (written and fsynced, replaced
 *       atomically), and MUST live outside the data directory, so that restoring or losing the data
 *       directory does not restore or lose it.
 *   <li>Methods are called from the node's scheduler, one at a time; they MAY block on I/O.
 * </ul>
 */
public interface Host {
  /** The id of the operating system's current boot, or {@code ""} if unknown. */
  String bootId();

  /**
   * The lease record last written by {@link #writeLeaseRecord}, or {@code null} if none was ever
   * written (or it was lost).
   *
   * @throws StorageException if it exists but cannot be read
   */
  byte[] readLeaseRecord();

  /**
   * Durably replaces the lease record with {@code record}.
   *
   * @throws StorageException if it cannot be written durably
   */
  void writeLeaseRecord(byte[] record);

  /**
   * A host for tests and embedded use: an unknown boot id, and a lease record kept in memory for
   * the life of this object.
   */
  static Host inMemory() {
    return new Host() {
      private volatile byte[] record;

      @Override
      public String bootId() {
        return "";
      }

      @Override
      public byte[] readLeaseRecord() {
        byte[] r = record;
        return r == null ? null : r.clone();
      }

      @Override
      public void writeLeaseRecord(byte[] bytes) {
        record = bytes.clone();
      }
    };
  }
}
