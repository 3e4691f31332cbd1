/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import site.ycsb.Status;

/**
 * Latencies (one HdrHistogram {@link Recorder} per operation, in microseconds), completed and
 * failed operations, shared by every client thread of one phase. Nothing is recorded until {@link
 * #startMeasuring}, so warm-up stays out of the figures.
 */
final class OpStats {
  /** The operations the binding times. */
  enum Op {
    READ,
    UPDATE,
    INSERT,
    DELETE
  }

  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

  private final Map<Op, Recorder> recorders = new EnumMap<>(Op.class);
  private final Map<Op, LongAdder> failures = new EnumMap<>(Op.class);
  private final LongAdder completed = new LongAdder();
  private volatile boolean measuring;

  OpStats() {
    for (Op op : Op.values()) {
      recorders.put(op, new Recorder(MAX_MICROS, 3));
      failures.put(op, new LongAdder());
    }
  }

  Status record(Op op, long startNanos, Status status) {
    long micros = (System.nanoTime() - startNanos) / 1000;
    if (measuring) {
      if (status.isOk()) {
        recorders.get(op).recordValue(Math.min(Math.max(micros, 1), MAX_MICROS));
        completed.increment();
      } else {
        failures.get(op).increment();
      }
    }
    return status;
  }

  /** Forgets everything recorded so far and records from now on. */
  void startMeasuring() {
    recorders.values().forEach(Recorder::reset);
    measuring = true;
  }

  void stopMeasuring() {
    measuring = false;
  }

  /** Operations completed successfully while measuring, so far. */
  long completed() {
    return completed.sum();
  }

  /** Everything recorded since {@link #startMeasuring}, per operation that ran. */
  Map<Op, Histogram> histograms() {
    Map<Op, Histogram> out = new EnumMap<>(Op.class);
    recorders.forEach(
        (op, r) -> {
          Histogram h = r.getIntervalHistogram();
          if (h.getTotalCount() > 0) {
            out.put(op, h);
          }
        });
    return out;
  }

  Map<Op, Long> failures() {
    Map<Op, Long> out = new EnumMap<>(Op.class);
    failures.forEach((op, n) -> out.put(op, n.sum()));
    return out;
  }
}
