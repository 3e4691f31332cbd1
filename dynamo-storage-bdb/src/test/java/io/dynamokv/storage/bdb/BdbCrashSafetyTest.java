/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process writes with {@link Durability#SYNC} and is killed with SIGKILL at a random point;
 * every key it acknowledged (printed after its put returned) must be there after reopening.
 */
class BdbCrashSafetyTest {
  private static final Pattern COMPLETE_LINE = Pattern.compile("k\\d{8}");
  private static final Duration LINE_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path directory;

  @RepeatedTest(3)
  @Timeout(180)
  void everyAcknowledgedSyncWriteSurvivesSigkill() throws Exception {
    long seed = System.nanoTime();
    int killAfter = new SplittableRandom(seed).nextInt(200, 2001);
    List<String> acknowledged = new ArrayList<>();
    try (ChildJvm child = ChildJvm.start("write", directory.toString())) {
      while (acknowledged.size() < killAfter) {
        Optional<String> line = child.nextLine(LINE_TIMEOUT);
        assertThat(line)
            .as("child ended after %d keys; %s", acknowledged.size(), child.stderrText())
            .isPresent();
        acknowledged.add(line.get());
      }
      child.kill();
      // Keys printed between our last read and the kill were acknowledged too.
      for (Optional<String> line = child.nextLine(LINE_TIMEOUT);
          line.isPresent();
          line = child.nextLine(LINE_TIMEOUT)) {
        if (COMPLETE_LINE.matcher(line.get()).matches()) {
          acknowledged.add(line.get());
        }
      }
    }
    try (StorageEngine engine =
        new BdbStorageEngineFactory(
                BdbStorageEngineFactory.Options.builder().durability(Durability.SYNC).build())
            .open(directory)) {
      Keyspace data = engine.keyspace(StorageEngine.DATA);
      for (int i = 0; i < acknowledged.size(); i++) {
        assertThat(acknowledged.get(i)).isEqualTo(BdbChildMain.key(i));
        assertThat(data.get(BdbChildMain.key(i).getBytes(UTF_8)))
            .as(
                "acknowledged key %s (seed %d, killed after %d)",
                acknowledged.get(i), seed, killAfter)
            .isEqualTo(BdbChildMain.value(i));
      }
    }
  }
}
