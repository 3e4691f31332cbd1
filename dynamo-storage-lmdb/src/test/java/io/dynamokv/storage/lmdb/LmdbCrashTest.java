/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.lmdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing child JVM with SIGKILL at a random point and checks that every write the child
 * had acknowledged (printed after its commit returned) is there after reopening.
 */
class LmdbCrashTest {
  private static final Duration LINE_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path root;

  @Test
  void everyAcknowledgedSyncWriteSurvivesSigkill() throws Exception {
    Random random = new Random(20261124L);
    for (int iteration = 0; iteration < 3; iteration++) {
      Path dir = root.resolve("node-" + iteration);
      int killAfter = 200 + random.nextInt(1800);
      List<String> acknowledged = new ArrayList<>();
      try (ChildJvm child = ChildJvm.start(true, "write", dir.toString(), "100000")) {
        while (acknowledged.size() < killAfter) {
          String line = child.nextLine(LINE_TIMEOUT);
          assertThat(line).as("child ended early after %s keys", acknowledged.size()).isNotNull();
          acknowledged.add(line);
        }
        child.kill();
        acknowledged.addAll(child.drain(LINE_TIMEOUT));
      }
      assertThat(acknowledged).doesNotContain("DONE");
      try (StorageEngine engine = new LmdbStorageEngineFactory().open(dir)) {
        Keyspace data = engine.keyspace(StorageEngine.DATA);
        Keyspace hints = engine.keyspace(StorageEngine.HINTS);
        for (String key : acknowledged) {
          byte[] k = key.getBytes(UTF_8);
          assertThat(data.get(k)).as("acknowledged %s in data", key).isEqualTo(k);
          if (key.startsWith("b")) {
            assertThat(hints.get(k)).as("acknowledged batch %s in hints", key).isEqualTo(k);
          }
        }
        // Whatever survived beyond the acknowledged keys is whole: no batch half applied.
        List<String> batchesInData = new ArrayList<>();
        data.scan(null, null, (k, v) -> batchesInData.add(ChildJvm.utf8(k)));
        for (String key : batchesInData) {
          if (key.startsWith("b")) {
            assertThat(hints.get(key.getBytes(UTF_8))).as("batch %s whole", key).isNotNull();
          }
        }
        assertThat(batchesInData.size()).isGreaterThanOrEqualTo(acknowledged.size());
      }
    }
  }
}
