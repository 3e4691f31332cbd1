/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * The client-facing API (paper §4.1, SPEC §1): {@link io.dynamokv.core.client.DynamoClient} with
 * siblings (each with {@linkplain io.dynamokv.core.client.Sibling advisory metadata}), opaque
 * {@link io.dynamokv.core.client.Context}s, {@link io.dynamokv.core.client.ConflictResolver} and
 * {@link io.dynamokv.core.client.VersionResolver} hooks with ready {@link
 * io.dynamokv.core.client.Resolvers}, and a read-modify-write helper. Free of any transport's
 * types; {@code dynamo-transport-thrift} implements it over the network, and the simulation
 * implements it in process.
 */
package io.dynamokv.core.client;
