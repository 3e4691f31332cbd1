/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * Anti-entropy with Merkle trees (paper §4.7): replicas of a partition find the keys whose sibling
 * sets differ at a cost that grows with the differences, not with the data, and merge them both
 * ways.
 *
 * <ul>
 *   <li>{@link io.dynamokv.core.merkle.KeyDigest}: the 64-bit digest of a key and its canonical
 *       sibling set, the leaves' values.
 *   <li>{@link io.dynamokv.core.merkle.PartitionTree}: one partition's tree, XOR-combined so that a
 *       write updates one path and a parent is the XOR of its children; built by a sliced scan
 *       while changes keep arriving.
 *   <li>{@link io.dynamokv.core.merkle.LeafSource}, {@link io.dynamokv.core.merkle.LocalSets}: what
 *       the node provides: scans of its keys and its single local-apply path.
 *   <li>{@link io.dynamokv.core.merkle.AntiEntropyMessage}, {@link
 *       io.dynamokv.core.merkle.AntiEntropyCodec}: the exchange's messages, peer protocol 4.
 *   <li>{@link io.dynamokv.core.merkle.TreeExchange} (initiator) and {@link
 *       io.dynamokv.core.merkle.TreeResponder}: the exchange itself, in bounded asynchronous steps.
 * </ul>
 *
 * Everything here is single-threaded: the node runs it on its scheduler.
 */
package io.dynamokv.core.merkle;
