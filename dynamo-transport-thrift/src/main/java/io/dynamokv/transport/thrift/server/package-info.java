/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * One node's Thrift endpoint.
 *
 * <ul>
 *   <li>{@link io.dynamokv.transport.thrift.server.ThriftServer}: the client and peer services on
 *       one port, with frame, buffer, string, container and connection limits and a graceful drain;
 *   <li>{@code GatedFunction}: counts each request in flight and refuses new ones while draining;
 *   <li>{@code ServerConnection}: an accepted connection, its slot, its stalled-frame clock and
 *       whether its client waits for a reply;
 *   <li>{@link io.dynamokv.transport.thrift.server.NodeService}: the client-facing service over a
 *       {@code DynamoNode};
 *   <li>{@link io.dynamokv.transport.thrift.server.ThriftServerConfig}: listener settings and
 *       limits;
 *   <li>{@link io.dynamokv.transport.thrift.server.TlsClientServer} and its {@link
 *       io.dynamokv.transport.thrift.server.TlsClientServerConfig}: the client service over TLS, on
 *       a blocking thread-per-connection server, with {@code BlockingDynamoService} waiting for the
 *       asynchronous handler.
 * </ul>
 */
package io.dynamokv.transport.thrift.server;
