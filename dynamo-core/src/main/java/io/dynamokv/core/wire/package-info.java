/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * How things are written down, between nodes and on disk: formats and protocols.
 *
 * <ul>
 *   <li>{@link io.dynamokv.core.wire.WireFormat}: a family of binary formats (sibling sets, rings,
 *       gossip, a protocol's messages, a stored record) and the versions of it a node reads; every
 *       encoding starts with its format byte. {@link io.dynamokv.core.wire.WireFormats}: the rule
 *       that lets a format change roll through a cluster node by node (each node gossips the newest
 *       versions it reads; none writes a version some member does not read).
 *   <li>{@link io.dynamokv.core.wire.PeerProtocol}: one protocol between nodes, its messages and
 *       codec, each in its own package; {@link io.dynamokv.core.wire.PeerProtocols}: the registry
 *       by protocol id that transports encode and decode with and nodes dispatch by; {@link
 *       io.dynamokv.core.wire.Failure}: the reply any request may end with.
 *   <li>{@link io.dynamokv.core.wire.WireWriter}, {@link io.dynamokv.core.wire.WireReader}: the
 *       binary toolkit of the codecs (varints, length-prefixed bytes), refusing malformed input
 *       without over-allocating.
 * </ul>
 *
 * Pure: depends on the core root and the ports only.
 */
package io.dynamokv.core.wire;
