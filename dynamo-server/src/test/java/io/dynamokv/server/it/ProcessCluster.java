/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.server.cli.DynamoCli;
import io.dynamokv.server.cli.JavaCommand;
import io.dynamokv.server.runtime.SecretFile;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import io.dynamokv.transport.thrift.client.ThriftDynamoClient;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A cluster of {@code dynamo server} processes on loopback, for tests shaped like Cassandra's
 * dtests but with real JVMs: {@code cluster.node(2).kill()}, {@code cluster.node(2).start()},
 * {@code cluster.awaitConverged()}, {@code cluster.client()}; {@code cluster.node(2).pause()}
 * (SIGSTOP) and {@code resume()} (SIGCONT) freeze a node with its sockets open.
 *
 * <p>Each node {@code n1..nK} gets free ports (client, peer and metrics), a data directory and a
 * HOCON file under the cluster's directory; {@code n1} is the seed (named by its peer port) and the
 * others join at their first start ({@code dynamo.membership.join-at-start = true}, which a setting
 * may override). Peers authenticate each other with the cluster's secret; {@link #adminToken()} is
 * its admin token. A node keeps its ports and data directory across restarts. Its standard output
 * and error go, appended across restarts, to {@code <dir>/n<i>.log}; {@link #printLogTails} shows
 * the end of every log (call it when a test fails, see {@link PrintLogsOnFailure}).
 *
 * <p>Nodes run in child JVMs on the test classpath (no packaged jar), with small heaps and the
 * flags of a loaded CI machine, and exit with the test JVM ({@code --exit-with-parent}). {@link
 * #close()} kills whatever still runs.
 */
final class ProcessCluster implements AutoCloseable {
  /** How long a node may take to start, or the cluster to converge. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** How long a node may take to stop after SIGTERM. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  static final String STORE = "default";

  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx256m",
          "-Xss512k",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1",
          "-Xshare:auto");

  private final Path dir;
  private final String engine;
  private final List<Node> nodes;

  private ProcessCluster(Path dir, String engine, int size, Map<String, String> settings)
      throws IOException {
    this.dir = Files.createDirectories(dir);
    this.engine = engine;
    if (!Files.exists(secretFile())) {
      SecretFile.make(secretFile());
    }
    List<int[]> ports = new ArrayList<>();
    Set<Integer> taken = new HashSet<>();
    for (int i = 0; i < size; i++) {
      ports.add(new int[] {freePort(taken), freePort(taken), freePort(taken)});
    }
    String seed = "n1@127.0.0.1:" + ports.get(0)[1];
    List<Node> list = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      int[] p = ports.get(i - 1);
      list.add(new Node(i, p[0], p[1], p[2], seed, settings));
    }
    this.nodes = List.copyOf(list);
  }

  /**
   * Writes the configuration of {@code size} nodes on {@code engine} ({@code lmdb}, {@code bdb} or
   * {@code memory}) under {@code dir}; starts none.
   *
   * @param settings extra settings, {@code key -> HOCON value}, e.g. {@code
   *     "dynamo.requests.timeout" -> "2s"}
   */
  static ProcessCluster create(Path dir, String engine, int size, Map<String, String> settings)
      throws IOException {
    return new ProcessCluster(dir, engine, size, settings);
  }

  static ProcessCluster create(Path dir, String engine, int size) throws IOException {
    return create(dir, engine, size, Map.of());
  }

  /** The secret every node of the cluster shares. */
  Path secretFile() {
    return dir.resolve("cluster.secret");
  }

  /** The admin token of {@link #secretFile()}: what {@code leave} and {@code remove} need. */
  AdminToken adminToken() throws IOException {
    return AdminToken.of(
        ClusterSecret.parse(Files.readString(secretFile(), UTF_8), secretFile().toString()));
  }

  /** Starts every node that is not running, then waits until the cluster has converged. */
  ProcessCluster startAll() throws IOException {
    for (Node node : nodes) {
      if (!node.isRunning()) {
        node.launch();
      }
    }
    awaitConverged();
    return this;
  }

  /**
   * Starts those of {@code members} that are not running, then waits until each of them sees
   * exactly {@code members}, NORMAL and reachable: a cluster of some of the nodes, the others not
   * started yet.
   */
  ProcessCluster startOnly(List<Node> members) throws IOException {
    for (Node node : members) {
      if (!node.isRunning()) {
        node.launch();
      }
    }
    for (Node node : members) {
      node.awaitHealthy();
    }
    awaitCondition(
        "each of " + members + " sees exactly them NORMAL and reachable",
        () -> {
          for (Node node : members) {
            if (!node.seesNormalAndReachable(members)) {
              return false;
            }
          }
          return true;
        });
    return this;
  }

  /** Node {@code i}, 1-based, as in its id {@code n<i>}. */
  Node node(int i) {
    return nodes.get(i - 1);
  }

  List<Node> nodes() {
    return nodes;
  }

  /**
   * Waits until every node runs and answers {@code /health}, and every node sees every node as
   * {@code NORMAL} and reachable.
   */
  void awaitConverged() {
    for (Node node : nodes) {
      node.awaitHealthy();
    }
    awaitCondition(
        "every node sees all " + nodes.size() + " members NORMAL and reachable",
        () -> {
          for (Node node : nodes) {
            if (!node.seesAllNormalAndReachable()) {
              return false;
            }
          }
          return true;
        });
  }

  /** A partition-aware client that knows every node. Close it. */
  ThriftDynamoClient client() {
    return ThriftDynamoClient.builder()
        .bootstrap(nodes.stream().map(Node::address).toList())
        .requestTimeout(Duration.ofSeconds(2))
        .ringRefreshInterval(Duration.ofSeconds(1))
        .build();
  }

  /** Prints the last {@code lines} lines of every node's log. */
  void printLogTails(PrintStream out, int lines) {
    out.println(logTails(lines));
  }

  /** Kills (SIGKILL) every node that still runs and waits for them to exit. */
  @Override
  public void close() {
    for (Node node : nodes) {
      node.destroy(true);
    }
    for (Node node : nodes) {
      node.waitForExit(STOP_TIMEOUT);
    }
  }

  /** Polls {@code condition} until true or {@link #START_TIMEOUT}; fails with the logs' tails. */
  void awaitCondition(String what, ThrowingCondition condition) {
    awaitCondition(what, condition, START_TIMEOUT);
  }

  /** Polls {@code condition} until true or {@code atMost}; fails with the logs' tails. */
  void awaitCondition(String what, ThrowingCondition condition, Duration atMost) {
    try {
      await(what)
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(condition::holds);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + logTails(40), e);
    }
  }

  String logTails(int lines) {
    StringBuilder sb = new StringBuilder();
    for (Node node : nodes) {
      sb.append("----- last ")
          .append(lines)
          .append(" lines of ")
          .append(node.log)
          .append(" -----\n")
          .append(node.logTail(lines))
          .append('\n');
    }
    return sb.toString();
  }

  @FunctionalInterface
  interface ThrowingCondition {
    boolean holds() throws Exception;
  }

  /** One {@code dynamo server} process; it keeps its id, ports, data directory and log. */
  final class Node {
    private final String id;
    private final int port;
    private final int peerPort;
    private final int metricsPort;
    private final Path dataDir;
    private final Path config;
    private final Path log;
    private int starts;
    private volatile Process process;

    private Node(
        int index,
        int port,
        int peerPort,
        int metricsPort,
        String seed,
        Map<String, String> settings)
        throws IOException {
      this.id = "n" + index;
      this.port = port;
      this.peerPort = peerPort;
      this.metricsPort = metricsPort;
      this.dataDir = dir.resolve(id + "-data");
      this.config = dir.resolve(id + ".conf");
      this.log = dir.resolve(id + ".log");
      Files.writeString(config, hocon(seed, settings));
    }

    private String hocon(String seed, Map<String, String> settings) {
      StringBuilder sb = new StringBuilder();
      sb.append("dynamo {\n")
          .append("  node { id = ")
          .append(id)
          .append(", host = \"127.0.0.1\", port = ")
          .append(port)
          .append(", data-dir = \"")
          .append(dataDir)
          .append("\" }\n")
          .append("  peer.port = ")
          .append(peerPort)
          .append('\n')
          .append("  storage { engine = ")
          .append(engine)
          .append(", bdb.cache-size = 32 MiB, lmdb.map-size = 256 MiB }\n")
          .append("  cluster {\n")
          .append("    seeds = [\"")
          .append(seed)
          .append("\"]\n")
          .append("    secret-file = \"")
          .append(secretFile())
          .append("\"\n")
          .append("    gossip-interval = 300ms\n")
          // A loaded 2-core machine pauses JVMs for longer than a quiet one.
          .append("    failure-detector { phi-threshold = 12, acceptable-heartbeat-pause = 3s }\n")
          .append("  }\n")
          // Nodes join by themselves: the tests of this harness are about other things, except
          // JoinLeaveRemoveProcessTest, which sets it false and joins with bin/dynamo join.
          .append("  membership.join-at-start = true\n")
          .append("  thrift { selector-threads = 1, worker-threads = 8 }\n")
          .append("  metrics.port = ")
          .append(metricsPort)
          .append('\n')
          .append("  stores = [{ name = ")
          .append(STORE)
          .append(", replicas = 3, read-quorum = 2, write-quorum = 2 }]\n")
          .append("}\n");
      settings.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
      return sb.toString();
    }

    String id() {
      return id;
    }

    /** {@code 127.0.0.1:<port>}: its client port. */
    String address() {
      return "127.0.0.1:" + port;
    }

    /** {@code 127.0.0.1:<port>}: its peer port, for other nodes and admin commands. */
    String peerAddress() {
      return "127.0.0.1:" + peerPort;
    }

    /** Where its HTTP port (metrics, health, console) answers. */
    String httpAddress() {
      return "http://127.0.0.1:" + metricsPort;
    }

    Path dataDir() {
      return dataDir;
    }

    Path config() {
      return config;
    }

    /**
     * Appends {@code key = value} (HOCON) to its configuration file, where it overrides what came
     * before; it takes effect at its next start.
     */
    Node configure(String key, String value) throws IOException {
      Files.writeString(config, key + " = " + value + "\n", UTF_8, StandardOpenOption.APPEND);
      return this;
    }

    Path log() {
      return log;
    }

    boolean isRunning() {
      Process p = process;
      return p != null && p.isAlive();
    }

    /** Starts the node on its data directory and ports, and waits until it answers health. */
    Node start() throws IOException {
      launch();
      awaitHealthy();
      return this;
    }

    private void launch() throws IOException {
      if (isRunning()) {
        throw new IllegalStateException(id + " is already running");
      }
      starts++;
      Files.writeString(
          log,
          "===== " + Instant.now() + " test harness: start #" + starts + " of " + id + " =====\n",
          UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      List<String> command =
          JavaCommand.of(
              DynamoCli.class,
              JVM_OPTIONS,
              List.of("server", "--config", config.toString(), "--exit-with-parent"));
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(log.toFile()))
              .start();
    }

    /** SIGKILL ({@code kill -9}), then waits for the process to be gone. */
    void kill() {
      destroy(true);
      waitForExit(STOP_TIMEOUT);
      note("killed (SIGKILL)");
    }

    /**
     * SIGSTOP: the process freezes (a long GC pause, a hung machine) with its sockets open, so
     * peers' calls to it time out instead of being refused. {@link #resume()} undoes it; {@link
     * ProcessCluster#close()} kills a paused node like any other.
     */
    void pause() {
      signal("STOP");
      note("paused (SIGSTOP)");
    }

    /** SIGCONT: a {@link #pause() paused} node runs on. */
    void resume() {
      signal("CONT");
      note("resumed (SIGCONT)");
    }

    private void signal(String name) {
      Process p = process;
      if (p == null || !p.isAlive()) {
        throw new IllegalStateException(id + " is not running");
      }
      // ProcessHandle sends only SIGTERM and SIGKILL; kill(1) sends the rest, to this pid only.
      try {
        Process kill =
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid()))
                .redirectErrorStream(true)
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
          kill.destroyForcibly();
          throw new AssertionError(
              "kill -"
                  + name
                  + " "
                  + p.pid()
                  + " ("
                  + id
                  + ") failed: "
                  + new String(kill.getInputStream().readAllBytes(), UTF_8));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while signalling " + id, e);
      }
    }

    /**
     * SIGTERM, as an operator's {@code kill} or Ctrl-C; waits for the clean exit.
     *
     * @return the exit code
     */
    int stop() {
      terminate();
      return awaitExit();
    }

    /** Sends SIGTERM and returns at once; {@link #awaitExit()} waits for the exit. */
    void terminate() {
      Process p = process;
      if (p == null || !p.isAlive()) {
        throw new IllegalStateException(id + " is not running");
      }
      destroy(false);
    }

    /** Waits for the process to exit (failing after {@link #STOP_TIMEOUT}); its exit code. */
    int awaitExit() {
      int code = waitForExit(STOP_TIMEOUT);
      note("exited with code " + code);
      return code;
    }

    private void destroy(boolean forcibly) {
      Process p = process;
      if (p != null && p.isAlive()) {
        // Through the handle: SIGKILL or SIGTERM, and nothing else (our end has no pipes).
        if (forcibly) {
          p.toHandle().destroyForcibly();
        } else {
          p.toHandle().destroy();
        }
      }
    }

    private int waitForExit(Duration timeout) {
      Process p = process;
      if (p == null) {
        return -1;
      }
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.toHandle().destroyForcibly();
          p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
          throw new AssertionError(
              id + " did not exit within " + timeout + "; killed it\n" + logTail(40));
        }
        return p.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.toHandle().destroyForcibly();
        throw new AssertionError("interrupted while waiting for " + id + " to exit", e);
      }
    }

    private void note(String what) {
      try {
        Files.writeString(
            log,
            "===== " + Instant.now() + " test harness: " + id + " " + what + " =====\n",
            UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Waits until {@code /health} answers 200; fails at once if the process exits. */
    void awaitHealthy() {
      try {
        await(id + " healthy")
            .atMost(START_TIMEOUT)
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .failFast(id + " exited before it was healthy", () -> !isRunning())
            .until(() -> health() == 200);
      } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
        throw new AssertionError(e.getMessage() + "\n" + logTail(60), e);
      }
    }

    /** The status code of {@code GET /health}. */
    int health() throws IOException, InterruptedException {
      return HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(2))
          .build()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }

    /** This node's status: its view of the cluster, its counters. */
    ThriftAdminClient.NodeStatus status() {
      try (ThriftAdminClient admin = ThriftAdminClient.connect(address(), Duration.ofSeconds(5))) {
        return admin.status();
      }
    }

    /**
     * What this node stores for {@code key} in its own data ({@code bin/dynamo get --local}): one
     * replica on its own, no quorum.
     */
    ThriftAdminClient.LocalRead localRead(String key) {
      try (ThriftAdminClient admin = ThriftAdminClient.connect(address(), Duration.ofSeconds(5))) {
        return admin.localRead(STORE, key.getBytes(UTF_8));
      }
    }

    /** The text of {@code GET /metrics} (Prometheus format). */
    String metrics() throws IOException, InterruptedException {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(2))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException(id + " answered /metrics with " + response.statusCode());
      }
      return response.body();
    }

    /** Member id to {@code "STATUS reachable|UNREACHABLE"}, as this node sees them. */
    Map<String, String> members() {
      Map<String, String> view = new LinkedHashMap<>();
      for (ThriftAdminClient.Member m : status().members()) {
        view.put(m.id(), m.status() + (m.reachable() ? " reachable" : " UNREACHABLE"));
      }
      return view;
    }

    boolean seesAllNormalAndReachable() {
      return seesNormalAndReachable(nodes);
    }

    /**
     * Whether it runs and sees exactly {@code members} as members, NORMAL and reachable, and a ring
     * that they own and that no longer moves (a join ends only when the ring switched).
     */
    boolean seesNormalAndReachable(List<Node> members) {
      Map<String, String> expected = new LinkedHashMap<>();
      members.forEach(m -> expected.put(m.id(), "NORMAL reachable"));
      if (!isRunning() || !members().equals(expected)) {
        return false;
      }
      ThriftAdminClient.NodeStatus status = status();
      List<String> ring =
          status.ring().stream().flatMap(r -> r.nodes().stream()).map(Object::toString).toList();
      long moving =
          status.sections().stream()
              .filter(x -> x.name().equals("transfer"))
              .flatMap(x -> x.stats().stream())
              .filter(x -> x.name().equals("moving"))
              .mapToLong(x -> x.value())
              .sum();
      return ring.equals(members.stream().map(Node::id).sorted().toList()) && moving == 0;
    }

    /** The last {@code lines} lines of its log. */
    String logTail(int lines) {
      try {
        if (!Files.exists(log)) {
          return "(no log)";
        }
        List<String> all = Files.readAllLines(log, UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException | UncheckedIOException e) {
        return "(cannot read " + log + ": " + e + ")";
      }
    }

    @Override
    public String toString() {
      return id + "@" + address();
    }
  }

  private static int freePort(Set<Integer> taken) throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }
}
