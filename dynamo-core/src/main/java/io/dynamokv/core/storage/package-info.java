/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * Storage that needs no technology beyond the JDK: the in-memory {@link
 * io.dynamokv.core.storage.MemoryStorageEngine} used by tests, the deterministic simulation and the
 * server's {@code memory} engine. Durable engines live in their own modules ({@code
 * dynamo-storage-lmdb}, {@code dynamo-storage-bdb}).
 */
package io.dynamokv.core.storage;
