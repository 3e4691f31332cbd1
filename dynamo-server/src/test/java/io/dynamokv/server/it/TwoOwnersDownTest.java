/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.Token;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dynamo's central promise on real processes (issue 18, paper §4.6): the cluster stays writeable
 * when two of a key's three owners are down. Five nodes (N=3, R=2, W=2, LMDB); clients add elements
 * to sets by read-modify-write on keys that two nodes, the victims, both own; the victims go down
 * together, by SIGKILL or by SIGSTOP (frozen with their sockets open, so calls time out instead of
 * being refused). While they are down at least {@value #MIN_SUCCESS_PERCENT}% of updates must be
 * acknowledged, through stand-ins that keep hints for them, and the survivors must report hints.
 * Then the victims come back; the hints must drain to 0 on every node, and afterwards each owner of
 * each key, read on its own ({@code bin/dynamo get --local}), must hold every acknowledged element.
 *
 * <p>Which updates count: for SIGKILL every update that started after the kill (a dead node refuses
 * connections at once, so nobody need wait to notice). For SIGSTOP every update that started one
 * ring refresh after all survivors found both victims unreachable: until then a client or
 * coordinator that sent to a frozen node can only wait for its timeout, sloppy quorum or not.
 *
 * <p>Pending hints are read from each node's status section {@value #HANDOFF_SECTION} (what {@code
 * bin/dynamo status} prints), summing every figure named {@value #HINTS_STAT} whatever its tags,
 * and from {@code /metrics}.
 */
class TwoOwnersDownTest {
  private static final String HANDOFF_SECTION = "handoff";
  private static final String HINTS_STAT = "hints";

  /** The Prometheus name {@code /metrics} exports the hint figure under. */
  private static final String HINTS_METRIC =
      "dynamo_" + HANDOFF_SECTION + "_" + HINTS_STAT.replace('.', '_');

  private static final double MIN_SUCCESS_PERCENT = 99.0;

  /** Updates the outage window must hold for its success rate to mean something. */
  private static final long MIN_ATTEMPTED = 50;

  private static final int NODES = 5;
  private static final int CLIENT_THREADS = 4;
  private static final int KEYS = 8;

  /** Keys tried when looking for ones both victims own. */
  private static final int CANDIDATE_KEYS = 1000;

  private static final Duration BEFORE_FAULT = Duration.ofSeconds(3);

  /** How long the workload runs while the victims are down and known to be. */
  private static final Duration KNOWN_DOWN = Duration.ofSeconds(10);

  /** For SIGSTOP, how long after detection updates start to count: one client ring refresh. */
  private static final Duration CLIENT_CATCH_UP = Duration.ofSeconds(1);

  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(45);

  @RegisterExtension final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir Path dir;

  @ParameterizedTest(name = "{0} two owners of every key")
  @ValueSource(strings = {"kill", "pause"})
  @Timeout(value = 170, unit = TimeUnit.SECONDS)
  void writesSucceedWhileTwoOwnersAreDownAndEveryReplicaHasThemAfterHandoff(String fault)
      throws Exception {
    boolean kill = fault.equals("kill");
    long t0 = System.nanoTime();
    try (ProcessCluster cluster = logs.watch(ProcessCluster.create(dir, "lmdb", NODES))) {
      cluster.startAll();
      double startup = seconds(System.nanoTime() - t0);
      Ring ring = cluster.node(1).status().ring().orElseThrow();
      Choice choice = choose(ring);
      List<ProcessCluster.Node> victims =
          choice.victims().stream().map(id -> node(cluster, id)).toList();
      List<ProcessCluster.Node> survivors =
          cluster.nodes().stream().filter(n -> !victims.contains(n)).toList();

      try (ThriftDynamoClient client = cluster.client();
          SetWorkload workload =
              new SetWorkload(client, ProcessCluster.STORE, CLIENT_THREADS, choice.keys())) {
        long workloadStart = System.nanoTime();
        workload.start();
        KillRestartTest.runFor(cluster, workload, BEFORE_FAULT, 20);

        long faultAt = System.nanoTime();
        for (ProcessCluster.Node victim : victims) {
          if (kill) {
            victim.kill();
          } else {
            victim.pause();
          }
        }
        // Hints pile up on the survivors while the victims are down: sample them all along.
        AtomicLong maxHints = new AtomicLong();
        Map<String, List<String>> sectionsSeen = new TreeMap<>();
        cluster.awaitCondition(
            "every survivor to see " + choice.victims() + " unreachable",
            () -> {
              maxHints.accumulateAndGet(hintsOn(survivors, sectionsSeen), Math::max);
              return survivors.stream()
                  .allMatch(
                      n ->
                          victims.stream()
                              .allMatch(v -> n.members().get(v.id()).endsWith("UNREACHABLE")));
            });
        long detectedAt = System.nanoTime();
        long until = detectedAt + KNOWN_DOWN.toNanos();
        cluster.awaitCondition(
            "the workload to run " + KNOWN_DOWN + " with " + choice.victims() + " down",
            () -> {
              maxHints.accumulateAndGet(hintsOn(survivors, sectionsSeen), Math::max);
              return System.nanoTime() - until >= 0;
            });
        long backAt = System.nanoTime();

        for (ProcessCluster.Node victim : victims) {
          if (kill) {
            victim.start();
          } else {
            victim.resume();
          }
        }
        cluster.awaitCondition(
            "every survivor to see " + choice.victims() + " reachable again",
            () ->
                survivors.stream()
                    .allMatch(
                        n ->
                            victims.stream()
                                .noneMatch(v -> n.members().get(v.id()).endsWith("UNREACHABLE"))));
        long reachableAt = System.nanoTime();
        cluster.awaitConverged();
        // Some updates with everyone back, then the final state.
        KillRestartTest.runFor(cluster, workload, Duration.ofSeconds(1), 20);
        workload.stop();
        long recovered = System.nanoTime();

        SetWorkload.Window wholeOutage = workload.window(faultAt, backAt);
        SetWorkload.Window knownDown =
            workload.window(detectedAt + CLIENT_CATCH_UP.toNanos(), backAt);
        SetWorkload.Window measured = kill ? wholeOutage : knownDown;
        System.out.printf(
            "TwoOwnersDownTest[%s %s; keys %s] while down: %s (whole outage %s, once known down"
                + " %s; before the fault %s) maxHintsOnSurvivors=%d errors=%s detection=%.1fs"
                + " startup=%.1fs recovery=%.1fs%n",
            kill ? "kill -9" : "SIGSTOP",
            choice.victims(),
            choice.keys(),
            measured,
            wholeOutage,
            knownDown,
            workload.window(workloadStart, faultAt),
            maxHints.get(),
            workload.errors(),
            seconds(detectedAt - faultAt),
            startup,
            seconds(recovered - backAt));

        System.out.printf(
            "TwoOwnersDownTest[%s] failed updates after the fault: %s%n",
            fault, workload.failures(faultAt, backAt));
        List<String> failedOnceReachable = workload.failures(reachableAt, recovered);
        System.out.printf(
            "TwoOwnersDownTest[%s] failed updates once every survivor saw the victims reachable"
                + " (%.1fs after they came back): %s%n",
            fault, seconds(reachableAt - backAt), failedOnceReachable);
        assertThat(failedOnceReachable)
            .as(
                "updates failed by a reconnect backoff towards %s after every survivor saw them"
                    + " reachable",
                choice.victims())
            .noneMatch(f -> f.contains("backing off"));

        assertThat(workload.unexpectedErrors())
            .as("errors other than availability errors (unknown outcome)")
            .isEmpty();
        assertThat(measured.attempted())
            .as("updates started while %s were down", choice.victims())
            .isGreaterThanOrEqualTo(MIN_ATTEMPTED);
        assertThat(100 * measured.successRate())
            .as(
                "%% of updates acknowledged while two owners of every key (%s) were down (%s): a"
                    + " write must succeed through stand-ins when fewer than W owners are up;"
                    + " failures after the fault (at +%.1fs known down): %s",
                choice.victims(),
                measured,
                seconds(detectedAt - faultAt),
                workload.failures(faultAt, backAt))
            .isGreaterThanOrEqualTo(MIN_SUCCESS_PERCENT);
        assertThat(maxHints.get())
            .as(
                "most hints pending on the survivors at once while %s were down, as their status"
                    + " section '%s' reports them in figures named '%s' (sections seen: %s)",
                choice.victims(), HANDOFF_SECTION, HINTS_STAT, sectionsSeen)
            .isPositive();

        awaitHintsDrained(cluster);
        assertEveryOwnerHoldsEveryAcknowledgedElement(cluster, workload);
        System.out.printf(
            "TwoOwnersDownTest[%s] drained and checked; total=%.1fs%n",
            fault, seconds(System.nanoTime() - t0));
      }
    }
  }

  /** The victims and the workload's keys: every key is owned by both victims. */
  private record Choice(List<String> victims, List<String> keys) {}

  /**
   * The two nodes (the seed n1 excepted, so that the survivors keep it) that own the most keys
   * together, and the first {@link #KEYS} keys they both own.
   */
  private static Choice choose(Ring ring) {
    Map<String, List<String>> keysByPair = new TreeMap<>();
    for (String key : SetWorkload.keyNames(CANDIDATE_KEYS)) {
      List<String> owners =
          ring.preferenceList(Token.of(key.getBytes(UTF_8)), 3).stream()
              .map(NodeId::value)
              .filter(id -> !id.equals("n1"))
              .sorted()
              .toList();
      for (int i = 0; i < owners.size(); i++) {
        for (int j = i + 1; j < owners.size(); j++) {
          keysByPair
              .computeIfAbsent(owners.get(i) + "," + owners.get(j), p -> new ArrayList<>())
              .add(key);
        }
      }
    }
    Map.Entry<String, List<String>> best =
        keysByPair.entrySet().stream()
            .max(Map.Entry.comparingByValue((a, b) -> Integer.compare(a.size(), b.size())))
            .orElseThrow();
    assertThat(best.getValue())
        .as("keys of %s that nodes %s both own", ring, best.getKey())
        .hasSizeGreaterThanOrEqualTo(KEYS);
    return new Choice(List.of(best.getKey().split(",")), best.getValue().subList(0, KEYS));
  }

  private static ProcessCluster.Node node(ProcessCluster cluster, String id) {
    return cluster.nodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
  }

  /**
   * The hints pending on {@code nodes} together, from their status sections; notes the sections
   * each reported.
   */
  private static long hintsOn(List<ProcessCluster.Node> nodes, Map<String, List<String>> seen) {
    long sum = 0;
    for (ProcessCluster.Node n : nodes) {
      List<StatusSection> sections = n.status().sections();
      seen.put(n.id(), sections.stream().map(StatusSection::name).toList());
      sum += hints(sections).orElse(0L);
    }
    return sum;
  }

  /** The sum of the hint figures of a node's sections; empty when it reports no such figure. */
  private static java.util.Optional<Long> hints(List<StatusSection> sections) {
    List<StatusSection.Stat> stats =
        sections.stream()
            .filter(s -> s.name().equals(HANDOFF_SECTION))
            .flatMap(s -> s.stats().stream())
            .filter(st -> st.name().equals(HINTS_STAT))
            .toList();
    return stats.isEmpty()
        ? java.util.Optional.empty()
        : java.util.Optional.of(stats.stream().mapToLong(StatusSection.Stat::value).sum());
  }

  /**
   * Waits (bounded) until every node reports 0 pending hints in its status and in {@code /metrics}.
   * Fails at once, naming what it found, if a node reports no hint figure at all.
   */
  private static void awaitHintsDrained(ProcessCluster cluster) {
    for (ProcessCluster.Node n : cluster.nodes()) {
      List<StatusSection> sections = n.status().sections();
      assertThat(hints(sections))
          .as(
              "%s's status has a section '%s' with figures named '%s' (its sections: %s)",
              n.id(),
              HANDOFF_SECTION,
              HINTS_STAT,
              sections.stream()
                  .map(
                      s ->
                          s.name()
                              + s.stats().stream()
                                  .map(StatusSection.Stat::name)
                                  .distinct()
                                  .toList())
                  .toList())
          .isPresent();
    }
    Map<String, String> last = new java.util.concurrent.ConcurrentSkipListMap<>();
    try {
      cluster.awaitCondition(
          "hints to drain to 0 on every node, in status and /metrics",
          () -> {
            boolean drained = true;
            for (ProcessCluster.Node n : cluster.nodes()) {
              long status = hints(n.status().sections()).orElseThrow();
              List<Double> metric = metricValues(n.metrics(), HINTS_METRIC);
              last.put(n.id(), "status " + status + ", " + HINTS_METRIC + " " + metric);
              drained &= status == 0 && !metric.isEmpty() && metric.stream().allMatch(v -> v == 0);
            }
            return drained;
          },
          DRAIN_TIMEOUT);
    } catch (AssertionError e) {
      throw new AssertionError("pending hints last seen: " + last + "\n" + e.getMessage(), e);
    }
  }

  /** The values of every sample of {@code name} (any labels) in a Prometheus text page. */
  static List<Double> metricValues(String page, String name) {
    List<Double> values = new ArrayList<>();
    for (String line : page.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        String[] parts = line.trim().split("\\s+");
        values.add(Double.parseDouble(parts[parts.length - 1]));
      }
    }
    return values;
  }

  /**
   * Reads each owner of each key (per the ring, after recovery) on its own and checks that its
   * local copy holds every acknowledged element of the key.
   */
  private static void assertEveryOwnerHoldsEveryAcknowledgedElement(
      ProcessCluster cluster, SetWorkload workload) {
    Ring ring = cluster.node(1).status().ring().orElseThrow();
    Map<String, SortedSet<String>> missing = new TreeMap<>();
    long checked = 0;
    for (String key : workload.keys()) {
      Set<String> acknowledged = workload.acknowledged(key);
      List<String> owners =
          ring.preferenceList(Token.of(key.getBytes(UTF_8)), 3).stream()
              .map(NodeId::value)
              .toList();
      for (String owner : owners) {
        ThriftAdminClient.LocalRead copy = node(cluster, owner).localRead(key);
        assertThat(copy.owner())
            .as("%s owns %s in its own ring (owners %s)", owner, key, copy.owners())
            .isTrue();
        Set<String> present =
            copy.liveValues().stream()
                .map(SetWorkload.CODEC::decode)
                .flatMap(Set::stream)
                .collect(Collectors.toSet());
        checked += acknowledged.size();
        for (String element : acknowledged) {
          if (!present.contains(element)) {
            missing.computeIfAbsent(owner + " " + key, k -> new TreeSet<>()).add(element);
          }
        }
      }
    }
    System.out.printf(
        "TwoOwnersDownTest: %d acknowledged elements checked on every owner's local copy%n",
        checked);
    assertThat(missing)
        .as("acknowledged elements missing from an owner's own copy, by owner and key")
        .isEmpty();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
