/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * The Dynamo node (paper §4): the service that composes the pure packages (ring, version, quorum,
 * membership, coordination, wire) over the ports of {@code spi}. Its rooms, one job each:
 *
 * <ul>
 *   <li>the front: {@link io.dynamokv.core.node.DynamoNode} (life cycle, intake, dispatch of peer
 *       requests by protocol id), configured by {@link io.dynamokv.core.node.NodeConfig} and {@link
 *       io.dynamokv.core.node.StoreDefinition};
 *   <li>coordination (§4.5): {@code ReadCoordinator}, {@code WriteCoordinator}, {@code Forwarder}
 *       (a write sent to an owner, with request-id deduplication) and {@code CoordinationService}
 *       (the coordination protocol's serving side);
 *   <li>the replica: {@code Replica}, the one place that changes a key's local state and the only
 *       room doing storage I/O for data, and {@link io.dynamokv.core.node.ReplicaListener}, told of
 *       every change (for the Merkle trees of anti-entropy, §4.7);
 *   <li>the floor, shared by the rooms above: {@code Placement} (stores and the ring), {@code
 *       PeerCalls} (send, hop back onto the scheduler, map failures), {@code QuorumTimer}, {@link
 *       io.dynamokv.core.node.NodeStats}, {@code ReissuedDots}, {@code NodeEpochs} and {@link
 *       io.dynamokv.core.node.Incarnation} (a dot is never issued twice), {@code NodeFormats},
 *       {@code RingPlannerPolicy}, and {@code BrokenVariant} (deliberate bugs the simulation must
 *       catch).
 * </ul>
 *
 * Every node task runs on the node's {@link io.dynamokv.core.spi.Scheduler}, one at a time (one
 * lock serializes them, storage I/O and gossip included); see docs/ARCHITECTURE.md. Hints, read
 * repair, anti-entropy and range transfer will be rooms of this package beside the coordinators,
 * each changing local state only through the {@code Replica}.
 */
package io.dynamokv.core.node;
