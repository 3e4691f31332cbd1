/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * A node's metrics (SPEC §10: latency percentiles per operation, quorum failures) in Micrometer,
 * exported in the Prometheus text format over HTTP together with a health endpoint.
 */
package io.dynamokv.server.metrics;
