/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * One node's Thrift listeners: a client port and a peer port.
 *
 * <ul>
 *   <li>{@link io.dynamokv.transport.thrift.server.ThriftServer}: one listener, serving either the
 *       client or the peer service, with frame, buffer, string, container, connection and idle
 *       limits of its own and a graceful drain;
 *   <li>{@code GatedFunction}: counts each request in flight and refuses new ones while draining;
 *       binds the connection's state to the handler's callback;
 *   <li>{@code ServerConnection}: an accepted connection, its slot, its stalled-frame and idle
 *       clocks and whether its client waits for a reply;
 *   <li>{@link io.dynamokv.transport.thrift.server.NodeService}: the client-facing service over a
 *       {@code DynamoNode};
 *   <li>{@link io.dynamokv.transport.thrift.server.ThriftServerConfig}: listener settings and
 *       limits;
 *   <li>{@link io.dynamokv.transport.thrift.server.TlsClientServer} and its {@link
 *       io.dynamokv.transport.thrift.server.TlsClientServerConfig}: the client listener when
 *       clients must use TLS, a blocking thread-per-connection server in place of the client {@code
 *       ThriftServer}, with {@code BlockingDynamoService} waiting for the asynchronous handler.
 * </ul>
 */
package io.dynamokv.transport.thrift.server;
