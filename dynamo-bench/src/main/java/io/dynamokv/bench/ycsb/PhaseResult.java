/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One workload's measured window in one run.
 *
 * @param seconds the window's length
 * @param ops operations that succeeded in the window
 * @param latencies per operation, in microseconds
 * @param failures per operation, failed in the window
 * @param host the node processes' and the machine's figures over the window
 * @param perSecond operations completed in each second of the window
 */
record PhaseResult(
    int run,
    String workload,
    double seconds,
    long ops,
    Map<OpStats.Op, Histogram> latencies,
    Map<OpStats.Op, Long> failures,
    HostStats.Delta host,
    List<Long> perSecond) {

  double throughput() {
    return ops / seconds;
  }

  /** Microseconds of node CPU (every node process, user + system) per operation. */
  double nodeCpuMicrosPerOp() {
    return host.nodeCpuNanos() / 1e3 / ops;
  }

  /** Context switches of every thread of every node process, per operation. */
  double switchesPerOp() {
    return (double) host.nodeContextSwitches() / ops;
  }

  /** Share of the machine's CPU capacity the nodes used. */
  double nodeShare() {
    return host.nodeCpuNanos() / 1e9 / (seconds * cores());
  }

  /** Share of the machine's CPU capacity the YCSB client (this JVM) used. */
  double clientShare() {
    return host.clientCpuNanos() / 1e9 / (seconds * cores());
  }

  /** System and interrupt time as a share of the machine's busy time. */
  double kernelShareOfBusy() {
    long busy = host.busyTicks();
    return busy == 0 ? 0 : (double) (host.systemTicks() + host.irqTicks()) / busy;
  }

  /** The latency at {@code percentile} of {@code op} in milliseconds, NaN if it did not run. */
  double millis(OpStats.Op op, double percentile) {
    Histogram h = latencies.get(op);
    return h == null ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
  }

  long failed() {
    return failures.values().stream().mapToLong(Long::longValue).sum();
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  String summary() {
    return String.format(
        Locale.ROOT,
        "run %d workload %s: %.0f ops/s, read p99 %.2f ms, update p99 %.2f ms, node CPU %.0f µs/op,"
            + " %.1f context switches/op, %d failed",
        run,
        workload,
        throughput(),
        millis(OpStats.Op.READ, 99),
        millis(OpStats.Op.UPDATE, 99),
        nodeCpuMicrosPerOp(),
        switchesPerOp(),
        failed());
  }
}
