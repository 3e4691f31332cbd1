/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.server.it.ClusterCliTest.CliRun;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Anti-entropy alone restores a node that lost its data (issue 19), on real processes. Three nodes
 * (N=3, R=2, W=2, LMDB) with hinted handoff and read repair off, so that nothing but anti-entropy
 * can bring back what the victim lost. {@value #COLD_KEYS} <em>cold</em> keys get their elements
 * before the fault and are never written again, so only anti-entropy can restore them on the
 * victim; clients keep adding elements by read-modify-write to {@value #HOT_KEYS} <em>hot</em> keys
 * throughout.
 *
 * <p>The danger a node that lost data brings is an acknowledged write that only it and one other
 * owner hold: if its empty answer counted towards R together with the third owner's, a read would
 * miss the write. So the test makes such writes first: the <em>bystander</em> (n3, neither the
 * victim nor the seed) is stopped while every cold key gets a second element (acknowledged by the
 * victim and the other survivor only), then started again. Anti-entropy is quiet on every node
 * meanwhile (interval {@value #QUIET}), so the bystander still lacks those elements when the victim
 * loses them.
 *
 * <p>The victim is stopped cleanly (SIGTERM), its data directory deleted (the copy of its epoch
 * lease beside its configuration survives, which tells it that it lost data) and started again,
 * with anti-entropy exchanges every {@value #INTERVAL}, while the clients keep writing. Then:
 *
 * <ul>
 *   <li>it starts a new incarnation, logs that it may have lost data, and reports its partitions
 *       incomplete (figure {@value #INCOMPLETE} of its status section {@value #SECTION} is not 0);
 *   <li>{@code bin/dynamo repair --wait}, run against it at once, exits 0 saying the pass finished;
 *       when it returns, no partition of the victim is incomplete (status and {@code /metrics}),
 *       and its own copy of every key ({@code get --local}) holds every element acknowledged before
 *       the repair started;
 *   <li>a checker thread reads random keys at R=2 through every node in turn all along, and no read
 *       misses an element acknowledged before it started: the victim's empty copy never counts as
 *       an answer. Reads may fail for availability (counted);
 *   <li>at the end an R=2 read of every key finds every acknowledged element.
 * </ul>
 *
 * The victims are n2 and the seed n1. The ring has {@value #PARTITIONS} partitions, so that the
 * victim's repair (an exchange with each other owner of each partition) takes seconds.
 */
class AntiEntropyProcessTest {
  private static final String SECTION = "anti-entropy";
  private static final String INCOMPLETE = "partitions.incomplete";
  private static final String INCOMPLETE_METRIC =
      "dynamo_" + SECTION.replace('-', '_') + "_" + INCOMPLETE.replace('.', '_');
  private static final String INTERVAL_KEY = "dynamo.anti-entropy.interval";

  private static final int COLD_KEYS = 300;
  private static final int HOT_KEYS = 24;
  private static final int CLIENT_THREADS = 3;
  private static final int PRELOAD_THREADS = 4;
  private static final int PARTITIONS = 32;

  /** The victim's anti-entropy interval once it restarted on an empty data directory. */
  private static final String INTERVAL = "100ms";

  /** Every node's anti-entropy interval until then: no background pass during the test. */
  private static final String QUIET = "1h";

  /** The node stopped while cold keys get elements only the two others hold. */
  private static final int BYSTANDER = 3;

  /** How long the workload runs before the victim's stop, and while it is down. */
  private static final Duration BEFORE_STOP = Duration.ofSeconds(1);

  private static final Duration WIPED_AND_DOWN = Duration.ofSeconds(2);

  /** How long the workload runs after the repair, before the final check. */
  private static final Duration AFTER_REPAIR = Duration.ofSeconds(1);

  /** How long {@code repair --wait} may take. */
  private static final Duration REPAIR_TIMEOUT = Duration.ofSeconds(60);

  /** Successful checked reads required while the victim was back and not yet repaired. */
  private static final long MIN_READS_DURING_REPAIR = 20;

  private static final Map<String, String> SETTINGS =
      Map.of(
          "dynamo.handoff.enabled",
          "false",
          "dynamo.read-repair.enabled",
          "false",
          "dynamo.cluster.partitions",
          Integer.toString(PARTITIONS),
          INTERVAL_KEY,
          QUIET,
          "dynamo.anti-entropy.bytes-per-second",
          "64 MiB");

  @RegisterExtension final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir Path dir;

  @ParameterizedTest(name = "lmdb: wipe n{0}")
  @ValueSource(ints = {2, 1})
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void antiEntropyAloneRestoresAWipedNodeWhileClientsKeepWriting(int victimIndex) throws Exception {
    long t0 = System.nanoTime();
    try (ProcessCluster cluster =
        logs.watch(ProcessCluster.create(dir.resolve("cluster"), "lmdb", 3, SETTINGS))) {
      cluster.startAll();
      double startup = seconds(System.nanoTime() - t0);
      ProcessCluster.Node victim = cluster.node(victimIndex);
      ProcessCluster.Node bystander = cluster.node(BYSTANDER);
      ProcessCluster.Node otherSurvivor =
          cluster.nodes().stream()
              .filter(n -> n != victim && n != bystander)
              .findFirst()
              .orElseThrow();
      Path tokenFile = dir.resolve("admin.token");
      Files.writeString(tokenFile, cluster.adminToken().encode() + "\n", UTF_8);

      try (ThriftDynamoClient client = cluster.client();
          SetWorkload cold =
              new SetWorkload(client, ProcessCluster.STORE, 0, keys("cold", COLD_KEYS));
          SetWorkload hot =
              new SetWorkload(client, ProcessCluster.STORE, CLIENT_THREADS, keys("hot", HOT_KEYS));
          ReadChecker checker = new ReadChecker(cluster.nodes(), List.of(cold, hot), t0)) {
        preload(cold, "everywhere");
        hot.start();
        checker.start();

        // Writes only the victim and one other owner hold: the bystander is down meanwhile.
        assertThat(bystander.stop())
            .as("exit code of %s after SIGTERM", bystander.id())
            .isIn(0, 143);
        preload(cold, "two-owners");
        bystander.start();
        cluster.awaitConverged();
        assertThat(cold.acknowledgedCount())
            .as("cold elements acknowledged (errors: %s)", cold.errors())
            .isEqualTo(2L * COLD_KEYS);
        long exposed = missingFromLocalCopy(bystander, acknowledged(cold)).size();
        KillRestartTest.runFor(cluster, hot, BEFORE_STOP, 20);

        assertThat(victim.stop()).as("exit code of %s after SIGTERM", victim.id()).isIn(0, 143);
        Path lease = victim.config().resolveSibling(victim.id() + ".lease");
        assertThat(lease)
            .as("the copy of %s's epoch lease, outside its data directory", victim.id())
            .exists();
        assertThat(lease.startsWith(victim.dataDir())).isFalse();
        deleteRecursively(victim.dataDir());
        victim.configure(INTERVAL_KEY, INTERVAL);
        KillRestartTest.runFor(cluster, hot, WIPED_AND_DOWN, 20);

        long restartAt = System.nanoTime();
        victim.start();
        long incompleteAtStart = antiEntropy(victim, INCOMPLETE);
        String startLog = logOfLastStart(victim);
        Map<String, Set<String>> acknowledgedBeforeRepair = acknowledged(cold, hot);
        long repairAt = System.nanoTime();
        Future<CliRun> repair;
        ExecutorService cli = Executors.newSingleThreadExecutor();
        try {
          repair =
              cli.submit(
                  () ->
                      ClusterCliTest.dynamoIn(
                          dir,
                          "repair",
                          "--wait",
                          "--admin-token-file",
                          tokenFile.toString(),
                          "--address",
                          victim.address()));
          // Follow the victim's incomplete partitions while the repair runs.
          long[] most = {incompleteAtStart};
          long[] completeAt = {-1};
          cluster.awaitCondition(
              "repair --wait on " + victim.id() + " to return",
              () -> {
                long incomplete = antiEntropy(victim, INCOMPLETE);
                most[0] = Math.max(most[0], incomplete);
                if (incomplete == 0 && completeAt[0] < 0) {
                  completeAt[0] = System.nanoTime();
                }
                return repair.isDone();
              },
              REPAIR_TIMEOUT);
          CliRun run = repair.get();
          long repairedAt = System.nanoTime();
          checker.repairWindow(restartAt, repairedAt);

          assertThat(run.code()).as("%s", run).isZero();
          assertThat(run.out())
              .as("%s", run)
              .isEqualTo("ok: " + victim.id() + " finished a full anti-entropy pass\n");
          long incompleteAfter = antiEntropy(victim, INCOMPLETE);
          List<Double> incompleteMetric =
              TwoOwnersDownTest.metricValues(victim.metrics(), INCOMPLETE_METRIC);
          Map<String, SortedSet<String>> missingLocally =
              missingFromLocalCopy(victim, acknowledgedBeforeRepair);

          KillRestartTest.runFor(cluster, hot, AFTER_REPAIR, 20);
          hot.stop();
          checker.stop();
          SetWorkload.Check hotCheck = hot.check(client, 2);
          SetWorkload.Check coldCheck = cold.check(client, 2);
          Map<String, Long> repairedKeys = new TreeMap<>();
          for (ProcessCluster.Node n : cluster.nodes()) {
            repairedKeys.put(n.id(), antiEntropy(n, "keys.repaired"));
          }

          System.out.printf(
              "AntiEntropyProcessTest[lmdb, wipe %s] keys=%d (cold %d, hot %d)"
                  + " elements=%d (before repair %d; cold keys whose second element only %s"
                  + " and %s held: %d) incomplete partitions: at start %d, most %d, after repair"
                  + " %d; repair=%.1fs (complete after %s) keysRepaired=%s readsChecked=%d"
                  + " (during repair %d, via %s) misses=%d availabilityErrors=%s final: hot %s;"
                  + " cold lost=%d; startup=%.1fs total=%.1fs%n",
              victim.id(),
              COLD_KEYS + HOT_KEYS,
              COLD_KEYS,
              HOT_KEYS,
              cold.acknowledgedCount() + hot.acknowledgedCount(),
              acknowledgedBeforeRepair.values().stream().mapToInt(Set::size).sum(),
              victim.id(),
              otherSurvivor.id(),
              exposed,
              incompleteAtStart,
              most[0],
              incompleteAfter,
              seconds(repairedAt - repairAt),
              completeAt[0] < 0
                  ? "-"
                  : String.format(Locale.ROOT, "%.1fs", seconds(completeAt[0] - repairAt)),
              repairedKeys,
              checker.reads(),
              checker.readsDuringRepair(),
              checker.readsDuringRepairByNode(),
              checker.misses().size(),
              checker.errors(),
              hotCheck.report(),
              coldCheck.lost().size(),
              startup,
              seconds(System.nanoTime() - t0));

          assertThat(checker.misses())
              .as("acknowledged elements an R=2 read missed (key:element, coordinator, start)")
              .isEmpty();
          assertThat(checker.unexpectedErrors())
              .as("read errors other than availability errors")
              .isEmpty();
          assertThat(startLog)
              .as("%s's log of its start on the empty data directory", victim.id())
              .contains("node " + victim.id() + " starts a new incarnation")
              .contains("a new data directory")
              .contains("it may have lost data it acknowledged");
          assertThat(exposed)
              .as(
                  "cold keys whose element written while %s was down it still lacked when %s lost"
                      + " its copy: the writes a read counting %s's empty copy would miss",
                  bystander.id(), victim.id(), victim.id())
              .isPositive();
          assertThat(incompleteAtStart)
              .as(
                  "%s's figure %s right after it started on an empty data directory (-1: all,"
                      + " ring unknown yet)",
                  victim.id(), INCOMPLETE)
              .isNotZero();
          assertThat(checker.readsDuringRepair())
              .as("checked reads between the restart of %s and the end of its repair", victim.id())
              .isGreaterThanOrEqualTo(MIN_READS_DURING_REPAIR);
          assertThat(incompleteAfter)
              .as("%s's incomplete partitions once repair --wait returned", victim.id())
              .isZero();
          assertThat(incompleteMetric)
              .as("%s of %s once repair --wait returned", INCOMPLETE_METRIC, victim.id())
              .isNotEmpty()
              .allMatch(v -> v == 0);
          assertThat(missingLocally)
              .as(
                  "elements acknowledged before the repair missing from %s's own copy once"
                      + " repair --wait returned, by key",
                  victim.id())
              .isEmpty();
          assertThat(Stream.of(cold, hot).flatMap(w -> w.unexpectedErrors().stream()).toList())
              .as("update errors other than availability errors (unknown outcome)")
              .isEmpty();
          assertThat(hotCheck.lost())
              .as("acknowledged elements of hot keys missing from an R=2 read")
              .isEmpty();
          assertThat(coldCheck.lost())
              .as("acknowledged elements of cold keys missing from an R=2 read")
              .isEmpty();
        } finally {
          cli.shutdownNow();
        }
      }
    }
  }

  private static List<String> keys(String prefix, int count) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      keys.add(prefix + "-" + i);
    }
    return keys;
  }

  /** Adds {@code element} to every key of {@code workload}, from a few threads. */
  private static void preload(SetWorkload workload, String element) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(PRELOAD_THREADS);
    try {
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (String key : workload.keys()) {
        tasks.add(() -> workload.add(key, element));
      }
      for (Future<Boolean> f : pool.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A snapshot of every acknowledged element, by key. */
  private static Map<String, Set<String>> acknowledged(SetWorkload... workloads) {
    Map<String, Set<String>> all = new TreeMap<>();
    for (SetWorkload w : workloads) {
      for (String key : w.keys()) {
        all.put(key, w.acknowledged(key));
      }
    }
    return all;
  }

  /**
   * The elements of {@code expected} missing from {@code node}'s own copy of their key, by key;
   * fails if {@code node} does not own a key (with N=3 on 3 nodes it owns every key).
   */
  private static Map<String, SortedSet<String>> missingFromLocalCopy(
      ProcessCluster.Node node, Map<String, Set<String>> expected) {
    Map<String, SortedSet<String>> missing = new TreeMap<>();
    expected.forEach(
        (key, elements) -> {
          ThriftAdminClient.LocalRead copy = node.localRead(key);
          assertThat(copy.owner())
              .as("%s owns %s (owners %s)", node.id(), key, copy.owners())
              .isTrue();
          Set<String> present =
              copy.liveValues().stream()
                  .map(SetWorkload.CODEC::decode)
                  .flatMap(Set::stream)
                  .collect(Collectors.toSet());
          for (String element : elements) {
            if (!present.contains(element)) {
              missing.computeIfAbsent(key, k -> new TreeSet<>()).add(element);
            }
          }
        });
    return missing;
  }

  /** The figure {@code stat} of {@code node}'s anti-entropy status section; fails if absent. */
  private static long antiEntropy(ProcessCluster.Node node, String stat) {
    List<StatusSection> sections = node.status().sections();
    return sections.stream()
        .filter(s -> s.name().equals(SECTION))
        .flatMap(s -> s.stats().stream())
        .filter(s -> s.name().equals(stat))
        .mapToLong(StatusSection.Stat::value)
        .reduce(Long::sum)
        .orElseThrow(
            () ->
                new AssertionError(
                    node.id()
                        + " reports no figure "
                        + stat
                        + " in a status section "
                        + SECTION
                        + " (its sections: "
                        + sections.stream().map(StatusSection::name).toList()
                        + ")"));
  }

  /** What {@code node} logged since the harness last started it. */
  private static String logOfLastStart(ProcessCluster.Node node) throws IOException {
    String log = Files.readString(node.log(), UTF_8);
    int at = log.lastIndexOf("test harness: start #");
    return at < 0 ? log : log.substring(at);
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    assertThat(root).doesNotExist();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /**
   * A thread that reads random keys of some workloads at R=2, through each node in turn (each
   * coordinates the reads sent to it), and records every element acknowledged before a read started
   * that the union of the read's siblings lacks.
   */
  private static final class ReadChecker implements AutoCloseable {
    private final List<ProcessCluster.Node> nodes;
    private final List<ThriftDynamoClient> clients = new ArrayList<>();
    private final List<SetWorkload> workloads;
    private final long t0;
    private final Queue<Read> reads = new ConcurrentLinkedQueue<>();
    private final Queue<String> misses = new ConcurrentLinkedQueue<>();
    private final List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running;
    private long windowFrom;
    private long windowTo;

    /** One read: when it started, through which node, and its error's kind (null: it answered). */
    private record Read(long startNanos, String via, String failure) {}

    ReadChecker(List<ProcessCluster.Node> nodes, List<SetWorkload> workloads, long t0) {
      this.nodes = List.copyOf(nodes);
      this.workloads = List.copyOf(workloads);
      this.t0 = t0;
      for (ProcessCluster.Node node : nodes) {
        clients.add(KillRestartTest.onlyThrough(node));
      }
      this.thread = new Thread(this::run, "read-checker");
      thread.setDaemon(true);
    }

    void start() {
      running = true;
      thread.start();
    }

    private void run() {
      for (long n = 0; running; n++) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        SetWorkload workload = workloads.get(random.nextInt(workloads.size()));
        String key = workload.keys().get(random.nextInt(workload.keys().size()));
        int via = (int) (n % nodes.size());
        Set<String> expected = workload.acknowledged(key);
        long start = System.nanoTime();
        try {
          GetResult read =
              clients
                  .get(via)
                  .get(ProcessCluster.STORE, key.getBytes(UTF_8), RequestOptions.quorum(2));
          Set<String> present =
              read.values().stream()
                  .map(SetWorkload.CODEC::decode)
                  .flatMap(Set::stream)
                  .collect(Collectors.toSet());
          for (String element : expected) {
            if (!present.contains(element)) {
              misses.add(
                  String.format(
                      Locale.ROOT,
                      "%s:%s via %s at +%.3fs",
                      key,
                      element,
                      nodes.get(via).id(),
                      seconds(start - t0)));
            }
          }
          reads.add(new Read(start, nodes.get(via).id(), null));
        } catch (RuntimeException e) {
          reads.add(new Read(start, nodes.get(via).id(), e.getClass().getSimpleName()));
          if (!SetWorkload.isAvailabilityError(e)) {
            unexpected.add(e);
          }
          // Do not spin against a node that is down.
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
      }
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(Duration.ofSeconds(30).toMillis());
      if (thread.isAlive()) {
        throw new AssertionError(thread.getName() + " still runs 30 s after stop");
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
      clients.forEach(ThriftDynamoClient::close);
    }

    /** The time window reads count as "during the repair" in, in {@link System#nanoTime()}. */
    void repairWindow(long fromNanos, long toNanos) {
      this.windowFrom = fromNanos;
      this.windowTo = toNanos;
    }

    /** Reads that answered. */
    long reads() {
      return reads.stream().filter(r -> r.failure() == null).count();
    }

    private Stream<Read> duringRepair() {
      return reads.stream()
          .filter(r -> r.failure() == null)
          .filter(r -> r.startNanos() - windowFrom >= 0 && r.startNanos() - windowTo < 0);
    }

    /** Reads that answered and started during the repair window. */
    long readsDuringRepair() {
      return duringRepair().count();
    }

    /** Those, by the node that coordinated them. */
    Map<String, Long> readsDuringRepairByNode() {
      return duringRepair()
          .collect(Collectors.groupingBy(Read::via, TreeMap::new, Collectors.counting()));
    }

    /** Acknowledged elements reads missed, as {@code key:element via node at +time}. */
    List<String> misses() {
      return List.copyOf(misses);
    }

    /** Failed reads by error kind. */
    Map<String, Long> errors() {
      return reads.stream()
          .filter(r -> r.failure() != null)
          .collect(Collectors.groupingBy(Read::failure, TreeMap::new, Collectors.counting()));
    }

    List<Throwable> unexpectedErrors() {
      synchronized (unexpected) {
        return List.copyOf(unexpected);
      }
    }
  }
}
