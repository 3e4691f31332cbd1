/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * The {@code PeerTransport} port over Thrift: node-to-node calls, each on an authenticated channel
 * ({@code io.dynamokv.core.security.SecureChannel}) of the peer port, and the admin commands served
 * there.
 *
 * <ul>
 *   <li>{@link io.dynamokv.transport.thrift.peer.ThriftPeerTransport}: the port (outbound calls,
 *       life cycle, settings);
 *   <li>{@code OutboundCall}: one call from send to completion (queued, sent, done), and calls to
 *       this node itself;
 *   <li>{@code PeerConnections}: the connection pool of one peer, connecting (with the handshake),
 *       retiring idle connections and backing off;
 *   <li>{@code PeerClient}, {@code PeerSelector}, {@code Exchange}: one connection carrying one
 *       framed Thrift call at a time, written by the caller and read by the selector thread (which
 *       caps response frames); the thread; one exchange's outcome;
 *   <li>{@code PeerInboundService}: the inbound side the server hosts: opens each connection's
 *       channel, checks every request's sequence and MAC, hands requests to the node and admin
 *       commands to {@link io.dynamokv.transport.thrift.peer.AdminCommands};
 *   <li>{@link io.dynamokv.transport.thrift.peer.PeerFrames}: a peer message as a {@code
 *       PeerFrame}, its protocol's id and the core codec's bytes.
 * </ul>
 */
package io.dynamokv.transport.thrift.peer;
