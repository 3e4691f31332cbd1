/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * The Apache Thrift adapter: the wire protocol ({@code src/main/thrift/dynamo.thrift}, generated
 * code in {@code io.dynamokv.transport.thrift.gen}) and everything that speaks it, by role:
 *
 * <ul>
 *   <li>{@link io.dynamokv.transport.thrift.client}: the partition-aware {@code DynamoClient}
 *       applications use (its requests, its choice of target with health and backoff, its topology
 *       refresh, its connection pool) and the admin client. It never depends on the server or peer
 *       side.
 *   <li>{@link io.dynamokv.transport.thrift.server}: one node's listeners ({@code ThriftServer} for
 *       the client port and the peer port, the client-facing service over a {@code DynamoNode},
 *       their configuration).
 *   <li>{@link io.dynamokv.transport.thrift.peer}: the {@code PeerTransport} port (outbound calls,
 *       the connection pool per peer, the inbound service the server hosts), carrying each peer
 *       message as its protocol's id and the core codec's bytes.
 * </ul>
 *
 * This package holds what every side shares: {@link io.dynamokv.transport.thrift.AddressBook}
 * (where nodes' peer ports listen, {@code host:port} parsing), {@link
 * io.dynamokv.transport.thrift.NodeAddress} (a node's client and peer address as gossip carries
 * it), {@link io.dynamokv.transport.thrift.Channels} (authenticated channels over Thrift, for peers
 * and the admin client), {@link io.dynamokv.transport.thrift.InboundConnection} (per-connection
 * state of a listener), {@link io.dynamokv.transport.thrift.FrameBoundedTransport} and {@link
 * io.dynamokv.transport.thrift.NestingLimitedProtocol} (framing and decoding limits), {@link
 * io.dynamokv.transport.thrift.WireLimits}, {@link io.dynamokv.transport.thrift.ThriftCodec}
 * (stores and errors to and from their Thrift structs), and {@link
 * io.dynamokv.transport.thrift.TlsSettings} and {@link io.dynamokv.transport.thrift.TlsContext}
 * (key and trust stores, and the TLS sockets clients and the TLS server make with them). Thrift
 * types never appear in the public API of the client classes.
 */
package io.dynamokv.transport.thrift;
