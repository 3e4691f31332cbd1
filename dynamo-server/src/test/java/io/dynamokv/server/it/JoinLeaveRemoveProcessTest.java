/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.server.it.ClusterCliTest.CliRun;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental scalability on real processes (issue 20): {@code bin/dynamo join}, {@code leave} and
 * {@code remove}, each in its own JVM as an operator runs them, change a loaded LMDB cluster (N=3,
 * R=2, W=2, {@value #PARTITIONS} partitions) without losing or hiding an acknowledged write.
 *
 * <ul>
 *   <li>{@link #joinThenLeaveUnderLoad}: three nodes form the cluster by themselves ({@code
 *       dynamo.membership.join-at-start = true}: not what this test is about); a fourth starts with
 *       the server's default ({@code false}) and waits as a STANDBY member. While a writer puts
 *       distinct keys and a reader reads acknowledged ones back at R=2, {@code join --dry-run}
 *       prints the plan and changes nothing, then {@code join} adds the node: the ring ends with
 *       four owners and not moving (every node's {@code transfer} section reports {@code moving}
 *       0), no client request failed, no read missed an acknowledged write, and every acknowledged
 *       key reads back at R=2; and each node holds, in its own data, every acknowledged key it
 *       owns. Read repair is off and background anti-entropy quiet, so only the transfer can give
 *       the new node the keys written before it joined. Then {@code leave} takes the fourth node
 *       out again under load, with the same guarantees, and the node ends LEFT.
 *   <li>{@link #removeOfAKilledNodeRestoresEveryCopy}: four nodes; after keys are written the
 *       fourth is killed ({@code kill -9}), more keys are written, and {@code remove} through a
 *       live node drops it. Once the ring is not moving, each of the three others holds its own
 *       copy of every acknowledged key (N = 3 copies on 3 nodes), read with {@code get --local}'s
 *       admin call.
 * </ul>
 *
 * Each change's command must print its plan ({@code plan: join n4 ...}) before it commits.
 */
class JoinLeaveRemoveProcessTest {
  private static final int PARTITIONS = 32;
  private static final String JOIN_AT_START = "dynamo.membership.join-at-start";
  private static final Map<String, String> SETTINGS =
      Map.of("dynamo.cluster.partitions", Integer.toString(PARTITIONS));

  /**
   * The join and leave test's: read repair off and no background anti-entropy pass (trees are
   * kept), so that nothing but the transfer gives a new owner the copies it takes over: a ring that
   * switched owners without streaming leaves them without the keys written before.
   */
  private static final Map<String, String> QUIET_REPAIRS =
      Map.of(
          "dynamo.cluster.partitions",
          Integer.toString(PARTITIONS),
          "dynamo.read-repair.enabled",
          "false",
          "dynamo.anti-entropy.interval",
          "1h",
          // A pending owner refuses writes until it has the moving ring; the hints stand-ins keep
          // for it then must not wait out the default 30 s backoff within REPLICATION_LAG.
          "dynamo.handoff.max-backoff",
          "2s");

  /** How long a write acknowledged by W owners may take to reach the others. */
  private static final Duration REPLICATION_LAG = Duration.ofSeconds(60);

  /** Most keys the writer writes; it stops earlier when told to. */
  private static final int MAX_KEYS = 50_000;

  /** How long the load runs before a change, and after it settled. */
  private static final Duration LOAD_BEFORE = Duration.ofSeconds(2);

  private static final Duration LOAD_AFTER = Duration.ofSeconds(1);

  /** How long a change may take to settle: ring with its new owners and not moving. */
  private static final Duration SETTLE = Duration.ofSeconds(120);

  /** Keys written before the node of the remove test is killed. */
  private static final int KEYS_BEFORE_KILL = 600;

  @RegisterExtension final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir Path dir;

  @Test
  @Timeout(value = 420, unit = TimeUnit.SECONDS)
  void joinThenLeaveUnderLoad() throws Exception {
    try (ProcessCluster cluster =
        logs.watch(ProcessCluster.create(dir.resolve("cluster"), "lmdb", 4, QUIET_REPAIRS))) {
      List<ProcessCluster.Node> three = cluster.nodes().subList(0, 3);
      ProcessCluster.Node fourth = cluster.node(4);
      fourth.configure(JOIN_AT_START, "false");
      cluster.startOnly(three);
      fourth.start();
      cluster.awaitCondition(
          "n1 sees " + fourth.id() + " as a STANDBY member",
          () -> "STANDBY reachable".equals(cluster.node(1).members().get(fourth.id())));
      assertThat(ringNodes(cluster.node(1))).containsExactly("n1", "n2", "n3");
      assertThat(Files.readString(fourth.log(), UTF_8))
          .as("%s's log says how to join it", fourth.id())
          .contains("node " + fourth.id() + " is a STANDBY member")
          .contains("bin/dynamo join --address " + fourth.address());
      Path token = tokenFile(cluster);

      try (ThriftDynamoClient client = cluster.client();
          Load load = new Load(client)) {
        load.start();
        runFor(cluster, load, LOAD_BEFORE, 20);

        // The plan alone changes nothing.
        CliRun dryRun =
            dynamo(
                "join",
                "--dry-run",
                "--admin-token-file",
                token.toString(),
                "--address",
                fourth.address());
        assertThat(dryRun.code()).as("%s", dryRun).isZero();
        assertThat(dryRun.out()).as("%s", dryRun).startsWith("plan: join " + fourth.id());
        assertThat(dryRun.out()).as("%s", dryRun).contains("dry run: nothing was changed");
        assertThat(cluster.node(1).members().get(fourth.id())).isEqualTo("STANDBY reachable");

        long joinAt = System.nanoTime();
        CliRun join =
            dynamo("join", "--admin-token-file", token.toString(), "--address", fourth.address());
        assertThat(join.code()).as("%s", join).isZero();
        assertThat(join.err()).as("%s: a join shows its plan", join).isEmpty();
        assertThat(join.out())
            .as("%s", join)
            .startsWith("plan: join " + fourth.id())
            .endsWith("ok: " + fourth.id() + " is joining the cluster\n");
        awaitSettled(cluster, cluster.nodes(), List.of("n1", "n2", "n3", "n4"));
        long joinedAt = System.nanoTime();
        awaitOwnCopies(cluster, cluster.nodes(), load, REPLICATION_LAG, "the join");
        runFor(cluster, load, LOAD_AFTER, 20);
        Load.Report afterJoin = load.report();
        assertGuarantees(load, client, "join of " + fourth.id());
        System.out.printf(
            Locale.ROOT,
            "JoinLeaveRemoveProcessTest join: settled in %.1fs; %s%n",
            (joinedAt - joinAt) / 1e9,
            afterJoin);

        CliRun leave =
            dynamo("leave", "--admin-token-file", token.toString(), "--address", fourth.address());
        long leaveAt = System.nanoTime();
        assertThat(leave.code()).as("%s", leave).isZero();
        assertThat(leave.err()).as("%s: a leave shows its plan", leave).isEmpty();
        assertThat(leave.out())
            .as("%s", leave)
            .startsWith("plan: leave " + fourth.id())
            .endsWith("ok: " + fourth.id() + " is leaving the cluster\n");
        awaitSettled(cluster, three, List.of("n1", "n2", "n3"));
        cluster.awaitCondition(
            "every other node sees " + fourth.id() + " LEFT",
            () -> {
              for (ProcessCluster.Node n : three) {
                if (!n.members().getOrDefault(fourth.id(), "").startsWith("LEFT")) {
                  return false;
                }
              }
              return true;
            },
            SETTLE);
        long leftAt = System.nanoTime();
        awaitOwnCopies(cluster, three, load, REPLICATION_LAG, "the leave");
        runFor(cluster, load, LOAD_AFTER, 20);
        load.stop();
        Load.Report end = load.report();
        assertGuarantees(load, client, "leave of " + fourth.id());
        System.out.printf(
            Locale.ROOT,
            "JoinLeaveRemoveProcessTest leave: settled in %.1fs; %s%n",
            (leftAt - leaveAt) / 1e9,
            end);
      }
    }
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void removeOfAKilledNodeRestoresEveryCopy() throws Exception {
    try (ProcessCluster cluster =
        logs.watch(ProcessCluster.create(dir.resolve("cluster"), "lmdb", 4, SETTINGS))) {
      cluster.startAll();
      List<ProcessCluster.Node> survivors = cluster.nodes().subList(0, 3);
      ProcessCluster.Node victim = cluster.node(4);
      Path token = tokenFile(cluster);

      try (ThriftDynamoClient client = cluster.client();
          Load load = new Load(client)) {
        load.startWriterOnly();
        cluster.awaitCondition(
            KEYS_BEFORE_KILL + " keys acknowledged",
            () -> load.acknowledgedCount() >= KEYS_BEFORE_KILL);
        victim.kill();
        cluster.awaitCondition(
            "the others find " + victim.id() + " unreachable",
            () -> {
              for (ProcessCluster.Node n : survivors) {
                if (!n.members().get(victim.id()).endsWith("UNREACHABLE")) {
                  return false;
                }
              }
              return true;
            });
        runFor(cluster, load, LOAD_AFTER, 20);

        CliRun remove =
            dynamo(
                "remove",
                victim.id(),
                "--admin-token-file",
                token.toString(),
                "--address",
                cluster.node(1).address());
        long removeAt = System.nanoTime();
        assertThat(remove.code()).as("%s", remove).isZero();
        assertThat(remove.err()).as("%s: a remove shows its plan", remove).isEmpty();
        assertThat(remove.out())
            .as("%s", remove)
            .startsWith("plan: remove " + victim.id())
            .endsWith("ok: " + victim.id() + " is removed (by n1)\n");
        load.stop();
        awaitSettled(cluster, survivors, List.of("n1", "n2", "n3"));
        long settledAt = System.nanoTime();
        assertThat(cluster.node(1).members().get(victim.id())).startsWith("REMOVED");

        // Rebuilt by streaming or anti-entropy, in the background: a bounded wait.
        awaitOwnCopies(cluster, survivors, load, SETTLE, "the remove");
        System.out.printf(
            Locale.ROOT,
            "JoinLeaveRemoveProcessTest remove: settled in %.1fs, every copy in %.1fs; %s%n",
            (settledAt - removeAt) / 1e9,
            (System.nanoTime() - removeAt) / 1e9,
            load.report());
        assertThat(load.unexpectedErrors()).as("errors other than availability errors").isEmpty();
        assertThat(load.check(client)).as("acknowledged keys an R=2 read misses").isEmpty();
      }
    }
  }

  /**
   * Waits until each node of {@code live} sees exactly {@code owners} in its ring, every member of
   * {@code owners} NORMAL and reachable, and the ring not moving: the {@code transfer} section's
   * {@code moving} is 0 on every one of them.
   */
  private static void awaitSettled(
      ProcessCluster cluster, List<ProcessCluster.Node> live, List<String> owners) {
    cluster.awaitCondition(
        "each of " + live + " sees the ring " + owners + ", all NORMAL, not moving",
        () -> {
          for (ProcessCluster.Node n : live) {
            ThriftAdminClient.NodeStatus status = n.status();
            if (!ringNodes(status).equals(owners)) {
              return false;
            }
            for (ThriftAdminClient.Member m : status.members()) {
              if (owners.contains(m.id()) && !(m.status().equals("NORMAL") && m.reachable())) {
                return false;
              }
            }
            if (transfer(status, "moving") != 0) {
              return false;
            }
          }
          return true;
        },
        SETTLE);
  }

  /** The sum of figure {@code stat} of {@code status}'s transfer section; 0 without one. */
  private static long transfer(ThriftAdminClient.NodeStatus status, String stat) {
    return status.sections().stream()
        .filter(s -> s.name().equals("transfer"))
        .flatMap(s -> s.stats().stream())
        .filter(s -> s.name().equals(stat))
        .mapToLong(StatusSection.Stat::value)
        .sum();
  }

  private static List<String> ringNodes(ProcessCluster.Node node) {
    return ringNodes(node.status());
  }

  private static List<String> ringNodes(ThriftAdminClient.NodeStatus status) {
    return status.ring().stream().flatMap(r -> r.nodes().stream()).map(Object::toString).toList();
  }

  /** Lets {@code load} run for {@code duration} and acknowledge {@code minAcknowledged} more. */
  private static void runFor(
      ProcessCluster cluster, Load load, Duration duration, long minAcknowledged) {
    long until = System.nanoTime() + duration.toNanos();
    long target = load.acknowledgedCount() + minAcknowledged;
    cluster.awaitCondition(
        "the load to run " + duration + " and have " + minAcknowledged + " more acknowledged",
        () -> System.nanoTime() - until >= 0 && load.acknowledgedCount() >= target);
  }

  /** No request of {@code load} failed or missed, and every acknowledged key reads back at R=2. */
  private static void assertGuarantees(Load load, ThriftDynamoClient client, String change) {
    assertThat(load.failures()).as("client requests that failed during the %s", change).isEmpty();
    assertThat(load.misses())
        .as("reads at R=2 during the %s that missed an acknowledged write", change)
        .isEmpty();
    assertThat(load.check(client))
        .as("acknowledged keys an R=2 read misses after the %s", change)
        .isEmpty();
  }

  /**
   * Waits at most {@code atMost} until each of {@code nodes} holds, in its own data ({@code get
   * --local}), the acknowledged value of every key of {@code load} it owns in its ring.
   */
  private static void awaitOwnCopies(
      ProcessCluster cluster,
      List<ProcessCluster.Node> nodes,
      Load load,
      Duration atMost,
      String after) {
    SortedSet<String> keys = load.acknowledgedKeys();
    // Each round asks only for what the last one found missing: the ring is stable by now, and a
    // copy an owner holds stays (a round over every key takes seconds on a loaded machine).
    Map<String, SortedSet<String>> missing = new ConcurrentSkipListMap<>();
    for (ProcessCluster.Node n : nodes) {
      missing.put(n.id(), new TreeSet<>(keys));
    }
    try {
      cluster.awaitCondition(
          "each of " + nodes + " holds its own copy of each of " + keys.size() + " keys it owns",
          () -> {
            for (ProcessCluster.Node n : nodes) {
              SortedSet<String> left = missing.get(n.id());
              if (left != null) {
                SortedSet<String> lacking = missingOwnCopies(n, load, left);
                if (lacking.isEmpty()) {
                  missing.remove(n.id());
                } else {
                  missing.put(n.id(), lacking);
                }
              }
            }
            return missing.isEmpty();
          },
          atMost);
    } catch (AssertionError e) {
      Map<String, String> summary = new TreeMap<>();
      missing.forEach(
          (node, lacking) ->
              summary.put(
                  node, lacking.size() + " keys, e.g. " + lacking.stream().limit(10).toList()));
      throw new AssertionError(
          "copies an owner lacks " + atMost.toSeconds() + " s after " + after + ": " + summary, e);
    }
  }

  /** The keys of {@code keys} that {@code node} owns and whose acknowledged value it lacks. */
  private static SortedSet<String> missingOwnCopies(
      ProcessCluster.Node node, Load load, SortedSet<String> keys) {
    SortedSet<String> lacking = new TreeSet<>();
    try (ThriftAdminClient admin =
        ThriftAdminClient.connect(node.address(), Duration.ofSeconds(5))) {
      for (String key : keys) {
        ThriftAdminClient.LocalRead copy =
            admin.localRead(ProcessCluster.STORE, key.getBytes(UTF_8));
        if (copy.owner()
            && copy.liveValues().stream()
                .map(v -> new String(v, UTF_8))
                .noneMatch(load.valueOf(key)::equals)) {
          lacking.add(key);
        }
      }
    }
    return lacking;
  }

  private Path tokenFile(ProcessCluster cluster) throws Exception {
    Path token = dir.resolve("admin.token");
    Files.writeString(token, cluster.adminToken().encode() + "\n", UTF_8);
    return token;
  }

  private CliRun dynamo(String... args) throws Exception {
    return ClusterCliTest.dynamoIn(dir, args);
  }

  /**
   * A writer thread that puts distinct keys ({@code k-0}, {@code k-1}, ...), each once, recording
   * every acknowledged one, and a reader thread that reads random acknowledged keys at R=2 and
   * records every read that lacks the acknowledged value (a hidden write). Every failed request of
   * either is recorded too: during a join or leave none may fail.
   */
  private static final class Load implements AutoCloseable {
    private final ThriftDynamoClient client;
    private final Map<String, String> acknowledged = new ConcurrentSkipListMap<>();
    private final List<String> acknowledgedOrder = Collections.synchronizedList(new ArrayList<>());
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final Queue<String> misses = new ConcurrentLinkedQueue<>();
    private final Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private final long t0 = System.nanoTime();
    private volatile boolean running;

    Load(ThriftDynamoClient client) {
      this.client = client;
    }

    void start() {
      startWriterOnly();
      thread("load-reader", this::read);
    }

    void startWriterOnly() {
      running = true;
      thread("load-writer", this::write);
    }

    private void thread(String name, Runnable body) {
      Thread t = new Thread(body, name);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }

    private void write() {
      for (int i = 0; running && i < MAX_KEYS; i++) {
        String key = "k-" + i;
        String value = "v-" + i;
        try {
          client.put(
              ProcessCluster.STORE, key.getBytes(UTF_8), value.getBytes(UTF_8), Context.EMPTY);
          acknowledged.put(key, value);
          acknowledgedOrder.add(key);
        } catch (RuntimeException e) {
          failed("put " + key, e);
        }
      }
    }

    private void read() {
      while (running) {
        int known = acknowledgedOrder.size();
        if (known == 0) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
          continue;
        }
        String key = acknowledgedOrder.get(ThreadLocalRandom.current().nextInt(known));
        String expected = acknowledged.get(key);
        try {
          GetResult read =
              client.get(ProcessCluster.STORE, key.getBytes(UTF_8), RequestOptions.quorum(2));
          reads.incrementAndGet();
          if (read.values().stream().map(v -> new String(v, UTF_8)).noneMatch(expected::equals)) {
            misses.add(String.format(Locale.ROOT, "%s at +%.3fs", key, seconds()));
          }
        } catch (RuntimeException e) {
          failed("get " + key, e);
        }
      }
    }

    private void failed(String what, RuntimeException e) {
      failures.add(
          String.format(
              Locale.ROOT,
              "%s at +%.3fs: %s: %s",
              what,
              seconds(),
              e.getClass().getSimpleName(),
              e.getMessage()));
      if (!SetWorkload.isAvailabilityError(e)) {
        unexpected.add(e);
      }
      // Do not spin against a cluster that cannot serve right now.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }

    private double seconds() {
      return (System.nanoTime() - t0) / 1e9;
    }

    long acknowledgedCount() {
      return acknowledged.size();
    }

    SortedSet<String> acknowledgedKeys() {
      return new TreeSet<>(acknowledged.keySet());
    }

    String valueOf(String key) {
      return acknowledged.get(key);
    }

    List<String> failures() {
      return List.copyOf(failures);
    }

    List<String> misses() {
      return List.copyOf(misses);
    }

    List<Throwable> unexpectedErrors() {
      return List.copyOf(unexpected);
    }

    /** The acknowledged keys an R=2 read (after the load) misses or cannot read. */
    List<String> check(ThriftDynamoClient reader) {
      List<String> lost = new ArrayList<>();
      acknowledged.forEach(
          (key, value) -> {
            try {
              GetResult read =
                  reader.get(ProcessCluster.STORE, key.getBytes(UTF_8), RequestOptions.quorum(2));
              if (read.values().stream().map(v -> new String(v, UTF_8)).noneMatch(value::equals)) {
                lost.add(key);
              }
            } catch (RuntimeException e) {
              lost.add(key + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            }
          });
      return lost;
    }

    Report report() {
      return new Report(acknowledgedCount(), reads.get(), failures.size(), misses.size());
    }

    void stop() throws InterruptedException {
      running = false;
      for (Thread t : threads) {
        t.join(Duration.ofSeconds(30).toMillis());
        if (t.isAlive()) {
          throw new AssertionError(t.getName() + " still runs 30 s after stop");
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }

    /** What the load did so far. */
    record Report(long acknowledged, long reads, long failures, long misses) {}
  }
}
