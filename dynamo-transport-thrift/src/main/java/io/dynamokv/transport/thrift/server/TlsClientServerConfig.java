/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.server;

import io.dynamokv.transport.thrift.WireLimits;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link TlsClientServer}. It serves each connection on a thread of its own, so
 * {@code maxConnections} also bounds its threads.
 *
 * @param bind the address to listen on; port 0 picks a free port
 * @param maxConnections open connections (and so worker threads); further ones are closed on accept
 * @param maxFrameBytes largest request frame; a connection announcing more is closed
 * @param maxReadBufferBytes memory all connections together may hold in frames being read; a
 *     connection that cannot get its frame's share within {@code frameReadTimeout} is closed
 * @param maxStringBytes largest string field within a frame
 * @param maxContainerElements largest list, set or map within a frame
 * @param frameReadTimeout how long the TLS handshake, and each request frame once it has begun, may
 *     take; slower connections are closed
 * @param idleTimeout how long a connection may wait between requests before it is closed
 * @param answerTimeout how long a worker waits for the node's answer beyond the request's own
 *     timeout; then it answers an internal error
 * @param shutdownGrace on close, how long requests already read may take to be answered
 */
public record TlsClientServerConfig(
    InetSocketAddress bind,
    int maxConnections,
    int maxFrameBytes,
    long maxReadBufferBytes,
    int maxStringBytes,
    int maxContainerElements,
    Duration frameReadTimeout,
    Duration idleTimeout,
    Duration answerTimeout,
    Duration shutdownGrace) {

  public static final int DEFAULT_MAX_CONNECTIONS = 256;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

  public TlsClientServerConfig {
    Objects.requireNonNull(bind, "bind");
    if (maxConnections <= 0) {
      throw new IllegalArgumentException(
          "maxConnections must be positive, found " + maxConnections);
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
    if (maxStringBytes <= 0 || maxContainerElements <= 0) {
      throw new IllegalArgumentException(
          "maxStringBytes and maxContainerElements must be positive");
    }
    positive("frameReadTimeout", frameReadTimeout);
    positive("idleTimeout", idleTimeout);
    positive("answerTimeout", answerTimeout);
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdownGrace must not be negative");
    }
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, found " + d);
    }
  }

  /** Defaults for a server on {@code host:port}. */
  public static Builder builder(String host, int port) {
    return new Builder(new InetSocketAddress(host, port));
  }

  /** Builds a {@link TlsClientServerConfig}, starting from the defaults. */
  public static final class Builder {
    private final InetSocketAddress bind;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxFrameBytes = WireLimits.DEFAULT_MAX_FRAME_BYTES;
    private long maxReadBufferBytes = ThriftServerConfig.DEFAULT_MAX_READ_BUFFER_BYTES;
    private int maxStringBytes = WireLimits.DEFAULT_MAX_FRAME_BYTES;
    private int maxContainerElements = 100_000;
    private Duration frameReadTimeout = ThriftServerConfig.DEFAULT_FRAME_READ_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration answerTimeout = Duration.ofSeconds(10);
    private Duration shutdownGrace = Duration.ofSeconds(5);

    private Builder(InetSocketAddress bind) {
      this.bind = bind;
    }

    public Builder maxConnections(int n) {
      this.maxConnections = n;
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

    public Builder maxStringBytes(int bytes) {
      this.maxStringBytes = bytes;
      return this;
    }

    public Builder maxContainerElements(int n) {
      this.maxContainerElements = n;
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

    public Builder answerTimeout(Duration timeout) {
      this.answerTimeout = timeout;
      return this;
    }

    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = grace;
      return this;
    }

    public TlsClientServerConfig build() {
      return new TlsClientServerConfig(
          bind,
          maxConnections,
          maxFrameBytes,
          maxReadBufferBytes,
          maxStringBytes,
          maxContainerElements,
          frameReadTimeout,
          idleTimeout,
          answerTimeout,
          shutdownGrace);
    }
  }
}
