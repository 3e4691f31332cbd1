/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's plots, with XChart: per workload the latency percentile distribution of each
 * operation (HdrHistogram's, the percentile axis in "nines": 90%, 99%, 99.9%, evenly spaced), and
 * one plot of every workload's throughput over its measured window.
 */
final class Plots {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;
  private static final double MAX_PERCENTILE = 99.99;

  private Plots() {}

  static void write(Path dir, String label, Map<String, PhaseResult> runs) throws IOException {
    for (PhaseResult r : runs.values()) {
      save(latency(label, r), dir.resolve("ycsb-" + label + "-" + r.workload() + "-latency"));
    }
    save(throughput(label, runs), dir.resolve("ycsb-" + label + "-throughput"));
  }

  static XYChart latency(String label, PhaseResult r) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "YCSB "
                    + r.workload()
                    + " ("
                    + label
                    + ", run "
                    + r.run()
                    + "): latency by percentile")
            .xAxisTitle("percentile, in nines: 1 = 90%, 2 = 99%, 3 = 99.9%, 4 = 99.99%")
            .yAxisTitle("latency (ms)")
            .build();
    // The axis is linear in log10(1/(1-p)), "nines". XChart formats no logarithmic axis's ticks,
    // and its tick search can spin forever on a formatting callback, so the ticks stay numbers.
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setXAxisDecimalPattern("0.#");
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    for (Map.Entry<OpStats.Op, Histogram> e : r.latencies().entrySet()) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (HistogramIterationValue v : e.getValue().percentiles(5)) {
        double p = Math.min(v.getPercentileLevelIteratedTo(), MAX_PERCENTILE);
        x.add(Math.log10(1 / (1 - p / 100)));
        y.add(Math.max(v.getValueIteratedTo(), 1) / 1e3);
        if (p == MAX_PERCENTILE) {
          break;
        }
      }
      if (x.get(0) > 0) { // every value equal: HdrHistogram jumps straight to 100%
        x.add(0, 0.0);
        y.add(0, y.get(0));
      }
      XYSeries s = chart.addSeries(e.getKey().name().toLowerCase(Locale.ROOT), x, y);
      s.setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  static XYChart throughput(String label, Map<String, PhaseResult> runs) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("YCSB throughput over the measured window (" + label + ")")
            .xAxisTitle("second")
            .yAxisTitle("operations/s")
            .build();
    chart.getStyler().setYAxisMin(0.0);
    for (PhaseResult r : runs.values()) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int i = 0; i < r.perSecond().size(); i++) {
        x.add(i + 1.0);
        y.add((double) r.perSecond().get(i));
      }
      chart.addSeries(r.workload() + " (run " + r.run() + ")", x, y).setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  private static void save(XYChart chart, Path file) throws IOException {
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
