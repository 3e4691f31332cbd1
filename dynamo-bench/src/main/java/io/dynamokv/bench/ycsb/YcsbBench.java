/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import io.dynamokv.server.cli.ClusterFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import site.ycsb.DBException;
import site.ycsb.WorkloadException;
import site.ycsb.measurements.Measurements;
import site.ycsb.workloads.CoreWorkload;

/**
 * Runs YCSB's core workloads against a local cluster it starts itself, and reports throughput,
 * latency percentiles per operation, node CPU and context switches per operation and the machine's
 * CPU split, with plots. Each run: start {@code bin/dynamo local-cluster} (fresh data directory),
 * load the records, then per workload warm up and measure, then stop the cluster. {@code
 * scripts/ycsb-bench.sh} builds everything and calls this; docs/benchmarks.md shows what it wrote.
 */
@Command(
    name = "ycsb-bench",
    mixinStandardHelpOptions = true,
    description =
        "YCSB workloads A, B and C against a local dynamo-kv cluster it starts and stops.")
public final class YcsbBench implements Callable<Integer> {
  /** YCSB's core workloads, as in its workloads/ directory (no scans, no inserts after load). */
  static final Map<String, Map<String, String>> WORKLOADS =
      Map.of(
          "A", Map.of("readproportion", "0.5", "updateproportion", "0.5"),
          "B", Map.of("readproportion", "0.95", "updateproportion", "0.05"),
          "C", Map.of("readproportion", "1", "updateproportion", "0"));

  private static final String READY_LINE = "Press Ctrl-C to stop the cluster.";

  @Option(
      names = "--dynamo-home",
      defaultValue = ".",
      description = "Checkout whose bin/dynamo runs the cluster (default: ${DEFAULT-VALUE}).")
  Path home;

  @Option(
      names = "--label",
      defaultValue = "current",
      description = "Names this build in the report and plot files (default: ${DEFAULT-VALUE}).")
  String label;

  @Option(
      names = "--engine",
      defaultValue = "lmdb",
      description = "lmdb or bdb (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(
      names = "--durability",
      defaultValue = "write-no-sync",
      description = "sync, write-no-sync or no-sync (default: ${DEFAULT-VALUE}).")
  String durability;

  @Option(names = "--nodes", defaultValue = "3", description = "Nodes (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(
      names = "--threads",
      defaultValue = "16",
      description = "Client threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--records",
      defaultValue = "100000",
      description = "Records loaded (default: ${DEFAULT-VALUE}).")
  int records;

  @Option(
      names = "--field-count",
      defaultValue = "10",
      description = "Fields per record (default: ${DEFAULT-VALUE}).")
  int fieldCount;

  @Option(
      names = "--field-length",
      defaultValue = "100",
      description = "Bytes per field (default: ${DEFAULT-VALUE}).")
  int fieldLength;

  @Option(
      names = "--distribution",
      defaultValue = "zipfian",
      description = "Request distribution: zipfian, uniform, latest (default: ${DEFAULT-VALUE}).")
  String distribution;

  @Option(
      names = "--workloads",
      defaultValue = "A,B,C",
      split = ",",
      description = "Workloads in order (default: ${DEFAULT-VALUE}).")
  List<String> workloads;

  @Option(
      names = "--warmup",
      defaultValue = "10",
      description = "Seconds of warm-up per workload (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--duration",
      defaultValue = "30",
      description = "Seconds measured per workload (default: ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(
      names = "--runs",
      defaultValue = "1",
      description =
          "Runs, each on a fresh cluster; the report gives every run and the medians (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--data-dir",
      description =
          "Where the cluster keeps its files; fsync figures need a real disk, not tmpfs (default: a new directory under java.io.tmpdir).")
  Path dataDir;

  @Option(
      names = "--out",
      defaultValue = "target/ycsb",
      description =
          "Report directory: report.md, runs.csv and the plots (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--set",
      description = "A setting for every node, as local-cluster's --set (repeatable).")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--load-timeout",
      defaultValue = "600",
      description = "Seconds the load may take before the run fails (default: ${DEFAULT-VALUE}).")
  int loadTimeoutSeconds;

  private final PrintStream log = System.err;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new YcsbBench()).setOverwrittenOptionsAllowed(true).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    for (String w : workloads) {
      if (!WORKLOADS.containsKey(w)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "unknown workload " + w + "; known: A, B, C");
      }
    }
    if (durationSeconds < 2 || warmupSeconds < 0 || runs < 1 || threads < 1 || records < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "need --duration >= 2, --warmup >= 0, and --runs, --threads, --records >= 1");
    }
    if (!List.of("lmdb", "bdb").contains(engine)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--engine must be lmdb or bdb");
    }
    Files.createDirectories(out);
    Path probeDir = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"));
    String fsync = FsyncProbe.measure(probeDir, 200);
    log.println(fsync);
    List<PhaseResult> results = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      Path dir =
          dataDir != null
              ? dataDir.resolve("run-" + run)
              : Files.createTempDirectory("dynamo-ycsb-");
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          if (files.findAny().isPresent()) {
            // A restarted local cluster keeps its data, and loading it again makes siblings.
            throw new IllegalStateException(dir + " is not empty: give an empty --data-dir");
          }
        }
      }
      try (LocalCluster cluster = LocalCluster.start(home, dir, clusterArgs(dir), log)) {
        log.printf("run %d: cluster of %d up: %s%n", run, nodes, cluster.hosts());
        Properties base = properties(cluster.hosts());
        load(base);
        for (String w : workloads) {
          PhaseResult r = phase(run, w, base, cluster.nodePids());
          log.println(r.summary());
          results.add(r);
        }
      } catch (Exception | Error e) {
        log.println("run " + run + " failed; its files stay in " + dir);
        throw e;
      }
      deleteTree(dir);
    }
    Report report = new Report(label, describe() + "; " + fsync, results);
    Files.writeString(out.resolve("report-" + label + ".md"), report.markdown());
    Files.writeString(out.resolve("runs-" + label + ".csv"), report.csv());
    Plots.write(out, label, report.medianRuns());
    System.out.print(report.markdown());
    return 0;
  }

  private String describe() {
    return String.format(
        Locale.ROOT,
        "%d nodes (local-cluster's heap and collector), %s %s, the default store%s, %d client"
            + " threads, %,d records of %d × %d bytes, %s, %d s warm-up + %d s measured per"
            + " workload, %d run(s), %d cores",
        nodes,
        engine,
        durability,
        sets.isEmpty() ? "" : ", --set " + String.join(" --set ", sets),
        threads,
        records,
        fieldCount,
        fieldLength,
        distribution,
        warmupSeconds,
        durationSeconds,
        runs,
        Runtime.getRuntime().availableProcessors());
  }

  private List<String> clusterArgs(Path dir) {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--nodes", "" + nodes, "--engine", engine, "--data-dir", dir.toString()));
    args.addAll(List.of("--cluster-file", dir.resolve("cluster.json").toString()));
    args.addAll(List.of("--set", "dynamo.storage." + engine + ".durability=" + durability));
    for (String s : sets) {
      args.addAll(List.of("--set", s));
    }
    return args;
  }

  private Properties properties(String hosts) {
    Properties p = new Properties();
    p.setProperty("dynamo.hosts", hosts);
    p.setProperty("recordcount", "" + records);
    p.setProperty("operationcount", "" + Integer.MAX_VALUE);
    p.setProperty("fieldcount", "" + fieldCount);
    p.setProperty("fieldlength", "" + fieldLength);
    p.setProperty("requestdistribution", distribution);
    p.setProperty("readallfields", "true");
    p.setProperty("scanproportion", "0");
    p.setProperty("insertproportion", "0");
    p.setProperty("readmodifywriteproportion", "0");
    return p;
  }

  /** Inserts every record with the client threads; fails if one insert fails. */
  private void load(Properties base) throws Exception {
    long start = System.nanoTime();
    AtomicLong left = new AtomicLong(records);
    Clients clients = new Clients(base, threads, false, left);
    try {
      clients.stats.startMeasuring();
      clients.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(loadTimeoutSeconds);
      while (!clients.finished() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    } finally {
      clients.stop();
    }
    long failed = clients.stats.failures().values().stream().mapToLong(Long::longValue).sum();
    if (failed > 0 || clients.stats.completed() < records) {
      throw new IllegalStateException(
          "load failed: "
              + clients.stats.completed()
              + " of "
              + records
              + " inserts succeeded, "
              + failed
              + " failed"
              + (clients.error() == null ? "" : ": " + clients.error()));
    }
    log.printf(
        Locale.ROOT, "loaded %,d records in %.1f s%n", records, (System.nanoTime() - start) / 1e9);
  }

  private PhaseResult phase(int run, String workload, Properties base, List<Long> pids)
      throws Exception {
    Properties p = new Properties();
    p.putAll(base);
    WORKLOADS.get(workload).forEach(p::setProperty);
    Clients clients = new Clients(p, threads, true, null);
    List<Long> perSecond = new ArrayList<>();
    HostStats before;
    HostStats after;
    double seconds;
    try {
      clients.start();
      Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));
      before = HostStats.now(pids);
      clients.stats.startMeasuring();
      long t0 = System.nanoTime();
      long last = 0;
      for (int s = 1; s <= durationSeconds; s++) {
        long due = t0 + TimeUnit.SECONDS.toNanos(s);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        long now = clients.stats.completed();
        perSecond.add(now - last);
        last = now;
      }
      clients.stats.stopMeasuring();
      seconds = (System.nanoTime() - t0) / 1e9;
      after = HostStats.now(pids);
    } finally {
      clients.stop();
    }
    if (clients.error() != null) {
      throw new IllegalStateException("workload " + workload + " failed", clients.error());
    }
    return new PhaseResult(
        run,
        workload,
        seconds,
        clients.stats.completed(),
        clients.stats.histograms(),
        clients.stats.failures(),
        after.since(before),
        perSecond);
  }

  /** The client threads of one phase: each its own binding instance, as YCSB runs them. */
  private static final class Clients {
    final OpStats stats = new OpStats();
    private final List<Thread> threads = new ArrayList<>();
    private final List<MeasuredDb> dbs = new ArrayList<>();
    private volatile boolean stop;
    private volatile Throwable error;
    private final AtomicLong inserts;

    Clients(Properties p, int count, boolean transactions, AtomicLong inserts)
        throws WorkloadException, DBException {
      this.inserts = inserts;
      Measurements.setProperties(p);
      CoreWorkload workload = new CoreWorkload();
      workload.init(p);
      for (int i = 0; i < count; i++) {
        MeasuredDb db = new MeasuredDb(new DynamoYcsbDb(), stats);
        db.setProperties(p);
        Object state;
        try {
          db.init();
          dbs.add(db);
          state = workload.initThread(p, i, count);
        } catch (DBException | WorkloadException | RuntimeException e) {
          for (MeasuredDb started : dbs) {
            started.cleanup();
          }
          throw e;
        }
        threads.add(
            new Thread(
                () -> {
                  try {
                    while (!stop) {
                      if (transactions) {
                        workload.doTransaction(db, state);
                      } else if (inserts.getAndDecrement() > 0) {
                        workload.doInsert(db, state);
                      } else {
                        return;
                      }
                    }
                  } catch (Throwable t) {
                    error = t;
                  }
                },
                "ycsb-client-" + i));
        threads.get(i).setDaemon(true);
      }
    }

    void start() {
      threads.forEach(Thread::start);
    }

    boolean finished() {
      return threads.stream().noneMatch(Thread::isAlive);
    }

    Throwable error() {
      return error;
    }

    void stop() throws InterruptedException, DBException {
      stop = true;
      for (Thread t : threads) {
        t.join(TimeUnit.MINUTES.toMillis(1));
      }
      for (MeasuredDb db : dbs) {
        db.cleanup();
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** {@code bin/dynamo local-cluster} as a child process, stopped (SIGTERM) on close. */
  static final class LocalCluster implements AutoCloseable {
    private final Process supervisor;
    private final ClusterFile file;

    private LocalCluster(Process supervisor, ClusterFile file) {
      this.supervisor = supervisor;
      this.file = file;
    }

    static LocalCluster start(Path home, Path dir, List<String> args, PrintStream log)
        throws IOException, InterruptedException {
      Files.createDirectories(dir);
      List<String> command = new ArrayList<>();
      command.add(home.resolve("bin/dynamo").toAbsolutePath().toString());
      command.add("local-cluster");
      command.addAll(args);
      command.add("--exit-with-parent");
      Path output = dir.resolve("local-cluster.out");
      Process p =
          new ProcessBuilder(command)
              .directory(home.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      try {
        return awaitServing(p, dir, output);
      } catch (IOException | InterruptedException | RuntimeException e) {
        if (p.isAlive()) {
          stop(p);
        }
        throw e;
      }
    }

    private static LocalCluster awaitServing(Process p, Path dir, Path output)
        throws IOException, InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "local-cluster exited with "
                  + p.exitValue()
                  + ":\n"
                  + Files.readString(output, StandardCharsets.UTF_8));
        }
        if (Files.exists(output) && Files.readString(output).contains(READY_LINE)) {
          Optional<ClusterFile> f = ClusterFile.read(dir.resolve("cluster.json"));
          if (f.isPresent()) {
            return new LocalCluster(p, f.get());
          }
          throw new IllegalStateException("no cluster file in " + dir);
        }
        Thread.sleep(200);
      }
      throw new IllegalStateException(
          "local-cluster did not serve within 5 minutes; see " + output);
    }

    String hosts() {
      return file.nodes().stream().map(ClusterFile.Node::address).collect(Collectors.joining(","));
    }

    List<Long> nodePids() {
      return file.nodes().stream().map(ClusterFile.Node::pid).toList();
    }

    /** SIGTERM (local-cluster stops its nodes), SIGKILL after a minute. */
    private static void stop(Process supervisor) throws InterruptedException {
      supervisor.destroy();
      if (!supervisor.waitFor(60, TimeUnit.SECONDS)) {
        supervisor.destroyForcibly();
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop(supervisor);
      for (long pid : nodePids()) {
        Optional<ProcessHandle> node = ProcessHandle.of(pid);
        if (node.isPresent()) {
          node.get().destroyForcibly();
          node.get().onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
      }
    }
  }
}
