/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.transport.thrift.WireLimits;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ThriftServer}. Every limit exists so that no client, however broken or
 * hostile, can make the server allocate without bound or starve other clients.
 *
 * @param bind the address to listen on; port 0 picks a free port
 * @param selectorThreads threads that read and write frames and dispatch requests
 * @param workerThreads (client listener only) 0 dispatches on the selector threads (handlers never
 *     block: the node does its work on its own scheduler); more moves decoding and dispatch to a
 *     pool
 * @param maxFrameBytes largest request frame; a connection announcing more is closed
 * @param maxReadBufferBytes memory all connections together may hold in frames being read; above it
 *     the client listener pauses reads (rather than allocate), the peer listener closes the
 *     connection whose frame would not fit
 * @param maxConnections open connections; further ones are closed on accept
 * @param maxStringBytes largest string field within a frame (libthrift applies it to strings only;
 *     binary fields are bounded by the rest of their frame)
 * @param maxContainerElements largest list, set or map within a frame
 * @param shutdownGrace on close, how long in-flight requests may take to finish
 * @param frameReadTimeout how long a request frame may take to arrive once its buffer is allocated;
 *     a connection over it is closed, so that stalled clients cannot hold {@code
 *     maxReadBufferBytes} and starve the others
 * @param idleTimeout how long a connection may go without a request before it is closed, so that
 *     idle connections cannot fill {@code maxConnections}; clients that keep connections pooled
 *     must drop them sooner (the peer transport retires pooled connections after half of it)
 */
public record ThriftServerConfig(
    InetSocketAddress bind,
    int selectorThreads,
    int workerThreads,
    int maxFrameBytes,
    long maxReadBufferBytes,
    int maxConnections,
    int maxStringBytes,
    int maxContainerElements,
    Duration shutdownGrace,
    Duration frameReadTimeout,
    Duration idleTimeout) {

  public static final int DEFAULT_MAX_FRAME_BYTES = WireLimits.DEFAULT_MAX_FRAME_BYTES;
  public static final long DEFAULT_MAX_READ_BUFFER_BYTES = 256L * 1024 * 1024;
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;
  public static final Duration DEFAULT_FRAME_READ_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

  public ThriftServerConfig {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    positive("selectorThreads", selectorThreads);
    if (workerThreads < 0) {
      throw new IllegalArgumentException("workerThreads must be >= 0, found " + workerThreads);
    }
    if (maxFrameBytes < 1024) {
      throw new IllegalArgumentException("maxFrameBytes must be >= 1024, found " + maxFrameBytes);
    }
    if (maxReadBufferBytes < maxFrameBytes) {
      throw new IllegalArgumentException(
          "maxReadBufferBytes ("
              + maxReadBufferBytes
              + ") must be at least maxFrameBytes ("
              + maxFrameBytes
              + ")");
    }
    positive("maxConnections", maxConnections);
    positive("maxStringBytes", maxStringBytes);
    positive("maxContainerElements", maxContainerElements);
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdownGrace must not be negative");
    }
    Objects.requireNonNull(frameReadTimeout, "frameReadTimeout");
    if (frameReadTimeout.isNegative() || frameReadTimeout.isZero()) {
      throw new IllegalArgumentException(
          "frameReadTimeout must be positive, found " + frameReadTimeout);
    }
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be positive, found " + idleTimeout);
    }
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, found " + value);
    }
  }

  /** Defaults for a server on {@code host:port}. */
  public static Builder builder(String host, int port) {
    return new Builder(new InetSocketAddress(host, port));
  }

  /** Defaults on a free loopback port (for tests and local clusters). */
  public static ThriftServerConfig loopback() {
    return builder("127.0.0.1", 0).build();
  }

  /** Builds a {@link ThriftServerConfig}, starting from the defaults. */
  public static final class Builder {
    private final InetSocketAddress bind;
    private int selectorThreads = 2;
    private int workerThreads = 0;
    private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
    private long maxReadBufferBytes = DEFAULT_MAX_READ_BUFFER_BYTES;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxStringBytes = DEFAULT_MAX_FRAME_BYTES;
    private int maxContainerElements = 100_000;
    private Duration shutdownGrace = Duration.ofSeconds(5);
    private Duration frameReadTimeout = DEFAULT_FRAME_READ_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

    private Builder(InetSocketAddress bind) {
      this.bind = bind;
    }

    public Builder selectorThreads(int n) {
      this.selectorThreads = n;
      return this;
    }

    public Builder workerThreads(int n) {
      this.workerThreads = n;
      return this;
    }

    public Builder maxFrameBytes(int bytes) {
      this.maxFrameBytes = bytes;
      return this;
    }

    public Builder maxReadBufferBytes(long bytes) {
      this.maxReadBufferBytes = bytes;
      return this;
    }

    public Builder maxConnections(int n) {
      this.maxConnections = n;
      return this;
    }

    public Builder maxStringBytes(int bytes) {
      this.maxStringBytes = bytes;
      return this;
    }

    public Builder maxContainerElements(int n) {
      this.maxContainerElements = n;
      return this;
    }

    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = grace;
      return this;
    }

    public Builder frameReadTimeout(Duration timeout) {
      this.frameReadTimeout = timeout;
      return this;
    }

    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    public ThriftServerConfig build() {
      return new ThriftServerConfig(
          bind,
          selectorThreads,
          workerThreads,
          maxFrameBytes,
          maxReadBufferBytes,
          maxConnections,
          maxStringBytes,
          maxContainerElements,
          shutdownGrace,
          frameReadTimeout,
          idleTimeout);
    }
  }
}
