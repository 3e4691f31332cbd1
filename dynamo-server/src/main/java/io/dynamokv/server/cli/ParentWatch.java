/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

/**
 * Exits this JVM (running its shutdown hooks) when its parent process exits, so the children of a
 * supervisor that was killed do not live on.
 */
final class ParentWatch {
  private ParentWatch() {}

  static void exitWithParent() {
    ProcessHandle.current()
        .parent()
        .ifPresent(
            parent ->
                parent
                    .onExit()
                    .thenRun(
                        () -> {
                          System.err.println("parent process " + parent.pid() + " exited; exiting");
                          Exit.now(ExitCodes.FAILURE);
                        }));
  }
}
