/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.lmdb;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.dynamokv.core.spi.StorageEngine;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Binds {@link StorageEngine} to one LMDB engine on a directory, opened once (singleton) by {@link
 * LmdbStorageEngineFactory} when first injected. Whoever owns the injector closes the engine.
 */
public final class LmdbStorageModule extends AbstractModule {
  private final Path directory;
  private final LmdbStorageEngineFactory.Options options;

  public LmdbStorageModule(Path directory) {
    this(directory, LmdbStorageEngineFactory.Options.defaults());
  }

  public LmdbStorageModule(Path directory, LmdbStorageEngineFactory.Options options) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.options = Objects.requireNonNull(options, "options");
  }

  @Provides
  @Singleton
  StorageEngine storageEngine() {
    return new LmdbStorageEngineFactory(options).open(directory);
  }
}
