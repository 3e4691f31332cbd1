/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import org.apache.thrift.TConfiguration;
import org.apache.thrift.transport.TTransport;

/**
 * A {@link TTransport} over memory rather than a socket, for running a protocol over bytes already
 * at hand (or only counted): always open, nothing to open or close, default limits of its own.
 * Subclasses implement {@link #read} and {@link #write}.
 */
public abstract class InMemoryTransport extends TTransport {
  // Its own: a framed transport over this one sets its frame limit here, and the shared
  // TConfiguration.DEFAULT would carry one server's limit to every other.
  private final TConfiguration configuration = new TConfiguration();

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void open() {}

  @Override
  public void close() {}

  @Override
  public TConfiguration getConfiguration() {
    return configuration;
  }

  @Override
  public void updateKnownMessageSize(long size) {}

  @Override
  public void checkReadBytesAvailable(long numBytes) {}
}
