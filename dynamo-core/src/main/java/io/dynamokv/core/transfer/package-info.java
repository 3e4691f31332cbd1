/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * Ownership transfer (paper §4.9, SPEC §8): the pure parts of moving partitions between nodes when
 * the cluster grows or shrinks. The ring names, for a moving partition, its current owners and its
 * pending ones; the previous owners stream the range to each pending owner ({@link
 * io.dynamokv.core.transfer.TransferMessage}, peer protocol 5); a tree comparison confirms the new
 * copy; only then does the claimant switch the ring, and only after the switch reached every member
 * do the old owners drop the range. The node's room that runs it is {@code node.Transfer}.
 */
package io.dynamokv.core.transfer;
