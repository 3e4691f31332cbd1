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
   * {@code leave}, {@code remove}: the node refused the admin token (a token of another cluster, or
   * of a secret the cluster no longer has). Nothing was done.
   */
  public static final int REFUSED = 4;

  private ExitCodes() {}
}
