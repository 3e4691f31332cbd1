/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The documented YCSB command end to end, small: a real 3-node cluster started with {@code
 * bin/dynamo local-cluster} (the build's dynamo-server package), load, workloads A, B and C through
 * the binding, the report, the CSV and the plots, and every process stopped afterwards.
 */
class YcsbBenchProcessTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void loadsRunsABAndCAndWritesTheReportAndPlots() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path home = Path.of(System.getProperty("user.dir")).getParent();
    Path out = dir.resolve("out");
    int exit =
        new CommandLine(new YcsbBench())
            .execute(
                "--dynamo-home", home.toString(),
                "--data-dir", dir.resolve("data").toString(),
                "--out", out.toString(),
                "--label", "test",
                "--records", "300",
                "--threads", "2",
                "--warmup", "1",
                "--duration", "2");

    assertThat(exit).isZero();
    List<String> csv = Files.readAllLines(out.resolve("runs-test.csv"));
    assertThat(csv).hasSize(4);
    for (String row : csv.subList(1, 4)) {
      String[] f = row.split(",", -1);
      assertThat(Long.parseLong(f[4])).as("operations in " + row).isPositive();
      assertThat(f[5]).as("failed operations in " + row).isEqualTo("0");
      assertThat(Double.parseDouble(f[15])).as("node CPU per op in " + row).isPositive();
      assertThat(Double.parseDouble(f[16])).as("context switches per op in " + row).isPositive();
    }
    assertThat(csv.get(1)).startsWith("test,A,1,");
    assertThat(Files.readString(out.resolve("report-test.md")))
        .contains("| A | ", "| B | ", "| C | ");
    for (String plot : List.of("A-latency", "B-latency", "C-latency", "throughput")) {
      BufferedImage image = ImageIO.read(out.resolve("ycsb-test-" + plot + ".png").toFile());
      assertThat(image.getWidth()).as(plot).isEqualTo(900);
    }
    assertThat(dir.resolve("data/run-1")).as("the run's data directory is removed").doesNotExist();
  }
}
