/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.NodeConfig;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Host;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.storage.lmdb.LmdbStorageEngineFactory;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.NodeAddress;
import io.dynamokv.transport.thrift.peer.ThriftPeerTransport;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.ThriftServerConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Issue 19's "off the foreground path" target, measured: the foreground p99 while a full
 * anti-entropy pass runs, against the idle p99, on one cluster in this JVM.
 *
 * <p>The cluster: three real {@link DynamoNode}s ({@code n1..n3}, store {@value #STORE} with N=3,
 * R=2, W=2), each on its own LMDB directory in a temp directory ({@link Durability#WRITE_NO_SYNC}),
 * its own scheduler thread, and a {@link ThriftPeerTransport} behind a {@link ThriftServer} on a
 * loopback port: every peer message, the exchanges' included, goes through Thrift on 127.0.0.1.
 * Hinted handoff and read repair are off, so only anti-entropy repairs. {@code n1} and {@code n2}
 * run anti-entropy with an interval of one hour (no background pass starts during the run); {@code
 * n3} with {@code intervalMillis} (one exchange per interval, the default rate of 4 MiB/s): as the
 * highest id it plans no background pairs, so exchanges run only in the pass asked for.
 *
 * <p>Set-up: {@code keys} keys of 100 bytes are written. Then, per run: {@code n3} is stopped,
 * {@code missed} new keys are written (to {@code n1} and {@code n2} only), {@code n3} restarts on
 * its directory and the same ports, and the measurement waits until every tree is built. Then a
 * closed-loop load ({@code threads} threads, each alternating a get of a random loaded key and a
 * put of a new key, at a random coordinator, through {@link DynamoNode#get}/{@link DynamoNode#put}:
 * the client API in process, no client-port Thrift) runs {@code seconds} idle, then during {@code
 * n3.repair(true)} (a full pass: every partition with both other replicas) until the pass is done,
 * then {@code seconds} idle again; the idle p99 is that of both idle phases together (so JIT
 * warm-up or drift over a run does not favour either side). The pass p99 over the idle p99, per
 * run; the report gives every run and the medians. Latency per operation goes to HdrHistogram. A
 * warm-up phase of {@code seconds} precedes run 1.
 *
 * <p>Run: {@code java --add-opens java.base/java.nio=ALL-UNNAMED --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED -cp dynamo-bench/target/benchmarks.jar
 * io.dynamokv.bench.AntiEntropyLatencyReport [keys [missed [runs [seconds [threads
 * [intervalMillis]]]]]]} (defaults 200000 10000 5 10 4 10).
 */
public final class AntiEntropyLatencyReport {
  static final String STORE = "default";
  static final int VALUE_BYTES = 100;
  static final Duration MAX_PHASE = Duration.ofMinutes(5);
  static final Duration OP_TIMEOUT = Duration.ofSeconds(10);
  static final ClusterSecret SECRET =
      ClusterSecret.of(
          List.of("the anti-entropy latency bench secret".getBytes(StandardCharsets.UTF_8)));

  private AntiEntropyLatencyReport() {}

  /** One node: its directory, host and ports survive a restart. */
  static final class Node {
    final NodeId id;
    final Path directory;
    final Host host = Host.inMemory();
    final Duration interval;
    int peerPort;
    ThreadScheduler scheduler;
    StorageEngine storage;
    ThriftPeerTransport transport;
    ThriftServer server;
    DynamoNode dynamo;
    final AtomicInteger taskErrors = new AtomicInteger();

    Node(NodeId id, Path directory, Duration interval) {
      this.id = id;
      this.directory = directory;
      this.interval = interval;
    }

    void start(Map<NodeId, InetSocketAddress> seeds) {
      storage =
          new LmdbStorageEngineFactory(
                  LmdbStorageEngineFactory.Options.builder()
                      .durability(Durability.WRITE_NO_SYNC)
                      .build())
              .open(directory);
      AddressBook book = new AddressBook(seeds);
      transport = ThriftPeerTransport.builder(id, book).secret(SECRET).build();
      server =
          ThriftServer.servePeers(
              ThriftServerConfig.builder("127.0.0.1", peerPort)
                  .shutdownGrace(Duration.ZERO)
                  .build(),
              transport.peerService());
      peerPort = server.address().getPort();
      scheduler =
          new ThreadScheduler(
              "node-" + id,
              e -> {
                if (taskErrors.getAndIncrement() < 5) {
                  e.printStackTrace();
                }
              });
      dynamo =
          DynamoNode.start(
              NodeConfig.builder(
                      MembershipConfig.builder(id)
                          .address(
                              new NodeAddress(
                                      AddressBook.parse("127.0.0.1:1"),
                                      AddressBook.parse("127.0.0.1:" + peerPort))
                                  .toString())
                          .seeds(seeds.keySet())
                          .gossipInterval(Duration.ofMillis(100))
                          .build())
                  .store(StoreDefinition.of(STORE, 3, 2, 2))
                  .clusterSecret(SECRET)
                  .handoff(HandoffConfig.DEFAULTS.withEnabled(false))
                  .readRepair(false)
                  .antiEntropy(AntiEntropyConfig.DEFAULTS.withInterval(interval))
                  .build(),
              Clock.system(),
              scheduler,
              RandomSource.unseeded(),
              transport,
              storage,
              host);
      book.follow(() -> dynamo.membership().view());
    }

    void stop() {
      if (dynamo == null) {
        return;
      }
      // A clean stop, in NodeRuntime's order: without the clean-stop record the next start counts
      // as after a crash (WRITE_NO_SYNC, unknown boot) and the node pulls every partition first.
      server.close();
      dynamo.close();
      transport.close();
      boolean drained;
      try {
        drained = scheduler.shutdown(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        drained = false;
      }
      if (drained) {
        dynamo.recordCleanStop();
      } else {
        System.out.println(id + " did not drain in 10 s: its stop is not recorded as clean");
      }
      storage.close();
      dynamo = null;
    }

    long stat(String section, String name) {
      for (StatusSection s : dynamo.status()) {
        if (s.name().equals(section)) {
          for (StatusSection.Stat stat : s.stats()) {
            if (stat.name().equals(name) && stat.tags().isEmpty()) {
              return stat.value();
            }
          }
        }
      }
      throw new IllegalStateException("no stat " + section + "/" + name + " on " + id);
    }
  }

  /** One phase's latencies and errors. */
  record Phase(Histogram all, Histogram gets, Histogram puts, long errors, long millis) {
    /** Both phases' latencies together. */
    Phase plus(Phase other) {
      Histogram a = all.copy();
      a.add(other.all);
      Histogram g = gets.copy();
      g.add(other.gets);
      Histogram p = puts.copy();
      p.add(other.puts);
      return new Phase(a, g, p, errors + other.errors, millis + other.millis);
    }

    double p99Millis() {
      return all.getValueAtPercentile(99) / 1000.0;
    }
  }

  /** The closed-loop foreground load. */
  static final class Load {
    final List<Node> nodes;
    final int keys;
    final int threads;
    final byte[] value = new byte[VALUE_BYTES];
    final AtomicLong written = new AtomicLong();

    Load(List<Node> nodes, int keys, int threads) {
      this.nodes = nodes;
      this.keys = keys;
      this.threads = threads;
      new SplittableRandom(19).nextBytes(value);
    }

    /** Runs the load until {@code done} holds or {@link #MAX_PHASE} passed. */
    Phase run(BooleanSupplier done) throws InterruptedException {
      Recorder gets = new Recorder(3);
      Recorder puts = new Recorder(3);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong errors = new AtomicLong();
      List<Thread> workers = new ArrayList<>();
      long start = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        int self = t;
        Thread worker =
            new Thread(
                () -> {
                  SplittableRandom random = new SplittableRandom(self * 7919L + System.nanoTime());
                  boolean get = (self & 1) == 0;
                  while (!stop.get()) {
                    DynamoNode coordinator = nodes.get(random.nextInt(nodes.size())).dynamo;
                    long begin = System.nanoTime();
                    try {
                      if (get) {
                        coordinator
                            .get(STORE, key("load", random.nextInt(keys)), RequestOptions.DEFAULTS)
                            .toCompletableFuture()
                            .get(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        gets.recordValue((System.nanoTime() - begin) / 1000);
                      } else {
                        coordinator
                            .put(
                                STORE,
                                key("fg", written.incrementAndGet()),
                                value,
                                Context.EMPTY,
                                RequestOptions.DEFAULTS)
                            .toCompletableFuture()
                            .get(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        puts.recordValue((System.nanoTime() - begin) / 1000);
                      }
                    } catch (InterruptedException e) {
                      return;
                    } catch (Exception e) {
                      errors.incrementAndGet();
                    }
                    get = !get;
                  }
                },
                "load-" + t);
        worker.start();
        workers.add(worker);
      }
      long deadline = start + MAX_PHASE.toNanos();
      while (!done.getAsBoolean() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      stop.set(true);
      for (Thread worker : workers) {
        worker.join(OP_TIMEOUT.toMillis() + 1000);
      }
      Histogram g = gets.getIntervalHistogram();
      Histogram p = puts.getIntervalHistogram();
      Histogram all = new Histogram(3);
      all.add(g);
      all.add(p);
      return new Phase(all, g, p, errors.get(), millis);
    }
  }

  static byte[] key(String prefix, long i) {
    return String.format("%s-%09d", prefix, i).getBytes(StandardCharsets.UTF_8);
  }

  /** Every node NORMAL in one agreed ring of all three. */
  static boolean formed(List<Node> nodes) {
    Long version = null;
    for (Node n : nodes) {
      MembershipView view = n.dynamo.membership().view();
      if (view.status(n.id) != NodeStatus.NORMAL
          || n.dynamo.ring().isEmpty()
          || n.dynamo.ring().orElseThrow().nodeCount() != nodes.size()) {
        return false;
      }
      if (version != null && version != view.ringVersion()) {
        return false;
      }
      version = view.ringVersion();
    }
    return true;
  }

  /** Every tree built on every node, and n3 holds every partition completely. */
  static boolean settled(List<Node> nodes) {
    for (Node n : nodes) {
      if (n.stat("anti-entropy", "trees.building") != 0
          || n.stat("anti-entropy", "trees") == 0
          || n.stat("anti-entropy", "partitions.incomplete") != 0) {
        return false;
      }
    }
    return true;
  }

  static void await(String what, BooleanSupplier condition, Duration max)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " did not happen within " + max);
      }
      Thread.sleep(50);
    }
  }

  /** Writes {@code count} keys {@code prefix-i}, at most 256 in flight, through every node. */
  static void write(List<Node> nodes, String prefix, int count, byte[] value)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(256);
    AtomicLong failed = new AtomicLong();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      DynamoNode coordinator = nodes.get(i % nodes.size()).dynamo;
      coordinator
          .put(STORE, key(prefix, i), value, Context.EMPTY, RequestOptions.DEFAULTS)
          .whenComplete(
              (ok, e) -> {
                if (e != null) {
                  failed.incrementAndGet();
                }
                inFlight.release();
              });
    }
    if (!inFlight.tryAcquire(256, OP_TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("writes of " + prefix + " did not finish");
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " writes of " + prefix + " failed");
    }
  }

  static String aeStats(Node n) {
    StringBuilder sb = new StringBuilder(n.id.value());
    for (StatusSection s : n.dynamo.status()) {
      if (s.name().equals("anti-entropy")) {
        for (StatusSection.Stat stat : s.stats()) {
          sb.append(' ').append(stat.name()).append('=').append(stat.value());
        }
      }
    }
    return sb.toString();
  }

  static String row(Phase p) {
    return String.format(
        "p50 %.2f  p99 %.2f  p99.9 %.2f  max %.1f ms  (get p99 %.2f, put p99 %.2f)  %,d ops  %,d"
            + " errors  %,d ms",
        p.all.getValueAtPercentile(50) / 1000.0,
        p.p99Millis(),
        p.all.getValueAtPercentile(99.9) / 1000.0,
        p.all.getMaxValue() / 1000.0,
        p.gets.getValueAtPercentile(99) / 1000.0,
        p.puts.getValueAtPercentile(99) / 1000.0,
        p.all.getTotalCount(),
        p.errors,
        p.millis);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int missed = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    int threads = args.length > 4 ? Integer.parseInt(args[4]) : 4;
    long intervalMillis = args.length > 5 ? Long.parseLong(args[5]) : 10;
    Path root = Files.createTempDirectory("ae-latency-");
    List<Node> nodes = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        Path dir = Files.createDirectories(root.resolve("n" + i));
        nodes.add(
            new Node(
                NodeId.of("n" + i),
                dir,
                i == 3 ? Duration.ofMillis(intervalMillis) : Duration.ofHours(1)));
      }
      Node n3 = nodes.get(2);
      Map<NodeId, InetSocketAddress> seeds = new LinkedHashMap<>();
      nodes.get(0).start(Map.of());
      seeds.put(nodes.get(0).id, AddressBook.parse("127.0.0.1:" + nodes.get(0).peerPort));
      nodes.get(1).start(seeds);
      n3.start(seeds);
      await("the cluster forming", () -> formed(nodes), Duration.ofSeconds(60));
      Load load = new Load(nodes, keys, threads);
      long t0 = System.nanoTime();
      write(nodes, "load", keys, load.value);
      System.out.printf(
          "loaded %,d keys in %,d ms; N=3 R=2 W=2, LMDB WRITE_NO_SYNC, handoff and read repair off,"
              + " n3 anti-entropy interval %d ms, %d load threads%n",
          keys, (System.nanoTime() - t0) / 1_000_000, intervalMillis, threads);
      await("trees built", () -> settled(nodes), MAX_PHASE);
      long warmEnd = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      System.out.println("warm-up: " + row(load.run(() -> System.nanoTime() > warmEnd)));

      double[] idleP99 = new double[runs];
      double[] passP99 = new double[runs];
      double[] passMillis = new double[runs];
      for (int r = 0; r < runs; r++) {
        n3.stop();
        write(nodes.subList(0, 2), "missed" + r, missed, load.value);
        n3.start(seeds);
        await("n3 back", () -> formed(nodes), Duration.ofSeconds(60));
        await("trees built after the restart", () -> settled(nodes), MAX_PHASE);
        System.out.println("  settled: " + aeStats(n3));
        long idleEnd = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        Phase idle = load.run(() -> System.nanoTime() > idleEnd);
        long repairedBefore = n3.stat("anti-entropy", "keys.repaired");
        long passesBefore = n3.stat("anti-entropy", "passes");
        long passStart = System.nanoTime();
        CompletableFuture<Void> pass = n3.dynamo.repair(true).toCompletableFuture();
        Phase during = load.run(pass::isDone);
        long passEnd = System.nanoTime();
        if (!pass.isDone()) {
          throw new IllegalStateException("the pass did not end within " + MAX_PHASE);
        }
        pass.join();
        System.out.println("  after the pass: " + aeStats(n3));
        long repaired = n3.stat("anti-entropy", "keys.repaired") - repairedBefore;
        long afterEnd = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        Phase idleAfter = load.run(() -> System.nanoTime() > afterEnd);
        Phase idleBoth = idle.plus(idleAfter);
        idleP99[r] = idleBoth.p99Millis();
        passP99[r] = during.p99Millis();
        passMillis[r] = (passEnd - passStart) / 1e6;
        System.out.printf(
            "run %d%n  idle before: %s%n  during pass: %s%n  idle after:  %s%n  idle, both:  %s%n  pass %,d ms, passes %d -> %d, keys"
                + " repaired by n3's exchanges %,d (missed %,d), p99 ratio %.2f%n",
            r + 1,
            row(idle),
            row(during),
            row(idleAfter),
            row(idleBoth),
            (long) passMillis[r],
            passesBefore,
            n3.stat("anti-entropy", "passes"),
            repaired,
            missed,
            passP99[r] / idleP99[r]);
      }
      double[] ratios = new double[runs];
      for (int r = 0; r < runs; r++) {
        ratios[r] = passP99[r] / idleP99[r];
      }
      System.out.printf(
          "%nmedians over %d runs: idle p99 %.2f ms, during-pass p99 %.2f ms, ratio of medians"
              + " %.2f, median of per-run ratios %.2f, pass %,.0f ms%n",
          runs,
          median(idleP99),
          median(passP99),
          median(passP99) / median(idleP99),
          median(ratios),
          median(passMillis));
      for (Node n : nodes) {
        if (n.taskErrors.get() > 0) {
          System.out.println(n.id + ": " + n.taskErrors.get() + " node task(s) failed");
        }
      }
    } finally {
      for (Node n : nodes) {
        try {
          n.stop();
        } catch (RuntimeException e) {
          e.printStackTrace();
        }
      }
      ThriftBenchmark.deleteRecursively(root);
    }
  }
}
