/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * The Thrift client library (paper §4.5: a client may route requests itself, which halved the
 * 99.9th percentile latency in Dynamo's Table 2).
 *
 * <ul>
 *   <li>{@link io.dynamokv.transport.thrift.client.ThriftDynamoClient}: the {@code DynamoClient}
 *       (get, put, delete; {@code update()} is the core's default) and its builder;
 *   <li>{@code RequestSender}: one request through the targets, with failover where it is safe;
 *   <li>{@code TargetChooser}: which nodes to try, best first, and which this client suspects;
 *   <li>{@code TopologyRefresher} and {@code ClientTopology}: the ring, members and stores, kept
 *       fresh;
 *   <li>{@code ClientConnectionPool}: pooled blocking connections per node;
 *   <li>{@link io.dynamokv.transport.thrift.client.ThriftAdminClient}: status and admin calls to
 *       one node.
 * </ul>
 *
 * Depends on the shared wire pieces of {@code io.dynamokv.transport.thrift} only, never on the
 * server or peer packages (checked by the module's dependency test).
 */
package io.dynamokv.transport.thrift.client;
