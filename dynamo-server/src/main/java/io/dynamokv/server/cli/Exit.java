/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

/**
 * Exits the JVM from code, telling the shutdown hooks so: a running server's hook turns a stop that
 * nobody in this process asked for (SIGTERM, Ctrl-C) into exit code 0, but must keep the code of an
 * exit asked for here (e.g. 1 when the parent of a local-cluster node died).
 */
final class Exit {
  private static volatile boolean requested;

  private Exit() {}

  /** Exits with {@code code}; shutdown hooks run and see {@link #requested()}. */
  static void now(int code) {
    requested = true;
    System.exit(code);
  }

  /** Whether this process's code asked for the exit under way (else a signal did). */
  static boolean requested() {
    return requested;
  }
}
