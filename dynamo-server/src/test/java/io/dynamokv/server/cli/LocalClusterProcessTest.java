/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.ClusterSecret;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dynamo local-cluster} as a real process tree: the supervisor starts its nodes, waits for
 * their health, records them, and stops them all when it is terminated.
 */
class LocalClusterProcessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void startsHealthyNodesAndStopsThemOnSigterm() throws Exception {
    Path clusterFile = dir.resolve("cluster.json");
    List<ProcessHandle> nodes = List.of();
    try (ChildProcess supervisor =
        ChildProcess.dynamo(
            "local-cluster",
            "--nodes",
            "2",
            "--engine",
            "lmdb",
            "--data-dir",
            dir.resolve("data").toString(),
            "--cluster-file",
            clusterFile.toString(),
            "--heap",
            "128m",
            "--exit-with-parent")) {
      await()
          .atMost(TIMEOUT)
          .failFast(() -> !supervisor.process().isAlive())
          .until(() -> supervisor.out().contains("Press Ctrl-C"));

      ClusterFile recorded = ClusterFile.read(clusterFile).orElseThrow();
      assertThat(recorded.supervisorPid()).isEqualTo(supervisor.process().pid());
      assertThat(recorded.nodes()).extracting(ClusterFile.Node::id).containsExactly("n1", "n2");
      nodes = recorded.nodes().stream().map(n -> ProcessHandle.of(n.pid()).orElseThrow()).toList();
      for (ClusterFile.Node node : recorded.nodes()) {
        assertThat(health(node.metricsUrl())).isEqualTo(200);
        assertThat(node.config()).exists();
      }
      assertThat(supervisor.out())
          .contains("joining: n2 asked to join the cluster n1 founded")
          .contains("local cluster of 2 nodes (engine lmdb)")
          .contains("clients " + recorded.nodes().get(0).address())
          .contains("peers " + recorded.nodes().get(0).peerAddress())
          .contains(
              "admin token (for join, leave and remove): --admin-token-file "
                  + dir.resolve("data/admin.token"))
          .contains("bin/dynamo put hello world --cluster-file " + clusterFile);
      // The nodes formed a cluster over authenticated peer ports, with the secret it made.
      Path secret = dir.resolve("data/cluster.secret");
      assertThat(recorded.adminTokenFile()).isEqualTo(dir.resolve("data/admin.token"));
      assertThat(Files.readString(recorded.adminTokenFile()).strip())
          .isEqualTo(
              AdminToken.of(ClusterSecret.parse(Files.readString(secret), secret.toString()))
                  .encode());
      assertThat(recorded.nodes().get(0).peerAddress())
          .isNotEqualTo(recorded.nodes().get(0).address());

      // SIGTERM, as Ctrl-C would; through the handle, because Process.destroy() also closes
      // our ends of the child's pipes and we want to read what it prints while stopping.
      supervisor.process().toHandle().destroy();

      long t0 = System.nanoTime();
      int code = supervisor.exitCode(TIMEOUT);
      System.out.println(
          "DEBUG exit " + code + " after ms " + (System.nanoTime() - t0) / 1_000_000);
      for (ClusterFile.Node n : recorded.nodes()) {
        System.out.println("DEBUG log " + n.id() + ": " + java.nio.file.Files.readString(n.log()));
      }
      assertThat(code).isNotZero();
      for (ProcessHandle node : nodes) {
        await().atMost(TIMEOUT).until(() -> !node.isAlive());
      }
      assertThat(clusterFile).doesNotExist();
      assertThat(supervisor.err())
          .as("stdout: %s", supervisor.out())
          .contains("stopping the local cluster...")
          .contains("stopped");
    } finally {
      nodes.forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void aNodeThatCannotStartFailsTheClusterWithItsLog() throws Exception {
    Path clusterFile = dir.resolve("cluster.json");
    try (ChildProcess supervisor =
        ChildProcess.dynamo(
            "local-cluster",
            "--nodes",
            "1",
            "--engine",
            "memory",
            "--data-dir",
            dir.resolve("data").toString(),
            "--cluster-file",
            clusterFile.toString(),
            "--set",
            "dynamo.requests.timeout=never",
            "--exit-with-parent")) {
      assertThat(supervisor.exitCode(TIMEOUT)).isEqualTo(ExitCodes.FAILURE);
      assertThat(supervisor.err())
          .contains("node n1 exited with code 2 before it was healthy; its log")
          .contains("--set dynamo.requests.timeout: expected a duration");
      assertThat(clusterFile).doesNotExist();
    }
  }

  private static int health(String metricsUrl) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(metricsUrl + "/health"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
