/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.StorageEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BdbStorageModuleTest {
  @TempDir Path directory;

  @Test
  void bindsOneEngineOnTheDirectory() {
    Injector injector =
        Guice.createInjector(
            new BdbStorageModule(
                directory,
                BdbStorageEngineFactory.Options.builder()
                    .cacheBytes(16L << 20)
                    .durability(Durability.SYNC)
                    .build()));
    StorageEngine engine = injector.getInstance(StorageEngine.class);
    try {
      assertThat(injector.getInstance(StorageEngine.class)).isSameAs(engine);
      assertThat(engine.describe()).isEqualTo("bdb at " + directory);
      assertThat(engine.durability()).isEqualTo(Durability.SYNC);
      engine.keyspace(StorageEngine.DATA).put("k".getBytes(UTF_8), "v".getBytes(UTF_8));
    } finally {
      engine.close();
    }
  }
}
