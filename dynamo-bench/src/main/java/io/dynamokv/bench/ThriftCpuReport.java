/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where {@link ThriftBenchmark}'s time goes: CPU time per request of each group of threads
 * (clients, the Thrift server's selector threads, the node's scheduler thread) and context switches
 * per request, for the echo, the echo answering from a scheduler thread ({@code hop}) and the node.
 * CPU per request is far less sensitive to other load on the machine than throughput is.
 *
 * <p>Run: {@code java --add-opens java.base/java.nio=ALL-UNNAMED --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED -cp dynamo-bench/target/benchmarks.jar
 * io.dynamokv.bench.ThriftCpuReport [payload [requests-per-thread [rounds]]]} (defaults 100, 50000,
 * 3; a minute or two). Context switches are read from {@code /proc} (Linux; 0 elsewhere).
 */
public final class ThriftCpuReport {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private ThriftCpuReport() {}

  public static void main(String[] args) throws Exception {
    int payload = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    System.out.printf(
        "payload %d B, %d requests per client thread, median of %d rounds; CPU in µs per request%n",
        payload, requests, rounds);
    System.out.println(
        "| op | threads | server | ops/s | client CPU | Thrift server threads CPU | node thread CPU"
            + " | total CPU | context switches |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (String op : List.of("get", "put")) {
      for (int threads : new int[] {1, 4}) {
        for (String server : List.of("echo", "hop", "memory", "lmdb")) {
          List<double[]> samples = new ArrayList<>();
          for (int round = 0; round < rounds; round++) {
            samples.add(measure(server, op, threads, payload, requests));
          }
          double[] m = median(samples);
          System.out.printf(
              "| %s | %d | %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
              op, threads, server, m[0], m[1], m[2], m[3], m[1] + m[2] + m[3], m[4]);
        }
      }
    }
  }

  /** {ops/s, client µs/op, server threads µs/op, node thread µs/op, context switches/op}. */
  private static double[] measure(String server, String op, int threads, int payload, int requests)
      throws Exception {
    ThriftBenchmark.Server state = new ThriftBenchmark.Server();
    state.payload = payload;
    state.server = server;
    state.start();
    ThriftBenchmark.Client[] clients = new ThriftBenchmark.Client[threads];
    try {
      for (int i = 0; i < threads; i++) {
        clients[i] = new ThriftBenchmark.Client();
        clients[i].open(state);
      }
      run(clients, op, requests / 2, new AtomicLong(), new AtomicLong()); // warm-up
      AtomicLong clientCpu = new AtomicLong();
      AtomicLong clientSwitches = new AtomicLong();
      Map<String, Long> before = serverCpu();
      long switchesBefore = processContextSwitches();
      long start = System.nanoTime();
      run(clients, op, requests, clientCpu, clientSwitches);
      long wall = System.nanoTime() - start;
      Map<String, Long> after = serverCpu();
      long switches = processContextSwitches() - switchesBefore + clientSwitches.get();
      double ops = (double) requests * threads;
      return new double[] {
        ops * 1e9 / wall,
        clientCpu.get() / 1e3 / ops,
        delta(before, after, "server") / 1e3 / ops,
        delta(before, after, "node") / 1e3 / ops,
        switches / ops
      };
    } finally {
      for (ThriftBenchmark.Client c : clients) {
        if (c != null) {
          c.close();
        }
      }
      state.stop();
    }
  }

  private static void run(
      ThriftBenchmark.Client[] clients,
      String op,
      int requests,
      AtomicLong cpu,
      AtomicLong switches)
      throws InterruptedException {
    Thread[] threads = new Thread[clients.length];
    AtomicLong failures = new AtomicLong();
    for (int i = 0; i < clients.length; i++) {
      ThriftBenchmark.Client client = clients[i];
      threads[i] =
          new Thread(
              () -> {
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                long switches0 = ownContextSwitches();
                try {
                  for (int k = 0; k < requests; k++) {
                    if (op.equals("get")) {
                      client.get();
                    } else {
                      client.put();
                    }
                  }
                } catch (Exception e) {
                  failures.incrementAndGet();
                  e.printStackTrace();
                }
                cpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu0);
                switches.addAndGet(ownContextSwitches() - switches0);
              },
              "report-client-" + i);
      threads[i].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " client thread(s) failed");
    }
  }

  /** CPU nanoseconds of the live threads by group: "node" (the node's thread) and "server". */
  private static Map<String, Long> serverCpu() {
    Map<String, Long> byGroup = new TreeMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      ThreadInfo info = THREADS.getThreadInfo(id);
      long cpu = THREADS.getThreadCpuTime(id);
      if (info == null || cpu < 0) {
        continue;
      }
      String name = info.getThreadName();
      String group;
      if (name.equals("dynamo-node-bench") || name.equals("echo-hop")) {
        group = "node";
      } else if (name.startsWith("Thread-") || name.startsWith("thrift-server")) {
        group = "server"; // TThreadedSelectorServer's accept and selector threads are unnamed
      } else {
        continue;
      }
      byGroup.merge(group + "#" + id, cpu, Long::sum);
    }
    return byGroup;
  }

  private static long delta(Map<String, Long> before, Map<String, Long> after, String group) {
    long sum = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      if (e.getKey().startsWith(group + "#")) {
        sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
      }
    }
    return sum;
  }

  private static long processContextSwitches() {
    long sum = 0;
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        sum += contextSwitches(task.resolve("status"));
      }
    } catch (IOException e) {
      return 0;
    }
    return sum;
  }

  private static long ownContextSwitches() {
    return contextSwitches(Path.of("/proc/thread-self/status"));
  }

  private static long contextSwitches(Path status) {
    try {
      long sum = 0;
      for (String line : Files.readAllLines(status)) {
        if (line.contains("ctxt_switches:")) {
          sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return 0; // a thread that ended meanwhile, or not Linux
    }
  }

  private static double[] median(List<double[]> samples) {
    double[] out = new double[samples.get(0).length];
    for (int i = 0; i < out.length; i++) {
      double[] column = new double[samples.size()];
      for (int k = 0; k < column.length; k++) {
        column[k] = samples.get(k)[i];
      }
      Arrays.sort(column);
      out[i] = column[column.length / 2];
    }
    return out;
  }
}
