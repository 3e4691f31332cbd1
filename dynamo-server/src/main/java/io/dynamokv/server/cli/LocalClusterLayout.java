/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.dynamokv.server.config.ServerConfig.Engine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the nodes of a local cluster live: ids {@code n1..nN} on loopback, their ports (client,
 * peer and metrics), directories and configuration files, and the cluster's secret and admin token.
 * Seeds name peer ports. Seeds are the first three nodes; the {@code default} store has N = min(3,
 * nodes) and majority quorums, so a cluster of one or two nodes can still write.
 *
 * @param dataDir the cluster's directory; node {@code nI} lives in {@code dataDir/nI}
 * @param engine every node's storage engine
 * @param nodes the nodes, in id order
 */
record LocalClusterLayout(Path dataDir, Engine engine, List<NodeSpec> nodes) {
  static final String HOST = "127.0.0.1";
  private static final int MAX_SEEDS = 3;

  LocalClusterLayout {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(engine, "engine");
    nodes = List.copyOf(nodes);
  }

  /** One node: its id, client port, peer port and metrics port. */
  record NodeSpec(String id, int port, int peerPort, int metricsPort) {}

  /**
   * Plans {@code count} nodes. With {@code basePort} 0 every port is a free ephemeral one;
   * otherwise node {@code i} (from 0) gets the client port {@code basePort + i}, the peer port
   * {@code basePort + 100 + i} and metrics {@code basePort + 1000 + i}.
   */
  static LocalClusterLayout plan(Path dataDir, Engine engine, int count, int basePort)
      throws IOException {
    List<Integer> ports = basePort == 0 ? freePorts(3 * count) : null;
    List<NodeSpec> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int port = basePort == 0 ? ports.get(i) : basePort + i;
      int peer = basePort == 0 ? ports.get(count + i) : basePort + 100 + i;
      int metrics = basePort == 0 ? ports.get(2 * count + i) : basePort + 1000 + i;
      nodes.add(new NodeSpec("n" + (i + 1), port, peer, metrics));
    }
    return new LocalClusterLayout(dataDir, engine, nodes);
  }

  /** Distinct ports free on loopback right now (all held open together so none repeats). */
  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST));
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  Path nodeDir(NodeSpec node) {
    return dataDir.resolve(node.id());
  }

  /** The cluster secret every node of the local cluster shares. */
  Path secretFile() {
    return dataDir.resolve("cluster.secret");
  }

  /** The admin token of {@link #secretFile()}, which {@code leave} and {@code remove} need. */
  Path adminTokenFile() {
    return dataDir.resolve("admin.token");
  }

  Path configFile(NodeSpec node) {
    return nodeDir(node).resolve("dynamo.conf");
  }

  Path logFile(NodeSpec node) {
    return nodeDir(node).resolve("node.log");
  }

  /** The node's client address: what applications and the data commands use. */
  String address(NodeSpec node) {
    return HOST + ":" + node.port();
  }

  /** The node's peer address: what seeds and other nodes use. */
  String peerAddress(NodeSpec node) {
    return HOST + ":" + node.peerPort();
  }

  String metricsUrl(NodeSpec node) {
    return "http://" + HOST + ":" + node.metricsPort();
  }

  /** The node's configuration file, in HOCON. */
  String configText(NodeSpec node) {
    int n = Math.min(3, nodes.size());
    int quorum = n / 2 + 1;
    Map<String, Object> nodeSection = new LinkedHashMap<>();
    nodeSection.put("id", node.id());
    nodeSection.put("host", HOST);
    nodeSection.put("port", node.port());
    nodeSection.put("data-dir", nodeDir(node).resolve("data").toString());
    Map<String, Object> store = new LinkedHashMap<>();
    store.put("name", "default");
    store.put("replicas", n);
    store.put("read-quorum", quorum);
    store.put("write-quorum", quorum);
    Map<String, Object> dynamo = new LinkedHashMap<>();
    dynamo.put("node", nodeSection);
    dynamo.put("peer", Map.of("port", node.peerPort()));
    dynamo.put("storage", Map.of("engine", engine.configName()));
    dynamo.put(
        "cluster",
        Map.of(
            "seeds",
            nodes.stream().limit(MAX_SEEDS).map(s -> s.id() + "@" + peerAddress(s)).toList(),
            "secret-file",
            secretFile().toString()));
    // n1 founds the cluster; the others wait as STANDBY until local-cluster joins them.
    dynamo.put("membership", Map.of("join-at-start", false));
    dynamo.put("metrics", Map.of("host", HOST, "port", node.metricsPort()));
    dynamo.put("stores", List.of(store));
    String body =
        ConfigValueFactory.fromMap(Map.of("dynamo", dynamo))
            .render(
                ConfigRenderOptions.defaults()
                    .setOriginComments(false)
                    .setComments(false)
                    .setJson(false)
                    .setFormatted(true));
    return "# Written by 'dynamo local-cluster' at every start; settings not here keep the defaults\n"
        + "# of reference.conf (docs/configuration.md).\n"
        + body;
  }
}
