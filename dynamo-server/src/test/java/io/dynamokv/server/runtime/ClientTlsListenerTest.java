/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.transport.thrift.server.TlsClientServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With {@code dynamo.thrift.tls} on, the TLS listener is the client listener, with its limits. */
class ClientTlsListenerTest {
  @TempDir Path dir;

  @Test
  void theTlsListenerTakesTheClientPortAndTheLimitsOfDynamoThrift() {
    ServerConfig config =
        ConfigLoader.isolated(dir)
            .withSets(
                List.of(
                    "dynamo.node.id=n1",
                    "dynamo.node.port=7100",
                    "dynamo.thrift.tls.enabled=true",
                    "dynamo.thrift.tls.key-store=node.p12",
                    "dynamo.thrift.max-connections=64",
                    "dynamo.thrift.idle-timeout=30s",
                    "dynamo.thrift.frame-read-timeout=3s",
                    "dynamo.thrift.max-frame-bytes=32 MiB"))
            .load();
    TlsClientServerConfig listener = ClientTlsListener.listener(config);
    assertThat(listener.bind().getPort()).isEqualTo(7100);
    assertThat(listener.bind().getHostString()).isEqualTo("127.0.0.1");
    assertThat(listener.maxConnections()).isEqualTo(64);
    assertThat(listener.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(listener.frameReadTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(listener.maxFrameBytes()).isEqualTo(32 << 20);
    assertThat(listener.maxReadBufferBytes()).isEqualTo(config.thrift().maxReadBufferBytes());
  }
}
