/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every node of a cluster is stopped cleanly (SIGTERM) and started again on its data directory: the
 * cluster re-forms from what the nodes persisted, and every acknowledged element is there.
 */
class ClusterRestartTest {
  @RegisterExtension final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"lmdb", "bdb"})
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void acknowledgedUpdatesSurviveAFullRestart(String engine) throws Exception {
    long t0 = System.nanoTime();
    try (ProcessCluster cluster = logs.watch(ProcessCluster.create(dir, engine, 3))) {
      cluster.startAll();
      SetWorkload workload;
      try (ThriftDynamoClient client = cluster.client()) {
        workload = new SetWorkload(client, ProcessCluster.STORE, 4, 8).start();
        KillRestartTest.runFor(cluster, workload, Duration.ofSeconds(2), 100);
        workload.stop();
      }

      // SIGTERM to all at once, as a machine's shutdown would; each must exit by itself.
      long stopping = System.nanoTime();
      cluster.nodes().forEach(ProcessCluster.Node::terminate);
      for (ProcessCluster.Node node : cluster.nodes()) {
        int code = node.awaitExit();
        // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks and exited for the signal.
        assertThat(code).as("exit code of %s", node.id()).isIn(0, 143);
        assertThat(Files.readString(node.log()))
            .as("log of %s", node.id())
            .contains("node " + node.id() + " stopped");
      }

      long restarting = System.nanoTime();
      cluster.startAll();
      long restarted = System.nanoTime();
      try (ThriftDynamoClient client = cluster.client()) {
        SetWorkload.Check check = workload.check(client, 2);
        // The restarted cluster takes writes again.
        assertThat(
                client
                    .update(
                        ProcessCluster.STORE,
                        "set-0".getBytes(UTF_8),
                        SetWorkload.CODEC,
                        SetWorkload.UNION,
                        set -> SetWorkload.with(set, "after-restart"))
                    .value())
            .contains("after-restart");
        System.out.printf(
            "ClusterRestartTest[%s] %s stop=%.1fs restart=%.1fs total=%.1fs%n",
            engine,
            check.report(),
            (restarting - stopping) / 1e9,
            (restarted - restarting) / 1e9,
            (System.nanoTime() - t0) / 1e9);
        assertThat(workload.unexpectedErrors()).isEmpty();
        assertThat(check.acknowledged()).isGreaterThanOrEqualTo(100);
        assertThat(check.lost()).as("acknowledged elements missing after the restart").isEmpty();
      }
    }
  }
}
