/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.server.cli.LocalClusterLayout.NodeSpec;
import io.dynamokv.server.config.ServerConfig.Engine;
import io.dynamokv.server.runtime.SecretFile;
import io.dynamokv.transport.thrift.client.ThriftAdminClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dynamo local-cluster}: a supervisor that runs N nodes on loopback, each in its own JVM
 * ({@code dynamo server}) with this JVM's classpath, waits until every node reports healthy, joins
 * the STANDBY ones to the cluster {@code n1} founds ({@link #joinStandbyNodes}), waits until the
 * ring holds them all and is not moving, prints how to reach them, and stops them all on Ctrl-C
 * (SIGTERM first, SIGKILL after a grace period). Node {@code nI} keeps its configuration, data and
 * log in {@code <data-dir>/nI}.
 */
@Command(
    name = "local-cluster",
    description = {
      "Runs a cluster of N nodes on this machine until interrupted.",
      "How it forms its first ring: nodes do not join by themselves"
          + " (dynamo.membership.join-at-start is false), so n1 (the lowest seed id) founds the"
          + " cluster, the others start as STANDBY members that own nothing, and local-cluster"
          + " joins each of them through its admin API (as 'dynamo join' does), then waits until"
          + " every node is NORMAL and in the ring, the ring is not moving, and a probe put, get"
          + " and delete succeeds (at most --startup-timeout for each step). A restarted cluster"
          + " keeps its ring: nodes already in it are not joined again.",
      "Each node is a JVM with -Xms32m -Xmx<heap> -XX:+UseSerialGC, then the options in the"
          + " environment variable DYNAMO_JAVA_OPTS, which win (a collector named there replaces"
          + " the serial one)."
    },
    mixinStandardHelpOptions = true)
final class LocalClusterCommand implements Callable<Integer> {
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(100);

  @Option(
      names = "--nodes",
      defaultValue = "3",
      paramLabel = "N",
      description = "Number of nodes, 1 to 32 (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(
      names = "--engine",
      defaultValue = "lmdb",
      paramLabel = "ENGINE",
      description = "lmdb, bdb or memory (default: ${DEFAULT-VALUE}).")
  Engine engine;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where the nodes keep their files (default: ${DEFAULT-VALUE}).")
  Path dataDir = ClusterFile.defaultDataDir();

  @Option(
      names = "--base-port",
      defaultValue = "0",
      paramLabel = "P",
      description =
          "Node i serves clients on P+i, peers on P+100+i and metrics on P+1000+i (default: free"
              + " ports).")
  int basePort;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "A setting for every node, e.g. --set dynamo.log.level=debug (repeatable).")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--heap",
      defaultValue = "256m",
      paramLabel = "SIZE",
      description = "Maximum heap of each node (default: ${DEFAULT-VALUE}).")
  String heap;

  @Option(
      names = "--startup-timeout",
      defaultValue = "60",
      paramLabel = "SECONDS",
      description =
          "How long to wait for every node to be healthy and the cluster to serve (default:"
              + " ${DEFAULT-VALUE}).")
  int startupTimeoutSeconds;

  @Option(
      names = "--cluster-file",
      paramLabel = "FILE",
      description = "Where to record the nodes for the data commands (default: ${DEFAULT-VALUE}).")
  Path clusterFile = ClusterFile.defaultPath();

  @Option(names = "--exit-with-parent", hidden = true)
  boolean exitWithParent;

  @Spec CommandSpec spec;

  private final Map<String, Process> children = new ConcurrentHashMap<>();
  private volatile boolean stopping;

  @Override
  public Integer call() throws Exception {
    checkOptions();
    Optional<ClusterFile> existing = ClusterFile.read(clusterFile);
    if (existing.isPresent() && existing.get().running()) {
      throw new CliException(
          ExitCodes.USAGE,
          "a local cluster is already running (supervisor pid "
              + existing.get().supervisorPid()
              + ", recorded in "
              + clusterFile
              + "); stop it first with Ctrl-C in its terminal or kill "
              + existing.get().supervisorPid());
    }
    Path dir = dataDir.toAbsolutePath().normalize();
    LocalClusterLayout layout = LocalClusterLayout.plan(dir, engine, nodes, basePort);
    writeConfigs(layout);
    if (exitWithParent) {
      ParentWatch.exitWithParent();
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "local-cluster-shutdown"));

    List<ClusterFile.Node> recorded = new ArrayList<>();
    for (NodeSpec node : layout.nodes()) {
      Process p = launch(layout, node);
      children.put(node.id(), p);
      recorded.add(
          new ClusterFile.Node(
              node.id(),
              layout.address(node),
              layout.peerAddress(node),
              layout.metricsUrl(node),
              p.pid(),
              layout.configFile(node),
              layout.logFile(node)));
    }
    new ClusterFile(ProcessHandle.current().pid(), dir, layout.adminTokenFile(), recorded)
        .write(clusterFile);

    Optional<String> failure =
        awaitHealthy(layout).or(() -> joinStandbyNodes(layout)).or(() -> awaitServing(layout));
    if (failure.isPresent()) {
      err().println(failure.get());
      stopChildren();
      return ExitCodes.FAILURE;
    }
    printSummary(layout);
    superviseUntilAllExit(layout);
    return ExitCodes.FAILURE;
  }

  private void checkOptions() {
    if (nodes < 1 || nodes > 32) {
      throw new CliException(ExitCodes.USAGE, "--nodes must be 1 to 32, found " + nodes);
    }
    if (basePort != 0 && (basePort < 1024 || basePort + 1000 + nodes - 1 > 65535)) {
      throw new CliException(
          ExitCodes.USAGE,
          "--base-port must leave room for "
              + nodes
              + " client ports, peer ports 100 above and metrics ports 1000 above (1024 to "
              + (65535 - 1000 - nodes + 1)
              + "), found "
              + basePort);
    }
    if (startupTimeoutSeconds < 1) {
      throw new CliException(ExitCodes.USAGE, "--startup-timeout must be at least 1 second");
    }
    boolean tls =
        sets.stream().anyMatch(set -> set.strip().startsWith("dynamo.thrift.tls."))
            || "true"
                .equalsIgnoreCase(
                    String.valueOf(System.getenv("DYNAMO_THRIFT_TLS_ENABLED")).strip());
    if (tls) {
      throw new CliException(
          ExitCodes.USAGE,
          "local-cluster does not serve clients over TLS (it checks its nodes and records them"
              + " for the data commands over plain connections); to try client TLS, start nodes"
              + " with 'bin/dynamo server' (docs/security.md, \"Client TLS\")");
    }
  }

  private void writeConfigs(LocalClusterLayout layout) {
    try {
      Files.createDirectories(layout.dataDir());
      if (!Files.exists(layout.secretFile())) {
        SecretFile.make(layout.secretFile()); // kept across restarts, like the data
      }
      writeAdminToken(layout);
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException(
          ExitCodes.USAGE,
          "--data-dir: cannot write the cluster secret "
              + layout.secretFile()
              + ": "
              + e.getMessage());
    }
    for (NodeSpec node : layout.nodes()) {
      try {
        Files.createDirectories(layout.nodeDir(node));
        Files.writeString(layout.configFile(node), layout.configText(node));
      } catch (IOException e) {
        throw new CliException(
            ExitCodes.USAGE,
            "--data-dir: cannot write " + layout.configFile(node) + ": " + e.getMessage());
      }
    }
  }

  /**
   * Writes the admin token of the cluster's secret beside it, readable by its owner only, for
   * {@code leave} and {@code remove} ({@code --admin-token-file}).
   */
  private static void writeAdminToken(LocalClusterLayout layout) throws IOException {
    Path secretFile = layout.secretFile();
    ClusterSecret secret =
        ClusterSecret.parse(
            Files.readString(secretFile, StandardCharsets.US_ASCII), secretFile.toString());
    Path token = layout.adminTokenFile();
    Path tmp = token.resolveSibling(token.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(tmp, AdminToken.of(secret).encode() + "\n", StandardCharsets.US_ASCII);
    Files.move(tmp, token, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private Process launch(LocalClusterLayout layout, NodeSpec node) throws IOException {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of("server", "--config", layout.configFile(node).toString(), "--exit-with-parent"));
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    List<String> command =
        JavaCommand.of(
            DynamoCli.class, nodeJvmOptions(heap, System.getenv("DYNAMO_JAVA_OPTS")), args);
    Path log = layout.logFile(node);
    Files.writeString(log, "");
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /**
   * The JVM options of every node: a small start heap, {@code --heap} as the maximum, the serial
   * collector (a few small JVMs on a laptop), then the user's {@code DYNAMO_JAVA_OPTS}, which win:
   * a later {@code -Xmx} overrides {@code --heap}, and a collector of the user's replaces the
   * serial one (the JVM refuses two).
   */
  static List<String> nodeJvmOptions(String heap, String javaOpts) {
    List<String> user =
        javaOpts == null || javaOpts.isBlank() ? List.of() : List.of(javaOpts.trim().split("\\s+"));
    List<String> options = new ArrayList<>(List.of("-Xms32m", "-Xmx" + heap));
    if (user.stream().noneMatch(o -> o.matches("-XX:\\+Use\\w*GC"))) {
      options.add("-XX:+UseSerialGC");
    }
    options.addAll(user);
    return options;
  }

  /** Polls every node's {@code /health}; a message when one dies or the time runs out. */
  private Optional<String> awaitHealthy(LocalClusterLayout layout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startupTimeoutSeconds);
    List<NodeSpec> waiting = new ArrayList<>(layout.nodes());
    while (!waiting.isEmpty()) {
      for (NodeSpec node : List.copyOf(waiting)) {
        Process p = children.get(node.id());
        if (!p.isAlive()) {
          return Optional.of(
              "node "
                  + node.id()
                  + " exited with code "
                  + p.exitValue()
                  + " before it was healthy; its log "
                  + layout.logFile(node)
                  + " ends with:\n"
                  + tail(layout.logFile(node), 5));
        }
        if (healthy(http, layout.metricsUrl(node))) {
          waiting.remove(node);
        }
      }
      if (System.nanoTime() > deadline) {
        return Optional.of(
            "nodes "
                + waiting.stream().map(NodeSpec::id).toList()
                + " were not healthy within "
                + startupTimeoutSeconds
                + " s; see their logs in "
                + layout.dataDir());
      }
      if (!waiting.isEmpty()) {
        // Wakes early if that node dies, which the next round reports.
        children.get(waiting.get(0).id()).waitFor(POLL.toNanos(), TimeUnit.NANOSECONDS);
      }
    }
    return Optional.empty();
  }

  /** The states of a node that owns nothing and asks for nothing: {@code join} applies. */
  private static final List<String> JOINABLE = List.of("STANDBY", "LEFT", "REMOVED");

  /**
   * Forms the first ring. Nodes do not join by themselves ({@code dynamo.membership.join-at-start}
   * is false): {@code n1}, the lowest seed id, founds the cluster, and every other node starts as a
   * STANDBY member that owns nothing. This joins each of them through its admin API (its peer port,
   * with the cluster's admin token), as {@code bin/dynamo join} does but without printing plans:
   * the ring is empty, nothing moves. A node already joining or in the ring (a restart of the
   * cluster) is left as it is. A message when a node cannot be asked in time.
   */
  private Optional<String> joinStandbyNodes(LocalClusterLayout layout) {
    List<NodeSpec> waiting = new ArrayList<>(layout.nodes().subList(1, layout.nodes().size()));
    if (waiting.isEmpty()) {
      return Optional.empty();
    }
    AdminToken token;
    try {
      token =
          AdminToken.of(
              ClusterSecret.parse(
                  Files.readString(layout.secretFile(), StandardCharsets.US_ASCII),
                  layout.secretFile().toString()));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.of("cannot read the cluster secret " + layout.secretFile() + ": " + e);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(startupTimeoutSeconds).toNanos();
    List<String> joined = new ArrayList<>();
    String last = "no answer yet";
    while (!waiting.isEmpty() && !stopping) {
      for (NodeSpec node : List.copyOf(waiting)) {
        try (ThriftAdminClient admin =
            ThriftAdminClient.connect(layout.address(node), POLL.multipliedBy(20))) {
          String state =
              admin.status().members().stream()
                  .filter(m -> m.id().equals(node.id()))
                  .map(ThriftAdminClient.Member::status)
                  .findFirst()
                  .orElse("unknown");
          if (JOINABLE.contains(state)) {
            admin.join(token);
            joined.add(node.id());
          }
          waiting.remove(node);
        } catch (RuntimeException e) {
          last = node.id() + ": " + e.getMessage();
        }
      }
      if (waiting.isEmpty()) {
        break;
      }
      if (System.nanoTime() - deadline > 0) {
        return Optional.of(
            "could not ask nodes "
                + waiting.stream().map(NodeSpec::id).toList()
                + " to join within "
                + startupTimeoutSeconds
                + " s: "
                + last);
      }
      try {
        Process p = children.get(waiting.get(0).id());
        if (p.waitFor(POLL.toNanos(), TimeUnit.NANOSECONDS)) {
          return Optional.of(
              "node "
                  + waiting.get(0).id()
                  + " exited before it joined; see "
                  + layout.logFile(waiting.get(0)));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("interrupted while joining the nodes");
      }
    }
    if (!joined.isEmpty()) {
      spec.commandLine()
          .getOut()
          .printf(
              "joining: %s asked to join the cluster %s founded%n",
              String.join(", ", joined), layout.nodes().get(0).id());
    }
    return Optional.empty();
  }

  /**
   * The sum of the figure {@code moving} of the {@code transfer} status section: 1 while the ring
   * has pending owners (partitions being streamed to new owners). 0 from a node without the
   * section.
   */
  static long moving(List<StatusSection> sections) {
    return sections.stream()
        .filter(s -> s.name().equals("transfer"))
        .flatMap(s -> s.stats().stream())
        .filter(s -> s.name().equals("moving"))
        .mapToLong(StatusSection.Stat::value)
        .sum();
  }

  /**
   * Waits until the first node sees every node NORMAL and reachable, in its ring, and the ring not
   * moving (no partition waiting for a pending owner: the {@code transfer} section's {@code moving}
   * is 0), then writes, reads back and deletes a key through the cluster, so "started" means
   * "serving". A message when it cannot.
   */
  private Optional<String> awaitServing(LocalClusterLayout layout) {
    NodeSpec firstNode = layout.nodes().get(0);
    String first = layout.address(firstNode);
    long deadline = System.nanoTime() + Duration.ofSeconds(startupTimeoutSeconds).toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline && !stopping) {
      try (ThriftAdminClient admin = ThriftAdminClient.connect(first, POLL.multipliedBy(20))) {
        ThriftAdminClient.NodeStatus status = admin.status();
        List<ThriftAdminClient.Member> members = status.members();
        long ready =
            members.stream().filter(m -> m.status().equals("NORMAL") && m.reachable()).count();
        int inRing = status.ring().map(r -> r.nodeCount()).orElse(0);
        long moving = moving(status.sections());
        if (ready == nodes && members.size() == nodes && (inRing != nodes || moving != 0)) {
          last =
              "every node is NORMAL, "
                  + inRing
                  + " of "
                  + nodes
                  + " in the ring"
                  + (moving != 0
                      ? ", the ring is moving (partitions streaming to new owners)"
                      : "");
        } else if (ready == nodes && members.size() == nodes) {
          // Every node serves: what is still unmet (a store's N above the node count) stays so.
          Optional<String> unmet =
              ClusterReadiness.unmet(status.ring(), status.stores(), id -> true);
          if (unmet.isPresent()) {
            return Optional.of("the cluster formed but cannot serve every key: " + unmet.get());
          }
          Optional<String> probed = probe(admin, status.stores());
          if (probed.isEmpty()) {
            return probed;
          }
          last =
              probed.get(); // a probe can fail while the ring settles: retried until the deadline
        } else {
          last = ready + " of " + nodes + " nodes NORMAL and reachable";
        }
      } catch (RuntimeException e) {
        last = e.getMessage();
      }
      try {
        // Wakes early if the node asked dies.
        if (children.get(firstNode.id()).waitFor(POLL.toNanos(), TimeUnit.NANOSECONDS)) {
          return Optional.of(
              "node "
                  + firstNode.id()
                  + " exited while the cluster was forming; see "
                  + layout.logFile(firstNode));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("interrupted while waiting for the cluster to form");
      }
    }
    return Optional.of(
        "the nodes are up but did not form one cluster within "
            + startupTimeoutSeconds
            + " s: "
            + last);
  }

  /** Makes {@code admin}'s node probe every store it declares (see {@code ServingProbe}). */
  private Optional<String> probe(ThriftAdminClient admin, List<StoreDefinition> stores) {
    long start = System.nanoTime();
    try {
      for (StoreDefinition store : stores) {
        admin.probe(store.name());
      }
    } catch (RuntimeException e) {
      return Optional.of("the cluster formed but does not serve: " + e.getMessage());
    }
    spec.commandLine()
        .getOut()
        .printf(
            "serving: %d nodes NORMAL; a probe put, get and delete succeeded in %d store(s) in %d"
                + " ms%n",
            nodes, stores.size(), Duration.ofNanos(System.nanoTime() - start).toMillis());
    return Optional.empty();
  }

  private static boolean healthy(HttpClient http, String metricsUrl) throws InterruptedException {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(metricsUrl + "/health"))
              .timeout(Duration.ofSeconds(1))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  private void printSummary(LocalClusterLayout layout) {
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "local cluster of %d node%s (engine %s) in %s:%n",
        nodes, nodes == 1 ? "" : "s", engine.configName(), layout.dataDir());
    for (NodeSpec node : layout.nodes()) {
      out.printf(
          "  %-4s clients %-16s peers %-16s console %s/  log %s%n",
          node.id(),
          layout.address(node),
          layout.peerAddress(node),
          layout.metricsUrl(node),
          layout.logFile(node));
    }
    out.printf(
        "admin token (for join, leave and remove): --admin-token-file %s%n",
        layout.adminTokenFile());
    String fileOption =
        clusterFile.equals(ClusterFile.defaultPath()) ? "" : " --cluster-file " + clusterFile;
    out.println("try:");
    out.println("  bin/dynamo put hello world" + fileOption);
    out.println("  bin/dynamo get hello" + fileOption);
    out.println("  bin/dynamo status" + fileOption);
    out.println("  (or any node with --address HOST:PORT, its client address)");
    out.println(
        "open the console: " + layout.metricsUrl(layout.nodes().get(0)) + "/ (any node's works)");
    out.println("Press Ctrl-C to stop the cluster.");
    out.flush();
  }

  /** Reports nodes that die; returns when none is left. */
  private void superviseUntilAllExit(LocalClusterLayout layout) {
    List<CompletableFuture<Process>> exits = new ArrayList<>();
    for (NodeSpec node : layout.nodes()) {
      exits.add(
          children
              .get(node.id())
              .onExit()
              .whenComplete(
                  (p, e) -> {
                    if (!stopping) {
                      err()
                          .println(
                              "node "
                                  + node.id()
                                  + " exited with code "
                                  + p.exitValue()
                                  + "; see "
                                  + layout.logFile(node));
                    }
                  }));
    }
    CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).join();
    if (!stopping) {
      err().println("every node exited; stopping");
    }
  }

  private void shutdown() {
    stopping = true;
    if (children.values().stream().anyMatch(Process::isAlive)) {
      System.err.println("stopping the local cluster...");
      stopChildren();
      System.err.println("stopped");
    }
    ClusterFile.read(clusterFile)
        .filter(f -> f.supervisorPid() == ProcessHandle.current().pid())
        .ifPresent(
            f -> {
              try {
                Files.deleteIfExists(clusterFile);
              } catch (IOException e) {
                System.err.println("could not delete " + clusterFile + ": " + e.getMessage());
              }
            });
  }

  /** SIGTERM to every node, SIGKILL to those still running after the grace period. */
  private void stopChildren() {
    stopping = true;
    children.values().forEach(Process::destroy);
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (Process p : children.values()) {
      awaitExit(p, deadline);
    }
    for (Process p : children.values()) {
      if (p.isAlive()) {
        p.destroyForcibly();
        awaitExit(p, System.nanoTime() + KILL_WAIT.toNanos());
      }
    }
  }

  private static void awaitExit(Process p, long deadlineNanos) {
    try {
      p.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private PrintWriter err() {
    return spec.commandLine().getErr();
  }

  private static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
