/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.storage.bdb.BdbStorageModule;
import io.dynamokv.storage.lmdb.LmdbStorageModule;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The server's Guice wiring: binds {@link ServerConfig} and the {@link TransportFactory}, and
 * installs the storage module {@code dynamo.storage.engine} names ({@link LmdbStorageModule},
 * {@link BdbStorageModule} or an in-memory engine), each of which binds a singleton {@link
 * StorageEngine} opened on first injection in {@code <data-dir>/<engine>}. The injector's owner
 * closes the engine.
 */
public final class ServerModule extends AbstractModule {
  private final ServerConfig config;
  private final TransportFactory transports;

  public ServerModule(ServerConfig config, TransportFactory transports) {
    this.config = Objects.requireNonNull(config, "config");
    this.transports = Objects.requireNonNull(transports, "transports");
  }

  @Override
  protected void configure() {
    bind(ServerConfig.class).toInstance(config);
    bind(TransportFactory.class).toInstance(transports);
    install(storageModule(config));
  }

  /** The module binding {@link StorageEngine} for {@code config}'s engine. */
  static Module storageModule(ServerConfig config) {
    ServerConfig.Storage storage = config.storage();
    Path directory = storage.directory(config.node().dataDir());
    return switch (storage.engine()) {
      case LMDB -> new LmdbStorageModule(directory, storage.lmdb());
      case BDB -> new BdbStorageModule(directory, storage.bdb());
      case MEMORY -> new MemoryStorageModule();
    };
  }

  /** An in-memory engine: nothing survives the process. */
  private static final class MemoryStorageModule extends AbstractModule {
    @Provides
    @Singleton
    StorageEngine storageEngine() {
      return MemoryStorageEngine.create();
    }
  }
}
