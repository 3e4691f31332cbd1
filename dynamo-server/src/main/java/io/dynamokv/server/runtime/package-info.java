/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The composition root of a node: {@link io.dynamokv.server.runtime.NodeRuntime} starts a {@link
 * io.dynamokv.core.node.DynamoNode} over the storage engine {@link
 * io.dynamokv.server.runtime.ServerModule} chooses and the network a {@link
 * io.dynamokv.server.runtime.TransportFactory} provides; {@link
 * io.dynamokv.server.runtime.StartupChecks} checks the machine first.
 */
package io.dynamokv.server.runtime;
