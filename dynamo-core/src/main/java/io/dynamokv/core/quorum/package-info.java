/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * Read and write coordination as state machines (paper §4.5): responses in, decisions out. A {@link
 * io.dynamokv.core.quorum.Quorum} decides success after R (or W) answers, and failure as soon as
 * too few replicas remain; the node service drives it from transport completions and timeouts.
 */
package io.dynamokv.core.quorum;
