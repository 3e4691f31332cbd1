/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

/**
 * Builds and starts the service of one node incarnation in a {@link SimCluster}.
 *
 * @param <S> the service type: a gossiper, a full Dynamo node, a toy protocol
 */
@FunctionalInterface
public interface NodeFactory<S> {
  /**
   * Builds the service over {@code node}'s environment, starts it (install the peer handler,
   * schedule periodic tasks) and returns it. Runs on the simulation thread, at the current
   * simulated time.
   */
  S start(SimNode node);

  /**
   * The clean-shutdown hook, called by {@link SimCluster.Instance#stop()} (never on a crash). The
   * default closes the service if it is {@link AutoCloseable}.
   */
  default void stop(S service) throws Exception {
    if (service instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }
}
