/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The state file {@code local-cluster} writes (JSON) so that the data commands find the cluster
 * without {@code --address}: the supervisor's pid, where the admin token is, and each node's
 * addresses, pid and files. It is deleted when the cluster stops.
 *
 * @param supervisorPid the {@code local-cluster} process
 * @param dataDir the cluster's data directory
 * @param adminTokenFile the file holding the cluster's admin token ({@code leave}, {@code remove})
 * @param nodes the nodes, in id order
 */
public record ClusterFile(long supervisorPid, Path dataDir, Path adminTokenFile, List<Node> nodes) {
  public ClusterFile {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(adminTokenFile, "adminTokenFile");
    nodes = List.copyOf(nodes);
  }

  /**
   * One node.
   *
   * @param id node id
   * @param address its client {@code host:port} (what the data commands use)
   * @param peerAddress its peer {@code host:port} (what seeds and other nodes use)
   * @param metricsUrl base URL of its metrics endpoint ({@code http://host:port})
   * @param pid its process
   * @param config its configuration file
   * @param log its log file
   */
  public record Node(
      String id,
      String address,
      String peerAddress,
      String metricsUrl,
      long pid,
      Path config,
      Path log) {
    public Node {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(peerAddress, "peerAddress");
      Objects.requireNonNull(metricsUrl, "metricsUrl");
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(log, "log");
    }
  }

  /** {@code ${java.io.tmpdir}/dynamo-local-cluster}: local-cluster's default data directory. */
  public static Path defaultDataDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "dynamo-local-cluster");
  }

  /** {@code ${java.io.tmpdir}/dynamo-local-cluster/cluster.json}, whatever the data directory. */
  public static Path defaultPath() {
    return defaultDataDir().resolve("cluster.json");
  }

  /** Whether the supervisor that wrote this file still runs. */
  public boolean running() {
    return ProcessHandle.of(supervisorPid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Writes the file atomically (a temporary file renamed over it). */
  public void write(Path file) throws IOException {
    List<Object> nodeMaps = new ArrayList<>();
    for (Node n : nodes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", n.id());
      m.put("address", n.address());
      m.put("peer-address", n.peerAddress());
      m.put("metrics", n.metricsUrl());
      m.put("pid", n.pid());
      m.put("config", n.config().toString());
      m.put("log", n.log().toString());
      nodeMaps.add(m);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("supervisor-pid", supervisorPid);
    root.put("data-dir", dataDir.toString());
    root.put("admin-token-file", adminTokenFile.toString());
    root.put("nodes", nodeMaps);
    String json =
        ConfigValueFactory.fromMap(root)
            .render(ConfigRenderOptions.concise().setFormatted(true).setJson(true));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, json + "\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Reads {@code file}.
   *
   * @return empty when there is no such file
   * @throws CliException when the file is not a cluster file
   */
  public static Optional<ClusterFile> read(Path file) {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      Config c =
          ConfigFactory.parseFile(
              file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
      List<Node> nodes = new ArrayList<>();
      for (Config n : c.getConfigList("nodes")) {
        nodes.add(
            new Node(
                n.getString("id"),
                n.getString("address"),
                n.getString("peer-address"),
                n.getString("metrics"),
                n.getLong("pid"),
                Path.of(n.getString("config")),
                Path.of(n.getString("log"))));
      }
      return Optional.of(
          new ClusterFile(
              c.getLong("supervisor-pid"),
              Path.of(c.getString("data-dir")),
              Path.of(c.getString("admin-token-file")),
              nodes));
    } catch (ConfigException e) {
      throw new CliException(
          ExitCodes.USAGE, file + " is not a local-cluster state file: " + e.getMessage());
    }
  }
}
