/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What Linux's {@code /proc} says about a set of processes and the machine at one instant: CPU time
 * and context switches of the node processes (summed over every thread, {@code
 * /proc/PID/task/TID/status}), CPU time of this process (the YCSB client), and the machine's
 * cumulative CPU split ({@code /proc/stat}, in clock ticks). Two snapshots make a {@link Delta}.
 */
record HostStats(
    long nodeCpuNanos,
    Map<String, Long> nodeThreadSwitches,
    long clientCpuNanos,
    long user,
    long nice,
    long system,
    long idle,
    long iowait,
    long irq,
    long softirq,
    long steal) {

  /** Reads every figure now; a node that has exited counts nothing. */
  static HostStats now(List<Long> nodePids) {
    long cpu = 0;
    Map<String, Long> switches = new HashMap<>();
    for (long pid : nodePids) {
      cpu += cpuNanos(pid);
      contextSwitches(pid, switches);
    }
    long[] t = machineTicks();
    return new HostStats(
        cpu,
        switches,
        cpuNanos(ProcessHandle.current().pid()),
        t[0],
        t[1],
        t[2],
        t[3],
        t[4],
        t[5],
        t[6],
        t[7]);
  }

  private static long cpuNanos(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(p -> p.info().totalCpuDuration())
        .map(Duration::toNanos)
        .orElse(0L);
  }

  /** Adds each thread of {@code pid} to {@code out}, keyed by pid/tid. */
  private static void contextSwitches(long pid, Map<String, Long> out) {
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc", pid + "", "task"))) {
      for (Path task : tasks) {
        try {
          long sum = 0;
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")
                || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
          out.put(pid + "/" + task.getFileName(), sum);
        } catch (NoSuchFileException e) {
          // the thread ended between listing and reading
        }
      }
    } catch (NoSuchFileException e) {
      // the node has exited: it counts nothing
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long[] t = new long[8];
      for (int i = 0; i < 8; i++) {
        t[i] = Long.parseLong(f[i + 1]);
      }
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The change since {@code before}. Context switches are summed per thread: a thread that started
   * in between counts from 0; one that ended in between took its count with it, so it is left out
   * and counted in {@link Delta#threadsEnded}.
   */
  Delta since(HostStats before) {
    long switches = 0;
    int ended = 0;
    for (Map.Entry<String, Long> e : nodeThreadSwitches.entrySet()) {
      long delta = e.getValue() - before.nodeThreadSwitches.getOrDefault(e.getKey(), 0L);
      if (delta < 0) { // the thread id was reused: a new thread, the old one ended
        delta = e.getValue();
        ended++;
      }
      switches += delta;
    }
    for (String thread : before.nodeThreadSwitches.keySet()) {
      ended += nodeThreadSwitches.containsKey(thread) ? 0 : 1;
    }
    return new Delta(
        nodeCpuNanos - before.nodeCpuNanos,
        switches,
        ended,
        clientCpuNanos - before.clientCpuNanos,
        user + nice - before.user - before.nice,
        system - before.system,
        irq + softirq - before.irq - before.softirq,
        iowait - before.iowait,
        idle - before.idle,
        steal - before.steal);
  }

  /** The change between two snapshots; the machine figures are in clock ticks. */
  record Delta(
      long nodeCpuNanos,
      long nodeContextSwitches,
      int threadsEnded,
      long clientCpuNanos,
      long userTicks,
      long systemTicks,
      long irqTicks,
      long iowaitTicks,
      long idleTicks,
      long stealTicks) {

    /** Ticks the machine was busy (user, system, interrupts; not idle, I/O wait or steal). */
    long busyTicks() {
      return userTicks + systemTicks + irqTicks;
    }

    double share(long ticks) {
      long all = busyTicks() + iowaitTicks + idleTicks + stealTicks;
      return all == 0 ? 0 : (double) ticks / all;
    }
  }
}
