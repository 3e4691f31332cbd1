/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;

/**
 * The environment of one node incarnation, handed to a {@link NodeFactory}: everything a service
 * needs from the outside world, all simulated. A service MUST use only these (no threads, no {@code
 * System.nanoTime()}, no unseeded randomness) for the simulation to replay.
 *
 * @param index the node's number, from 1
 * @param id the node's id, {@code "n" + index}
 * @param incarnation 1 for the first start, incremented by every restart
 * @param clock the node's clock (skew survives restarts)
 * @param scheduler this incarnation's scheduler; dies with the incarnation
 * @param random this incarnation's random source, split deterministically from the node's
 * @param transport this incarnation's endpoint on the {@link SimNetwork}
 * @param storage an engine freshly opened on {@link #directory()}
 * @param directory the node's persistent data, which survives crashes and restarts
 * @param host the node's machine: boot id and a lease record outside the data directory
 */
public record SimNode(
    int index,
    NodeId id,
    int incarnation,
    Clock clock,
    Scheduler scheduler,
    RandomSource random,
    PeerTransport transport,
    StorageEngine storage,
    MemoryStorageEngine.Directory directory,
    SimHost host) {}
