/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * Membership and failure detection (paper §4.8, SPEC §7): who is in the cluster, what the ring is,
 * and which peers are alive.
 *
 * <ul>
 *   <li>{@link io.dynamokv.core.membership.ClusterView}: node states versioned like Cassandra's
 *       gossip ({@code generation:version}), admin {@link io.dynamokv.core.membership.Removal}
 *       records and the opaque, versioned {@link io.dynamokv.core.membership.RingState}, merged as
 *       a join-semilattice so any gossip order converges.
 *   <li>{@link io.dynamokv.core.membership.GossipMessage}: Cassandra's SYN / ACK / ACK2 digest
 *       exchange, encoded by {@link io.dynamokv.core.membership.MembershipCodec}.
 *   <li>{@link io.dynamokv.core.membership.PhiAccrualFailureDetector}: Hayashibara et al.'s phi
 *       accrual detector as used by Cassandra and Akka, feeding {@link
 *       io.dynamokv.core.membership.Reachability}, which combines it with the outcomes of the
 *       node's own calls.
 *   <li>{@link io.dynamokv.core.membership.Membership}: the per-node service over the ports (gossip
 *       rounds, Riak-style claimant driving a {@link io.dynamokv.core.membership.RingPolicy},
 *       bootstrap from seeds, join / leave / remove).
 *   <li>{@code GossipValidator}: every message is checked whole before any of it is applied, and
 *       persisted state at start (SPEC §10); refusals are {@link
 *       io.dynamokv.core.membership.GossipRefusal}s, counted by reason and reported to listeners.
 * </ul>
 *
 * <p>Seeds (paper §4.8.2) keep the cluster from partitioning logically: every node gossips with a
 * seed regularly, so two nodes joining through different seeds still meet.
 */
package io.dynamokv.core.membership;
