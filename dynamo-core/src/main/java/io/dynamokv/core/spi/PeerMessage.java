/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

/**
 * A message between nodes: a request or the response to one. Implementations are immutable records
 * defined next to the protocol they belong to (replica read/write in {@code node}, gossip in {@code
 * membership}, later hint delivery, Merkle exchange and range streaming). A transport adapter maps
 * each concrete type to its wire form and MUST reject a type it does not know with {@link
 * IllegalArgumentException} at send time, never silently drop it.
 */
public interface PeerMessage {}
