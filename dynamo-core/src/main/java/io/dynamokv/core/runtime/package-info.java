/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * Production implementations of the time and task ports on the JDK ({@link
 * io.dynamokv.core.runtime.ThreadScheduler}; {@link io.dynamokv.core.spi.Clock#system()} for time).
 * The only package of the core allowed to own threads; the simulation replaces it.
 */
package io.dynamokv.core.runtime;
