/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.StorageEngineContract;
import java.nio.file.Path;

class BdbStorageEngineContractTest extends StorageEngineContract {
  @Override
  protected StorageEngine open(Path directory) {
    return new BdbStorageEngineFactory(
            BdbStorageEngineFactory.Options.builder().cacheBytes(16L << 20).build())
        .open(directory);
  }

  @Override
  protected boolean persistent() {
    return true;
  }
}
