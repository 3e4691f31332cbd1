/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * What nodes of one cluster must agree on beyond membership: the declared stores (SPEC §1), as a
 * {@link io.dynamokv.server.cluster.StoreCatalog} fingerprint. Exchanging the fingerprint (in
 * gossip or cluster status) is still to be wired.
 */
package io.dynamokv.server.cluster;
