/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

/**
 * A message between nodes: a request or the response to one. Implementations are immutable records
 * defined next to the protocol they belong to (replica reads and writes in {@code coordination},
 * gossip in {@code membership}, later hint delivery, Merkle exchange and range streaming), each
 * protocol with its binary codec ({@link io.dynamokv.core.wire.PeerProtocol}). A transport of bytes
 * carries a message as its protocol's id plus the codec's bytes ({@link
 * io.dynamokv.core.wire.PeerProtocols}) and MUST reject a type no protocol carries with {@link
 * IllegalArgumentException} at send time, never silently drop it.
 */
public interface PeerMessage {}
