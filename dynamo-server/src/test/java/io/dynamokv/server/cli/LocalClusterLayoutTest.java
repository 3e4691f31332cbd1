/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.config.Seed;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.config.ServerConfig.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterLayoutTest {
  @TempDir Path dir;

  private ServerConfig load(LocalClusterLayout layout, int index) throws Exception {
    LocalClusterLayout.NodeSpec node = layout.nodes().get(index);
    Path file = Files.createDirectories(layout.nodeDir(node)).resolve("dynamo.conf");
    Files.writeString(file, layout.configText(node));
    return ConfigLoader.isolated(dir).withFile(file).load();
  }

  @Test
  void eachNodesConfigurationLoadsWithItsPortsSeedsAndStore() throws Exception {
    LocalClusterLayout layout = LocalClusterLayout.plan(dir.resolve("c d"), Engine.BDB, 5, 17000);

    ServerConfig n2 = load(layout, 1);

    assertThat(n2.node().id().value()).isEqualTo("n2");
    assertThat(n2.node().bindAddress()).hasToString("127.0.0.1:17001");
    assertThat(n2.peer().bindAddress()).hasToString("127.0.0.1:17101");
    assertThat(n2.metrics().port()).isEqualTo(18001);
    assertThat(n2.announcedAddress()).isEqualTo("client=127.0.0.1:17001,peer=127.0.0.1:17101");
    assertThat(n2.node().dataDir()).isEqualTo(dir.resolve("c d/n2/data"));
    assertThat(n2.storage().engine()).isEqualTo(Engine.BDB);
    assertThat(n2.cluster().seeds())
        .map(Seed::toString)
        .as("seeds name peer ports")
        .containsExactly("n1@127.0.0.1:17100", "n2@127.0.0.1:17101", "n3@127.0.0.1:17102");
    assertThat(n2.stores()).containsExactly(StoreDefinition.of("default", 3, 2, 2));
    assertThat(n2.joinAtStart()).as("local-cluster joins the STANDBY nodes itself").isFalse();
  }

  @Test
  void smallClustersGetAStoreTheyCanServe() throws Exception {
    assertThat(load(LocalClusterLayout.plan(dir, Engine.MEMORY, 1, 0), 0).stores())
        .containsExactly(StoreDefinition.of("default", 1, 1, 1));
    assertThat(load(LocalClusterLayout.plan(dir, Engine.MEMORY, 2, 0), 1).stores())
        .containsExactly(StoreDefinition.of("default", 2, 2, 2));
  }

  @Test
  void freePortsAreDistinct() throws Exception {
    LocalClusterLayout layout = LocalClusterLayout.plan(dir, Engine.LMDB, 4, 0);
    assertThat(
            layout.nodes().stream()
                .flatMap(n -> java.util.stream.Stream.of(n.port(), n.peerPort(), n.metricsPort()))
                .distinct()
                .count())
        .isEqualTo(12);
  }

  @Test
  void nodesGetTheUsersJavaOptionsAfterTheDefaults() {
    assertThat(LocalClusterCommand.nodeJvmOptions("256m", null))
        .containsExactly("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC");
    assertThat(LocalClusterCommand.nodeJvmOptions("256m", "  -Xmx1g -Dfoo=bar "))
        .containsExactly("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-Xmx1g", "-Dfoo=bar");
    assertThat(LocalClusterCommand.nodeJvmOptions("256m", "-XX:+UseG1GC -Xms512m"))
        .containsExactly("-Xms32m", "-Xmx256m", "-XX:+UseG1GC", "-Xms512m");
  }
}
