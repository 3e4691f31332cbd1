/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * The Apache Thrift adapter: the wire protocol ({@code src/main/thrift/dynamo.thrift}, generated
 * code in {@code io.dynamokv.transport.thrift.gen}) and everything that speaks it.
 *
 * <ul>
 *   <li>{@link io.dynamokv.transport.thrift.server.ThriftServer}: one node's endpoint, client and
 *       peer services on one port, with frame, buffer, string, container and connection limits and
 *       a graceful drain.
 *   <li>{@link io.dynamokv.transport.thrift.server.NodeService}: the client service over a {@code
 *       DynamoNode}.
 *   <li>{@link io.dynamokv.transport.thrift.peer.ThriftPeerTransport}: the {@code PeerTransport}
 *       port over pooled asynchronous clients, and the peer service that hands requests to the
 *       node.
 *   <li>{@link io.dynamokv.transport.thrift.client.ThriftDynamoClient}: the partition-aware {@code
 *       DynamoClient} applications use; {@link
 *       io.dynamokv.transport.thrift.client.ThriftAdminClient}: status and admin calls to one node.
 *   <li>{@link io.dynamokv.transport.thrift.AddressBook}: where nodes listen (configuration, then
 *       gossip).
 * </ul>
 *
 * Thrift types never appear in the public API of the client classes.
 */
package io.dynamokv.transport.thrift;
