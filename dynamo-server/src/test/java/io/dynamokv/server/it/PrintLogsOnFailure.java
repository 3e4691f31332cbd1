/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Prints the tail of every node's log of the {@linkplain #watch watched} clusters when a test
 * fails, so that a red CI run says what the nodes were doing. Registered on an instance field it
 * watches one test's clusters; on a static field, the class's.
 *
 * <pre>{@code
 * @RegisterExtension final PrintLogsOnFailure logs = new PrintLogsOnFailure();
 * ...
 * ProcessCluster cluster = logs.watch(ProcessCluster.create(dir, "lmdb", 3));
 * }</pre>
 */
final class PrintLogsOnFailure implements AfterTestExecutionCallback {
  private static final int LINES = 80;

  private final List<ProcessCluster> clusters = new CopyOnWriteArrayList<>();

  /** Watches {@code cluster}; returns it. */
  ProcessCluster watch(ProcessCluster cluster) {
    clusters.add(cluster);
    return cluster;
  }

  /**
   * Runs right after the test method, while its {@code @TempDir} (and the logs in it) still exists:
   * a {@code TestWatcher} is told of the failure only after JUnit has deleted the directory.
   */
  @Override
  public void afterTestExecution(ExtensionContext context) {
    context
        .getExecutionException()
        .ifPresent(
            cause -> {
              System.out.println("===== " + context.getDisplayName() + " failed: " + cause);
              for (ProcessCluster cluster : clusters) {
                cluster.printLogTails(System.out, LINES);
              }
            });
  }
}
