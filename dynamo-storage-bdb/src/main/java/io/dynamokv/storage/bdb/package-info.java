/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The {@link io.dynamokv.core.spi.StorageEngine} adapter on Oracle BerkeleyDB Java Edition (JE
 * 18.3), the alternative to LMDB (paper §4.1, which names BDB as Dynamo's most used local store;
 * SPEC §9). Open an engine with {@link io.dynamokv.storage.bdb.BdbStorageEngineFactory} or install
 * {@link io.dynamokv.storage.bdb.BdbStorageModule}; everything else here is package-private.
 *
 * <h2>Layout</h2>
 *
 * One transactional JE environment per directory and one JE database per keyspace (created on first
 * use). Keys order by JE's default comparison, which is unsigned lexicographic. Keys are 1 to 1024
 * bytes (they live in the heap-resident index).
 *
 * <h2>Concurrency</h2>
 *
 * <ul>
 *   <li>{@code get} runs without a transaction (read committed: it waits for an uncommitted write
 *       of the key); {@code put} and {@code delete} auto-commit.
 *   <li>{@code update} write-locks the key (JE {@code LockMode.RMW}, or an uncommitted placeholder
 *       record when the key is absent) before calling the function, so lock conflicts are retried
 *       before the function runs and it runs exactly once.
 *   <li>A batch is one transaction; it keeps the last operation on each key and applies them in
 *       (keyspace, key) order, so all multi-key transactions lock in one order and cannot deadlock.
 *   <li>A scan is a repeatable-read transaction: entries stay read-locked until the scan ends, so
 *       it sees each batch whole or not at all, and writers of the scanned keys wait for it. Page
 *       long scans. Writers retry lock timeouts for up to 30 s.
 * </ul>
 *
 * <h2>Durability</h2>
 *
 * The engine's {@link io.dynamokv.core.spi.Durability} maps to JE's commit durability:
 *
 * <ul>
 *   <li>{@code SYNC} → {@code COMMIT_SYNC}: each commit is written and fsynced. Loses nothing
 *       acknowledged, even on power loss; costs an fsync per write.
 *   <li>{@code WRITE_NO_SYNC} → {@code COMMIT_WRITE_NO_SYNC} (the default): each commit is written
 *       to the OS. Survives a JVM crash; an OS crash or power loss loses the writes not yet fsynced
 *       (JE fsyncs at checkpoints, when a log file fills, and every {@code
 *       je.log.flushSyncInterval}, 20 s by default).
 *   <li>{@code NO_SYNC} → {@code COMMIT_NO_SYNC}: commits stay in JE's log buffer. A JVM crash
 *       loses the writes not yet written: JE writes its buffer when it fills and every {@code
 *       je.log.flushNoSyncInterval} (5 s by default); this is the "periodic flush", run by JE
 *       itself.
 * </ul>
 *
 * {@code flush()} writes and fsyncs the log; {@code close()} flushes too, so a clean shutdown loses
 * nothing in any mode.
 *
 * <h2>Cache and cleaner</h2>
 *
 * <ul>
 *   <li>Cache: bytes or percent of the heap (default 40%). {@code EVICT_LN} (the default, Project
 *       Voldemort's production setting) keeps only the B-tree index in the heap and leaves values
 *       to the OS page cache: less garbage collection, the whole index cached. Size the cache to
 *       hold the index (roughly key size plus ~50 bytes per record).
 *   <li>JE is log-structured: updates and deletes leave obsolete records in old log files, which
 *       the cleaner rewrites and deletes. {@code cleanerMinUtilization} (default 50%) is the live
 *       share the cleaner keeps up: the disk holds up to about twice the live data at 50%; raise it
 *       to save disk at the price of write amplification. {@code cleanerThreads} (default 1): raise
 *       it if the log keeps growing under a heavy write load. {@code logFileBytes} (default 64
 *       MiB): the unit the cleaner reclaims; larger files mean fewer files and coarser cleaning.
 * </ul>
 *
 * <h2>Errors</h2>
 *
 * Opening a directory whose parent is missing, that is not a directory, not writable or holds files
 * JE cannot read throws {@link
 * io.dynamokv.storage.bdb.BdbStorageEngine.UnusableDirectoryException}; a missing directory with an
 * existing parent is created. A directory open in another engine of this JVM (JE would silently
 * share it) or locked by another process ({@code je.lck}) throws {@link
 * io.dynamokv.storage.bdb.BdbStorageEngine.DirectoryInUseException}.
 */
package io.dynamokv.storage.bdb;
