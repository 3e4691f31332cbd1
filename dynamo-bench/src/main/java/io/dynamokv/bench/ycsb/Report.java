/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Every run's figures and, per workload, the medians over the runs. */
final class Report {
  private static final double[] PERCENTILES = {50, 95, 99, 99.9};

  private final String label;
  private final String setup;
  private final List<PhaseResult> results;

  Report(String label, String setup, List<PhaseResult> results) {
    this.label = label;
    this.setup = setup;
    this.results = List.copyOf(results);
  }

  private Map<String, List<PhaseResult>> byWorkload() {
    Map<String, List<PhaseResult>> m = new LinkedHashMap<>();
    results.forEach(r -> m.computeIfAbsent(r.workload(), w -> new ArrayList<>()).add(r));
    return m;
  }

  /** Per workload, the run with the median throughput (the one the plots show). */
  Map<String, PhaseResult> medianRuns() {
    Map<String, PhaseResult> m = new LinkedHashMap<>();
    byWorkload()
        .forEach(
            (w, rs) -> {
              List<PhaseResult> sorted = new ArrayList<>(rs);
              sorted.sort(Comparator.comparingDouble(PhaseResult::throughput));
              m.put(w, sorted.get((sorted.size() - 1) / 2));
            });
    return m;
  }

  static double median(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> f) {
    double[] v = rs.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("### YCSB: ").append(label).append("\n\n").append(setup).append("\n\n");
    b.append("Medians over the runs:\n\n");
    b.append(
        "| workload | ops/s | read p50 / p99 ms | update (read + write) p50 / p99 ms | node CPU µs/op |"
            + " context switches/op | system+irq of busy | nodes' CPU share | client's CPU share"
            + " |\n");
    b.append("|---|---|---|---|---|---|---|---|---|\n");
    byWorkload()
        .forEach(
            (w, rs) ->
                b.append(
                    String.format(
                        Locale.ROOT,
                        "| %s | %.0f | %s / %s | %s / %s | %.0f | %.2f | %.0f%% | %.0f%% | %.0f%% |%n",
                        w,
                        median(rs, PhaseResult::throughput),
                        ms(median(rs, r -> r.millis(OpStats.Op.READ, 50))),
                        ms(median(rs, r -> r.millis(OpStats.Op.READ, 99))),
                        ms(median(rs, r -> r.millis(OpStats.Op.UPDATE, 50))),
                        ms(median(rs, r -> r.millis(OpStats.Op.UPDATE, 99))),
                        median(rs, PhaseResult::nodeCpuMicrosPerOp),
                        median(rs, PhaseResult::switchesPerOp),
                        100 * median(rs, PhaseResult::kernelShareOfBusy),
                        100 * median(rs, PhaseResult::nodeShare),
                        100 * median(rs, PhaseResult::clientShare))));
    b.append(
        "\nEvery run (latencies in ms: p50 / p95 / p99 / p99.9; machine split of all CPU time):\n\n");
    b.append(
        "| workload | run | ops/s | failed | read | update (read + write) | node CPU µs/op |"
            + " context switches/op | user / system / irq+softirq / iowait / idle |\n");
    b.append("|---|---|---|---|---|---|---|---|---|\n");
    for (PhaseResult r : results) {
      HostStats.Delta h = r.host();
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.0f | %d | %s | %s | %.0f | %.2f | %.0f%% / %.0f%% / %.0f%% / %.0f%% /"
                  + " %.0f%% |%n",
              r.workload(),
              r.run(),
              r.throughput(),
              r.failed(),
              percentiles(r, OpStats.Op.READ),
              percentiles(r, OpStats.Op.UPDATE),
              r.nodeCpuMicrosPerOp(),
              r.switchesPerOp(),
              100 * h.share(h.userTicks()),
              100 * h.share(h.systemTicks()),
              100 * h.share(h.irqTicks()),
              100 * h.share(h.iowaitTicks()),
              100 * h.share(h.idleTicks())));
    }
    return b.toString();
  }

  String csv() {
    StringBuilder b =
        new StringBuilder(
            "label,workload,run,seconds,ops,failed,ops_per_s,read_p50_ms,read_p95_ms,read_p99_ms,"
                + "read_p999_ms,update_p50_ms,update_p95_ms,update_p99_ms,update_p999_ms,"
                + "node_cpu_us_per_op,switches_per_op,node_share,client_share,user_ticks,"
                + "system_ticks,irq_ticks,iowait_ticks,idle_ticks,steal_ticks,node_threads_ended\n");
    for (PhaseResult r : results) {
      HostStats.Delta h = r.host();
      b.append(
          String.format(
              Locale.ROOT,
              "%s,%s,%d,%.3f,%d,%d,%.1f,%s,%s,%.2f,%.3f,%.4f,%.4f,%d,%d,%d,%d,%d,%d,%d%n",
              label,
              r.workload(),
              r.run(),
              r.seconds(),
              r.ops(),
              r.failed(),
              r.throughput(),
              csvPercentiles(r, OpStats.Op.READ),
              csvPercentiles(r, OpStats.Op.UPDATE),
              r.nodeCpuMicrosPerOp(),
              r.switchesPerOp(),
              r.nodeShare(),
              r.clientShare(),
              h.userTicks(),
              h.systemTicks(),
              h.irqTicks(),
              h.iowaitTicks(),
              h.idleTicks(),
              h.stealTicks(),
              h.threadsEnded()));
    }
    return b.toString();
  }

  private static String percentiles(PhaseResult r, OpStats.Op op) {
    if (!r.latencies().containsKey(op)) {
      return "-";
    }
    List<String> v = new ArrayList<>();
    for (double p : PERCENTILES) {
      v.add(ms(r.millis(op, p)));
    }
    return String.join(" / ", v);
  }

  private static String csvPercentiles(PhaseResult r, OpStats.Op op) {
    List<String> v = new ArrayList<>();
    for (double p : PERCENTILES) {
      double m = r.millis(op, p);
      v.add(Double.isNaN(m) ? "" : String.format(Locale.ROOT, "%.3f", m));
    }
    return String.join(",", v);
  }

  private static String ms(double m) {
    return Double.isNaN(m) ? "-" : String.format(Locale.ROOT, m < 10 ? "%.2f" : "%.1f", m);
  }
}
