/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A node of a 3-node cluster (N=3, R=2, W=2) is killed with SIGKILL while clients keep adding
 * elements to sets by read-modify-write; the workload goes on until the survivors' failure
 * detectors mark the node unreachable and a little longer, then the node is restarted on the same
 * data directory and port and must rejoin and serve. No acknowledged element may be lost, writes
 * must keep being acknowledged throughout the outage, and the only errors clients may see are
 * availability errors (whose outcome is unknown). The seed (n1) is one of the victims.
 *
 * <p>Once every survivor sees the restarted node reachable again, no update may fail because a
 * coordinator is still waiting out its reconnect backoff towards it (issue 23: membership's word
 * that a peer is back makes the peer transport try it at once).
 */
class KillRestartTest {
  private static final int CLIENT_THREADS = 4;
  private static final int KEYS = 8;

  /** How long the workload runs before the kill. */
  private static final Duration BEFORE_KILL = Duration.ofSeconds(3);

  /** How long the workload runs after the survivors noticed the node is down. */
  private static final Duration KNOWN_DOWN = Duration.ofSeconds(2);

  /**
   * Acknowledged updates required while the node is down, before and after the survivors notice it
   * (a loaded 2-core machine does hundreds a second).
   */
  private static final long MIN_ACKNOWLEDGED = 20;

  @RegisterExtension final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}: kill -9 n{1}")
  @CsvSource({"lmdb, 2", "bdb, 3", "lmdb, 1"})
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void acknowledgedUpdatesSurviveKillAndRestart(String engine, int victim) throws Exception {
    long t0 = System.nanoTime();
    try (ProcessCluster cluster = logs.watch(ProcessCluster.create(dir, engine, 3))) {
      cluster.startAll();
      long started = System.nanoTime();
      ProcessCluster.Node node = cluster.node(victim);
      try (ThriftDynamoClient client = cluster.client();
          SetWorkload workload =
              new SetWorkload(client, ProcessCluster.STORE, CLIENT_THREADS, KEYS)) {
        workload.start();
        runFor(cluster, workload, BEFORE_KILL, 20);

        node.kill();
        long killedAt = System.nanoTime();
        long atKill = workload.acknowledgedCount();
        List<ProcessCluster.Node> survivors =
            cluster.nodes().stream().filter(n -> n != node).toList();
        // Until the failure detectors notice, coordinators still send to the dead node...
        cluster.awaitCondition(
            "every survivor to see " + node.id() + " unreachable",
            () ->
                survivors.stream()
                    .allMatch(n -> n.members().get(node.id()).endsWith("UNREACHABLE")));
        double detection = seconds(System.nanoTime() - killedAt);
        long atDetection = workload.acknowledgedCount();
        // ...afterwards clients and coordinators route around it.
        runFor(cluster, workload, KNOWN_DOWN, 0);
        long whileKnownDown = workload.acknowledgedCount() - atDetection;

        node.start();
        long inOutage = workload.acknowledgedCount() - atKill;
        cluster.awaitCondition(
            "every survivor to see " + node.id() + " reachable again",
            () ->
                survivors.stream()
                    .noneMatch(n -> n.members().get(node.id()).endsWith("UNREACHABLE")));
        long reachableAt = System.nanoTime();
        cluster.awaitConverged();
        assertServes(cluster, node);
        long atRejoin = workload.acknowledgedCount();
        // Some updates with the node back, so that it coordinates and replicates again.
        runFor(cluster, workload, Duration.ofSeconds(1), 20);
        workload.stop();
        long afterRejoin = workload.acknowledgedCount() - atRejoin;
        List<String> failedOnceReachable = workload.failures(reachableAt, System.nanoTime());
        List<String> backoff =
            failedOnceReachable.stream().filter(f -> f.contains("backing off")).toList();

        SetWorkload.Check check = workload.check(client, 2);
        SetWorkload.Check viaVictim;
        try (ThriftDynamoClient direct = onlyThrough(node)) {
          viaVictim = workload.check(direct, 2);
        }
        System.out.printf(
            "KillRestartTest[%s, kill -9 %s] %s acknowledgedInOutage=%d (before detection %d,"
                + " after %d) acknowledgedAfterRejoin=%d (via %s: lost=%d) detection=%.1fs"
                + " failedOnceReachable=%d (backoff %d) startup=%.1fs total=%.1fs%n",
            engine,
            node.id(),
            check.report(),
            inOutage,
            atDetection - atKill,
            whileKnownDown,
            afterRejoin,
            node.id(),
            viaVictim.lost().size(),
            detection,
            failedOnceReachable.size(),
            backoff.size(),
            seconds(started - t0),
            seconds(System.nanoTime() - t0));

        assertThat(workload.unexpectedErrors())
            .as("errors other than availability errors (unknown outcome)")
            .isEmpty();
        assertThat(check.lost()).as("acknowledged elements missing from an R=2 read").isEmpty();
        assertThat(viaVictim.lost())
            .as("acknowledged elements missing from an R=2 read coordinated by %s", node.id())
            .isEmpty();
        for (ProcessCluster.Node survivor : survivors) {
          assertThat(survivor.logTail(Integer.MAX_VALUE))
              .as("%s's log of the outage", survivor.id())
              .containsSubsequence(
                  "peer " + node.id() + " is unreachable", "peer " + node.id() + " is reachable");
        }
        assertThat(backoff)
            .as(
                "updates failed by a reconnect backoff towards %s after every survivor saw it"
                    + " reachable (all failures since: %s)",
                node.id(), failedOnceReachable)
            .isEmpty();
        assertThat(atDetection - atKill)
            .as("updates acknowledged while %s was down, before the survivors noticed", node.id())
            .isGreaterThanOrEqualTo(MIN_ACKNOWLEDGED);
        assertThat(whileKnownDown)
            .as("updates acknowledged while %s was down and known to be", node.id())
            .isGreaterThanOrEqualTo(MIN_ACKNOWLEDGED);
      }
    }
  }

  /**
   * Lets the workload run for {@code duration}, and on until {@code minAcknowledged} more updates
   * were acknowledged (bounded by the cluster's start timeout).
   */
  static void runFor(
      ProcessCluster cluster, SetWorkload workload, Duration duration, long minAcknowledged) {
    long until = System.nanoTime() + duration.toNanos();
    long target = workload.acknowledgedCount() + minAcknowledged;
    cluster.awaitCondition(
        "the workload to run " + duration + " and have " + minAcknowledged + " more acknowledged",
        () -> System.nanoTime() - until >= 0 && workload.acknowledgedCount() >= target);
  }

  /** A get coordinated by {@code node} itself succeeds. */
  static void assertServes(ProcessCluster cluster, ProcessCluster.Node node) {
    try (ThriftDynamoClient direct = onlyThrough(node)) {
      cluster.awaitCondition(
          node.id() + " serves a get",
          () -> {
            direct.get(ProcessCluster.STORE, "set-0".getBytes(UTF_8), RequestOptions.quorum(2));
            return true;
          });
    }
  }

  /** A client whose every request goes to {@code node}, which coordinates it: no failover. */
  static ThriftDynamoClient onlyThrough(ProcessCluster.Node node) {
    return ThriftDynamoClient.builder()
        .bootstrap(List.of(node.address()))
        .partitionAware(false)
        .maxReadAttempts(1)
        .requestTimeout(Duration.ofSeconds(2))
        .build();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
