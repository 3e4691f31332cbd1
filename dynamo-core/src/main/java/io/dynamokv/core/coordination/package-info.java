/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The coordination protocol between nodes (paper §4.5): what a coordinator asks of replicas and
 * what a node that does not own a key asks of one that does.
 *
 * <ul>
 *   <li>{@link io.dynamokv.core.coordination.CoordinationMessage}: replica read and write,
 *       forwarded write, and their replies, as records.
 *   <li>{@link io.dynamokv.core.coordination.CoordinationCodec}: their binary form, peer protocol
 *       3, with a format byte.
 * </ul>
 *
 * The node's read and write coordinators, forwarder and replica (package {@code node}) speak it;
 * transports carry it as bytes and never look inside.
 */
package io.dynamokv.core.coordination;
