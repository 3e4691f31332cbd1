/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The ports: everything {@code dynamo-core} needs from the outside world, as interfaces whose
 * Javadoc is the contract adapters must meet.
 *
 * <ul>
 *   <li>{@link io.dynamokv.core.spi.StorageEngine} and {@link io.dynamokv.core.spi.Keyspace}: a
 *       dumb, ordered, durable byte store (paper §4.1, SPEC §9), implemented by {@code
 *       dynamo-storage-lmdb}, {@code dynamo-storage-bdb} and the in-memory engine.
 *   <li>{@link io.dynamokv.core.spi.PeerTransport}: asynchronous request/response between nodes,
 *       implemented by {@code dynamo-transport-thrift} and by the simulated network.
 *   <li>{@link io.dynamokv.core.spi.Clock}, {@link io.dynamokv.core.spi.Scheduler} and {@link
 *       io.dynamokv.core.spi.RandomSource}: time, tasks and randomness. Because the domain reaches
 *       them only through these ports, a whole cluster can run in one deterministic thread and
 *       replay from a seed.
 * </ul>
 */
package io.dynamokv.core.spi;
