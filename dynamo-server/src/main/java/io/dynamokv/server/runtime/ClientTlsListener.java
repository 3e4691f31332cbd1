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
 * cannot be used) and starts the {@link TlsClientServer} as the node's client listener ({@code
 * dynamo.node.port}) with the limits of {@code dynamo.thrift}.
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

  /**
   * The client listener's settings with TLS: {@code dynamo.node.host:port}, {@code dynamo.thrift}.
   */
  static TlsClientServerConfig listener(ServerConfig config) {
    ServerConfig.Thrift limits = config.thrift();
    return TlsClientServerConfig.builder(config.node().host(), config.node().port())
        .maxConnections(limits.maxConnections())
        .idleTimeout(limits.idleTimeout())
        .maxFrameBytes(limits.maxFrameBytes())
        .maxStringBytes(limits.maxFrameBytes())
        .maxReadBufferBytes(limits.maxReadBufferBytes())
        .frameReadTimeout(limits.frameReadTimeout())
        .shutdownGrace(limits.shutdownGrace())
        .build();
  }

  /**
   * Starts the TLS client listener.
   *
   * @throws IOException when the client port cannot be bound
   */
  static TlsClientServer start(
      ServerConfig config, TlsContext tls, DynamoService.AsyncIface service) throws IOException {
    try {
      return TlsClientServer.start(listener(config), tls, service);
    } catch (ThriftServer.PortUnavailableException e) {
      throw new IOException(
          "cannot open the client port (dynamo.node.port, TLS) "
              + config.node().bindAddress()
              + ": "
              + e.getMessage(),
          e);
    }
  }
}
