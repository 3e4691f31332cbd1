/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

/**
 * How a node's current incarnation came about (see {@link DynamoNode#incarnation()}): a node that
 * may have lost commits starts a new incarnation, so that it never reissues a dot it issued before.
 *
 * @param epoch the incarnation's first epoch
 * @param fresh whether this start began a new incarnation
 * @param reason why, in words for the start-up log
 * @param lostData whether this node may have lost data it held and acknowledged: its data directory
 *     is empty or replaced although this machine ran the node before, it was restored from a backup
 *     or rolled back, or an unclean stop lost unflushed commits. Such a node does not answer reads
 *     of its partitions until anti-entropy has restored them (see {@link
 *     io.dynamokv.core.IncompleteReplicaException}). A node's very first start loses nothing
 */
public record Incarnation(long epoch, boolean fresh, String reason, boolean lostData) {}
