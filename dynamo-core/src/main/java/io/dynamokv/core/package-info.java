/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * dynamo-kv's domain, free of any technology: the values shared by every package ({@link
 * io.dynamokv.core.NodeId}, {@link io.dynamokv.core.Key}) and the exception hierarchy rooted at
 * {@link io.dynamokv.core.DynamoException}.
 *
 * <p>Sub-packages follow the paper: {@code version} (§4.4 versioning), {@code ring} (§4.2
 * partitioning, §6.2 strategies), {@code membership} (§4.8), {@code quorum} and {@code node} (§4.5
 * coordination), {@code handoff} (§4.6), {@code merkle} (§4.7), and {@code spi}, the ports to the
 * outside world.
 */
package io.dynamokv.core;
