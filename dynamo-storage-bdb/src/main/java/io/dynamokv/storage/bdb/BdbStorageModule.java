/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.dynamokv.core.spi.StorageEngine;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Binds {@link StorageEngine} to one BerkeleyDB JE engine on a directory, as a singleton opened on
 * first injection. Installing this module instead of another storage module picks the backend. The
 * injector's owner closes the engine on shutdown.
 */
public final class BdbStorageModule extends AbstractModule {
  private final Path directory;
  private final BdbStorageEngineFactory.Options options;

  public BdbStorageModule(Path directory, BdbStorageEngineFactory.Options options) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.options = Objects.requireNonNull(options, "options");
  }

  public BdbStorageModule(Path directory) {
    this(directory, BdbStorageEngineFactory.Options.defaults());
  }

  @Provides
  @Singleton
  StorageEngine storageEngine() {
    return new BdbStorageEngineFactory(options).open(directory);
  }
}
