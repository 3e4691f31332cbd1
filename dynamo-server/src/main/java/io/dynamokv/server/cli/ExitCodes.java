/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

/** The CLI's exit codes (listed for users in docs/cli.md). */
public final class ExitCodes {
  /** Done. */
  public static final int OK = 0;

  /** Something failed at run time: a node died, a request failed, a port could not be bound. */
  public static final int FAILURE = 1;

  /** The command line or the configuration is wrong; nothing was started. */
  public static final int USAGE = 2;

  /** {@code get}: the key is absent (never written, or deleted). Not an error. */
  public static final int NOT_FOUND = 3;

  /**
   * {@code join}, {@code leave}, {@code remove}, {@code repair}: the node refused the admin token
   * (a token of another cluster, or of a secret the cluster no longer has). Nothing was done.
   */
  public static final int REFUSED = 4;

  /**
   * {@code join}, {@code leave}, {@code remove}: the node refused the change when asked for its
   * plan, because it cannot be made now (e.g. the node to join is already in the ring, the node to
   * remove is still reachable, another change is still moving partitions). Nothing was done.
   */
  public static final int PLAN_REFUSED = 5;

  private ExitCodes() {}
}
