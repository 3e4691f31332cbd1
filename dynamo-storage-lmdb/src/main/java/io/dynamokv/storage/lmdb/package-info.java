/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The {@link io.dynamokv.core.spi.StorageEngine} adapter on LMDB via lmdbjava: the embedded default
 * backend (SPEC §9; the paper's §4.1 pluggable local persistence engine, where Dynamo used
 * BerkeleyDB and MySQL).
 *
 * <p>One LMDB environment per node data directory, one named LMDB database per keyspace; keys order
 * by memcmp, which is the unsigned lexicographic order the contract asks for. The map grows by
 * doubling when it fills (unless disabled). Durability maps to LMDB flags: {@code SYNC} is LMDB's
 * default (fsync per commit); {@code WRITE_NO_SYNC} and {@code NO_SYNC} both use {@code MDB_NOSYNC}
 * plus an fsync every flush interval on a background thread.
 *
 * <p>Public surface: {@link io.dynamokv.storage.lmdb.LmdbStorageEngineFactory} (with its {@code
 * Options}), the Guice {@link io.dynamokv.storage.lmdb.LmdbStorageModule}, and the exceptions
 * nested in {@link io.dynamokv.storage.lmdb.LmdbStorageEngine}. The JVM needs {@code --add-opens
 * java.base/java.nio=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED}.
 */
package io.dynamokv.storage.lmdb;
