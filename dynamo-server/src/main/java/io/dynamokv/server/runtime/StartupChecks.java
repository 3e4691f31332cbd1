/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.server.config.Heap;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.config.Sizes;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a valid configuration still needs from the machine before a node starts: a data directory it
 * can create and write, a cluster secret it can read (or, alone, make), a place for its lease file,
 * and free ports. Each problem is one line naming the setting to change.
 *
 * <p>A port is checked by binding it (with {@code SO_REUSEADDR}, as servers do, so connections of a
 * previous run lingering in TIME_WAIT do not count) and releasing it at once; another process may
 * still take it before the node binds it.
 */
public final class StartupChecks {
  private StartupChecks() {}

  /** Every problem found; empty when the node may start. Creates the data directory. */
  public static List<String> run(ServerConfig config) {
    List<String> problems = new ArrayList<>();
    if (config.storage().engine() != ServerConfig.Engine.MEMORY) {
      dataDirectory(config.node().dataDir()).ifPresent(problems::add);
    }
    SecretFile.check(config).ifPresent(problems::add);
    leaseFile(config.node().leaseFile()).ifPresent(problems::add);
    port("dynamo.node", "client port", config.node().host(), config.node().port())
        .ifPresent(problems::add);
    port("dynamo.peer", "peer port", config.peer().host(), config.peer().port())
        .ifPresent(problems::add);
    readBuffers(config.thrift(), Heap.maxBytes()).ifPresent(problems::add);
    peerReadBuffers(config, Heap.maxBytes()).ifPresent(problems::add);
    ClientTlsListener.check(config).ifPresent(problems::add);
    ServerConfig.Metrics metrics = config.metrics();
    if (metrics.enabled() && metrics.port() != 0) {
      port("dynamo.metrics", "metrics port", metrics.host(), metrics.port())
          .ifPresent(problems::add);
    }
    return problems;
  }

  /**
   * What may work but is likely not what the operator meant; each is one line. Today: a store whose
   * N exceeds the nodes this node knows of (itself and its seeds). More nodes may join through
   * other seeds, so this is a warning, not a problem: until then, writes to that store and reads
   * needing more replicas than there are nodes fail with "too few owners".
   */
  public static List<String> warnings(ServerConfig config) {
    Set<String> known = new TreeSet<>();
    known.add(config.node().id().toString());
    config.cluster().seeds().forEach(seed -> known.add(seed.id().toString()));
    List<String> warnings = new ArrayList<>();
    for (StoreDefinition store : config.stores()) {
      if (store.replicationFactor() > known.size()) {
        warnings.add(
            "store "
                + store.name()
                + " keeps N="
                + store.replicationFactor()
                + " replicas (R="
                + store.readQuorum()
                + ", W="
                + store.writeQuorum()
                + ") but this node and its seeds are "
                + known.size()
                + " node(s) "
                + known
                + ": until "
                + store.replicationFactor()
                + " nodes have joined, requests needing more replicas than there are nodes fail"
                + " (list more nodes in dynamo.cluster.seeds, or lower the store's replicas)");
      }
    }
    return warnings;
  }

  /**
   * Checks the read-buffer budget against the heap: frames being read live in heap arrays, and a
   * budget over half the heap lets clients sending large frames (or stalling in them) starve the
   * node of memory.
   */
  static Optional<String> readBuffers(ServerConfig.Thrift thrift, long maxHeapBytes) {
    long budget = thrift.maxReadBufferBytes();
    if (budget <= maxHeapBytes / 2) {
      return Optional.empty();
    }
    String advice =
        thrift.maxFrameBytes() <= maxHeapBytes / 2
            ? "lower it to at most " + Sizes.format(maxHeapBytes / 2) + " (or set it to auto)"
            : "lower dynamo.thrift.max-frame-bytes too ("
                + Sizes.format(thrift.maxFrameBytes())
                + " now)";
    return Optional.of(
        "dynamo.thrift.max-read-buffer-bytes: "
            + Sizes.format(budget)
            + " is more than half of the "
            + Sizes.format(maxHeapBytes)
            + " heap; "
            + advice
            + ", or give the node a larger heap (-Xmx in DYNAMO_JAVA_OPTS)");
  }

  /**
   * Checks the two listeners' read-buffer budgets together against the heap, as {@link
   * #readBuffers} checks the client listener's alone.
   */
  static Optional<String> peerReadBuffers(ServerConfig config, long maxHeapBytes) {
    long client = config.thrift().maxReadBufferBytes();
    long peer = config.peer().maxReadBufferBytes();
    if (client > maxHeapBytes / 2 || client + peer <= maxHeapBytes / 2) {
      return Optional.empty(); // the first is readBuffers' problem
    }
    return Optional.of(
        "dynamo.peer.max-read-buffer-bytes: "
            + Sizes.format(peer)
            + " with the client listener's "
            + Sizes.format(client)
            + " (dynamo.thrift.max-read-buffer-bytes) is more than half of the "
            + Sizes.format(maxHeapBytes)
            + " heap; lower them (or set both to auto), or give the node a larger heap (-Xmx in"
            + " DYNAMO_JAVA_OPTS)");
  }

  /** Creates {@code dir} (and its parents) and checks a file can be written in it. */
  static Optional<String> dataDirectory(Path dir) {
    String key = "dynamo.node.data-dir: ";
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException e) {
      return Optional.of(key + dir + " exists and is not a directory");
    } catch (IOException | SecurityException e) {
      return Optional.of(key + "cannot create " + dir + ": " + reason(e));
    }
    try {
      Path probe = Files.createTempFile(dir, ".write-check-", "");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      return Optional.of(key + dir + " is not writable by this process: " + reason(e));
    }
    return Optional.empty();
  }

  /** Whether the lease file's directory exists (or can be made) and is writable. */
  static Optional<String> leaseFile(Path file) {
    Path dir = file.getParent();
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".write-check-", "");
      Files.delete(probe);
      return Optional.empty();
    } catch (FileAlreadyExistsException e) {
      return Optional.of(
          "dynamo.node.lease-file: " + dir + " exists and is not a directory (for " + file + ")");
    } catch (IOException | SecurityException e) {
      return Optional.of(
          "dynamo.node.lease-file: cannot write in " + dir + " for " + file + ": " + reason(e));
    }
  }

  /**
   * Whether {@code host:port} can be bound; {@code section} names the settings to change, {@code
   * what} the port (e.g. "peer port").
   */
  static Optional<String> port(String section, String what, String host, int port) {
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return Optional.of(section + ".host: cannot resolve " + host);
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port));
      return Optional.empty();
    } catch (BindException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("in use")) {
        return Optional.of(
            section
                + ".port: the "
                + what
                + " "
                + port
                + " on "
                + host
                + " is already in use by another process; stop it or choose another port ("
                + section
                + ".port)");
      }
      return Optional.of(
          section
              + ".host: cannot listen on "
              + host
              + ":"
              + port
              + ": "
              + message
              + " (is the address on this machine? ports below 1024 need privileges)");
    } catch (IOException | SecurityException e) {
      return Optional.of(section + ": cannot listen on " + host + ":" + port + ": " + reason(e));
    }
  }

  private static String reason(Exception e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
