/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.server.config.ClientTls;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.transport.thrift.TlsContext;
import io.dynamokv.transport.thrift.TlsSettings;
import io.dynamokv.transport.thrift.gen.DynamoService;
import io.dynamokv.transport.thrift.server.ThriftServer;
import io.dynamokv.transport.thrift.server.TlsClientServer;
import io.dynamokv.transport.thrift.server.TlsClientServerConfig;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code dynamo.thrift.tls} at run time: reads the stores (naming the setting to change when one
 * cannot be used), starts the {@link TlsClientServer} and gives the plain port its client service.
 */
final class ClientTlsListener {
  private static final String PREFIX = "dynamo.thrift.tls.";

  private ClientTlsListener() {}

  /** The problem with the stores of an enabled configuration, one line naming the setting. */
  static Optional<String> check(ServerConfig config) {
    if (!config.clientTls().enabled()) {
      return Optional.empty();
    }
    try {
      load(config.clientTls());
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * Reads the stores.
   *
   * @throws IllegalArgumentException naming the setting when a store cannot be used
   */
  static TlsContext load(ClientTls tls) {
    TlsSettings settings =
        new TlsSettings(
            new TlsSettings.Store(tls.keyStore(), tls.keyStorePassword(), tls.keyStoreType()),
            tls.trustStore() == null
                ? null
                : new TlsSettings.Store(
                    tls.trustStore(), tls.trustStorePassword(), tls.trustStoreType()),
            tls.protocols());
    try {
      return settings.load();
    } catch (TlsSettings.InvalidException e) {
      String setting =
          switch (e.part()) {
            case KEY_STORE -> "key-store";
            case KEY_STORE_PASSWORD -> "key-store-password";
            case TRUST_STORE -> "trust-store";
            case TRUST_STORE_PASSWORD -> "trust-store-password";
            case PROTOCOLS -> "protocols";
          };
      throw new IllegalArgumentException(PREFIX + setting + ": " + e.getMessage(), e);
    }
  }

  /** What the plain port serves clients: {@code service}, or a refusal when TLS is on. */
  static DynamoService.AsyncIface plainPort(ServerConfig config, DynamoService.AsyncIface service) {
    return config.clientTls().enabled()
        ? TlsClientServer.refusingPlaintext(config.clientTls().port())
        : service;
  }

  /**
   * Starts the TLS listener when enabled, with the plain port's frame and buffer limits.
   *
   * @return the server, or null when TLS is off
   * @throws IOException when the TLS port cannot be bound
   */
  static TlsClientServer start(
      ServerConfig config, TlsContext tls, DynamoService.AsyncIface service) throws IOException {
    ClientTls settings = config.clientTls();
    if (!settings.enabled()) {
      return null;
    }
    ServerConfig.Thrift limits = config.thrift();
    TlsClientServerConfig serverConfig =
        TlsClientServerConfig.builder(config.node().host(), settings.port())
            .maxConnections(settings.maxConnections())
            .idleTimeout(settings.idleTimeout())
            .maxFrameBytes(limits.maxFrameBytes())
            .maxStringBytes(limits.maxFrameBytes())
            .maxReadBufferBytes(limits.maxReadBufferBytes())
            .frameReadTimeout(limits.frameReadTimeout())
            .shutdownGrace(limits.shutdownGrace())
            .build();
    try {
      return TlsClientServer.start(serverConfig, tls, service);
    } catch (ThriftServer.PortUnavailableException e) {
      throw new IOException(PREFIX + "port: " + e.getMessage(), e);
    }
  }
}
