/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import com.google.inject.Guice;
import com.google.inject.ProvisionException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.handoff.HintId;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.node.Incarnation;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.runtime.ThreadScheduler;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.server.cluster.StoreCatalog;
import io.dynamokv.server.config.ServerConfig;
import io.dynamokv.server.console.StatusJson;
import io.dynamokv.server.metrics.MetricsHttpServer;
import io.dynamokv.server.metrics.NodeMetrics;
import io.dynamokv.transport.thrift.AddressBook;
import io.dynamokv.transport.thrift.NodeAddress;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node: its storage engine, scheduler, transport, {@link DynamoNode}, metrics and
 * metrics endpoint, started in that order from a validated {@link ServerConfig} and closed in the
 * reverse order.
 *
 * <p>{@link #serving()} is true from the end of {@link #start} until {@link #close()} begins; it
 * drives {@code /health}.
 *
 * <p>Thread-safe. {@link #close()} is idempotent and may be called from a shutdown hook.
 */
public final class NodeRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeRuntime.class);
  private static final Duration SCHEDULER_DRAIN = Duration.ofSeconds(5);
  private static final Duration START_PATIENCE = Duration.ofSeconds(30);

  private final ServerConfig config;
  private final DynamoNode node;
  private final NodeMetrics metrics;
  private final MetricsHttpServer metricsServer;
  private final Deque<Closing> closeOrder;
  private volatile boolean serving;
  private boolean closed;

  /** The node's status sections, then its transport's. */
  static List<StatusSection> sections(DynamoNode node, TransportFactory.Transport transport) {
    List<StatusSection> all = new ArrayList<>(node.status());
    all.addAll(transport.status());
    return all;
  }

  /**
   * What the console shows of {@code node}: its view, stores, ring, request meters and {@code
   * status} (its sections).
   */
  static StatusJson.Snapshot snapshot(
      DynamoNode node, NodeMetrics metrics, List<StatusSection> status) {
    MembershipView view = node.membership().view();
    Map<NodeId, String> clients = new TreeMap<>();
    Map<NodeId, String> peers = new TreeMap<>();
    for (MembershipView.Member m : view.members().values()) {
      try {
        NodeAddress address = NodeAddress.parse(m.address());
        clients.put(m.id(), AddressBook.hostPort(address.client()));
        peers.put(m.id(), AddressBook.hostPort(address.peer()));
      } catch (IllegalArgumentException e) {
        // shown as gossiped
      }
    }
    return new StatusJson.Snapshot(
        node.id(),
        System.currentTimeMillis(),
        view,
        node.config().stores().values(),
        node.ring().orElse(null),
        metrics.requests(),
        status,
        clients,
        peers);
  }

  private NodeRuntime(
      ServerConfig config,
      DynamoNode node,
      NodeMetrics metrics,
      MetricsHttpServer metricsServer,
      Deque<Closing> closeOrder) {
    this.config = config;
    this.node = node;
    this.metrics = metrics;
    this.metricsServer = metricsServer;
    this.closeOrder = closeOrder;
  }

  /**
   * Creates the data directory if needed, opens the configured engine (through {@link
   * ServerModule}) and starts the node on it.
   *
   * @throws io.dynamokv.core.spi.StorageException when the engine cannot be opened (a locked or
   *     unusable directory, missing JVM flags for LMDB)
   * @throws IOException when the transport or the metrics endpoint cannot bind its port
   */
  public static NodeRuntime start(ServerConfig config, TransportFactory transports)
      throws IOException {
    return start(config, transports, false);
  }

  /**
   * Like {@link #start(ServerConfig, TransportFactory)}; {@code newIncarnation} makes the node
   * start a new incarnation whatever its data directory says (after restoring it from a backup).
   */
  public static NodeRuntime start(
      ServerConfig config, TransportFactory transports, boolean newIncarnation) throws IOException {
    if (config.storage().engine() != ServerConfig.Engine.MEMORY) {
      // The engines create only their own directory, so a mistyped path fails loudly there.
      Files.createDirectories(config.node().dataDir());
    }
    StorageEngine storage;
    try {
      storage =
          Guice.createInjector(new ServerModule(config, transports))
              .getInstance(StorageEngine.class);
    } catch (ProvisionException e) {
      // Guice wraps what the engine factory threw; its own report adds nothing for users.
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
    return start(config, storage, transports, newIncarnation);
  }

  /**
   * Starts a node on {@code storage}, which the runtime then owns and closes (also when starting
   * fails).
   *
   * @throws IllegalArgumentException naming the setting when the node has no usable cluster secret
   */
  public static NodeRuntime start(
      ServerConfig config,
      StorageEngine storage,
      TransportFactory transports,
      boolean newIncarnation)
      throws IOException {
    Objects.requireNonNull(config, "config");
    Deque<Closing> opened = new ArrayDeque<>();
    // Writes a sync engine's group commits off the node's thread (unused otherwise). Closed after
    // the clean stop drained what it queued, before the engine; an engine whose writer is still
    // inside a write (a stuck disk) is left for the process exit to close.
    boolean[] writerStuck = new boolean[1];
    opened.push(
        new Closing(
            "storage engine",
            () -> {
              if (writerStuck[0]) {
                log.warn(
                    "node {}: a group commit is still writing; the storage engine is left open",
                    config.node().id());
              } else {
                storage.close();
              }
            }));
    // One thread: when the node is idle it also runs the callbacks of the group it wrote, so the
    // next group waits for them; a second thread measured more wake-ups per operation than it saved
    // (docs/benchmarks.md, group commit).
    ExecutorService commitWriter =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "dynamo-commit-" + config.node().id());
              t.setDaemon(true);
              return t;
            });
    opened.push(
        new Closing(
            "group-commit writer",
            () -> {
              commitWriter.shutdown();
              writerStuck[0] =
                  !commitWriter.awaitTermination(SCHEDULER_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
            }));
    // Pushed right after the engine and its writer, so it runs after the scheduler has drained
    // and before the engine closes: nothing writes any more when the clean stop is recorded.
    DynamoNode[] started = new DynamoNode[1];
    boolean[] drained = new boolean[1];
    opened.push(
        new Closing(
            "clean-stop record",
            () -> {
              if (started[0] != null && drained[0]) {
                started[0].recordCleanStop();
              } else if (started[0] != null) {
                log.warn(
                    "node {} did not drain its tasks in time: its stop is not recorded as clean,"
                        + " so its next start counts it as a crash",
                    config.node().id());
              }
            }));
    try {
      checkKeyLimits(config, storage);
      SecretFile.Loaded secret = SecretFile.load(config);
      if (secret.made()) {
        log.warn(
            "made a new cluster secret at {}: this node runs alone; give every node that joins"
                + " this cluster a copy and set dynamo.cluster.secret-file to it there",
            secret.path());
      } else if (SecretFile.readableByOthers(secret.path())) {
        log.warn(
            "the cluster secret {} is readable by other users than its owner; chmod 600 it",
            secret.path());
      }
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      opened.push(new Closing("meter registry", registry::close));
      NodeMetrics metrics = new NodeMetrics(registry, config.node().id()).bindStorage(storage);
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);

      ThreadScheduler scheduler =
          new ThreadScheduler(
              "dynamo-node-" + config.node().id(),
              e -> log.error("node task failed: {}", e.toString(), e),
              transports.schedulerRuns());
      opened.push(new Closing("scheduler", () -> drained[0] = scheduler.shutdown(SCHEDULER_DRAIN)));
      TransportFactory.Transport transport = transports.create(config, secret.secret());
      Closing closeTransport = new Closing("transport", transport);
      opened.push(closeTransport);
      DynamoNode node =
          DynamoNode.start(
              config.nodeConfig(secret.secret(), newIncarnation),
              Clock.system(),
              scheduler,
              RandomSource.unseeded(),
              transport.peers(),
              storage,
              new FileHost(config.node().leaseFile()),
              commitWriter);
      started[0] = node;
      logIncarnation(config, node);
      node.addEventListener(
          (store, key, siblings) ->
              log.error(
                  "store {} key {} holds two values under one dot: some node issued a dot twice"
                      + " (both are kept as siblings, nothing is lost); it must not happen, please"
                      + " report it with the nodes' logs",
                  store,
                  java.util.HexFormat.of().formatHex(key)));
      MembershipEventLog.attach(node.membership());
      HandoffEventLog.attach(node, scheduler, config.handoff().maxAge());
      // The transport closes before the node: it stops accepting and lets requests finish first.
      opened.remove(closeTransport);
      opened.push(new Closing("node", node));
      opened.push(closeTransport);
      metrics
          .bindStats(node.stats())
          .bindMembership(node.membership())
          .bindStatus(() -> sections(node, transport));
      awaitStarted(node, config);
      transport.start(node, storage, metrics);

      NodeRuntime[] self = new NodeRuntime[1];
      MetricsHttpServer http = null;
      if (config.metrics().enabled()) {
        http =
            MetricsHttpServer.start(
                config.metrics().host(),
                config.metrics().port(),
                registry,
                config.node().id().value(),
                () -> self[0] != null && self[0].serving(),
                () -> StatusJson.render(snapshot(node, metrics, sections(node, transport))));
        opened.push(new Closing("metrics endpoint", http));
      }
      NodeRuntime runtime = new NodeRuntime(config, node, metrics, http, opened);
      self[0] = runtime;
      runtime.serving = true;
      log.info(
          "node {} up at {}{}, peers at {}{}, engine {}, stores {} (fingerprint {}){}",
          config.node().id(),
          config.node().address(),
          config.node().address().equals(config.node().bindAddress())
              ? ""
              : " (listening on " + config.node().bindAddress() + ")",
          config.peer().address(),
          config.peer().address().equals(config.peer().bindAddress())
              ? ""
              : " (listening on " + config.peer().bindAddress() + ")",
          config.storage().engine().configName(),
          config.stores().stream().map(StoreDefinition::name).toList(),
          runtime.storeCatalog().fingerprint(),
          http == null ? "" : ", metrics at http://" + hostPort(http.address()) + "/metrics");
      if (node.membership().view().status(node.id()) == NodeStatus.STANDBY) {
        log.info(
            "node {} is a STANDBY member: it owns nothing until an operator joins it with"
                + " 'bin/dynamo join --address {}' and the admin token (the command shows the"
                + " plan first; dynamo.membership.join-at-start = true joins at the first start"
                + " instead)",
            config.node().id(),
            config.node().address());
      }
      return runtime;
    } catch (IOException | RuntimeException | Error e) {
      closeAll(opened);
      throw e;
    }
  }

  /**
   * Waits, before the client port opens, for the node's start tasks: until they ran, its cluster
   * information lacks its own entry, and an admin command sent at once would not find its peer
   * port. A node slow to start (a long load) is served anyway, with a warning.
   */
  private static void awaitStarted(DynamoNode node, ServerConfig config) {
    try {
      node.started().toCompletableFuture().get(START_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while node " + config.node().id() + " started", e);
    } catch (ExecutionException | TimeoutException e) { // only a timeout: it never fails
      log.warn(
          "node {} has not finished starting after {} s; serving anyway (its own entry may be"
              + " missing from the cluster information for a moment)",
          config.node().id(),
          START_PATIENCE.toSeconds());
    }
  }

  private static void logIncarnation(ServerConfig config, DynamoNode node) {
    Incarnation incarnation = node.incarnation();
    if (!incarnation.fresh()) {
      log.info(
          "node {} keeps incarnation {}: {}",
          config.node().id(),
          incarnation.epoch(),
          incarnation.reason());
    } else if (!incarnation.lostData()) {
      log.info(
          "node {} starts incarnation {}: {}",
          config.node().id(),
          incarnation.epoch(),
          incarnation.reason());
    } else {
      log.warn(
          "node {} starts a new incarnation {}: {}; every key it coordinates gets a fresh clock"
              + " entry at its next write, so no version it issued before is issued again; {}",
          config.node().id(),
          incarnation.epoch(),
          incarnation.reason(),
          config.antiEntropy().enabled()
              ? "it may have lost data it acknowledged, so it answers no reads of its partitions"
                  + " until anti-entropy has restored them from the other owners (status:"
                  + " anti-entropy partitions.incomplete)"
              : "it may have lost data it acknowledged, and with anti-entropy off nothing"
                  + " restores it: R + W > N does not hold for its partitions");
    }
  }

  /**
   * A store's {@code max-key-bytes} must leave room, within the engine's key limit (511 bytes for
   * LMDB), for what the node adds to a user key in storage: the 16-byte token for data, and up to
   * {@link HintId#KEY_OVERHEAD} bytes (store name, token, key length, owner's node id) for a hint.
   */
  private static void checkKeyLimits(ServerConfig config, StorageEngine storage) {
    int room = storage.maxKeyBytes() - HintId.KEY_OVERHEAD;
    for (int i = 0; i < config.stores().size(); i++) {
      StoreDefinition store = config.stores().get(i);
      if (store.maxKeyBytes() > room) {
        throw new IllegalArgumentException(
            "dynamo.stores["
                + i
                + "].max-key-bytes: store "
                + store.name()
                + " allows keys of "
                + store.maxKeyBytes()
                + " bytes, but the "
                + config.storage().engine().configName()
                + " engine holds keys of at most "
                + room
                + " bytes (its limit of "
                + storage.maxKeyBytes()
                + " minus the "
                + HintId.KEY_OVERHEAD
                + " bytes a hint's storage key adds: store name, token, key length and owner);"
                + " lower max-key-bytes to "
                + room
                + " or less");
      }
    }
  }

  public ServerConfig config() {
    return config;
  }

  /**
   * Whether this node has LEFT the cluster (after {@code bin/dynamo leave}, since this process was
   * last asked while still a member) and every other member knows it: the server may stop.
   */
  public boolean leftTheCluster() {
    io.dynamokv.core.membership.Membership m = node().membership();
    boolean left = m.view().status(node().id()) == io.dynamokv.core.membership.NodeStatus.LEFT;
    if (!left) {
      wasInCluster = true;
    }
    // A node started after it had left stays up, so that an operator can join it again.
    return left && wasInCluster && m.othersKnowOwnStatus() && node().holdsNothingForOthers();
  }

  private volatile boolean wasInCluster;

  public DynamoNode node() {
    return node;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /** The declared stores, whose fingerprint peers compare. */
  public StoreCatalog storeCatalog() {
    return StoreCatalog.of(config.stores());
  }

  /** The metrics endpoint's bound address, when enabled. */
  public Optional<InetSocketAddress> metricsAddress() {
    return Optional.ofNullable(metricsServer).map(MetricsHttpServer::address);
  }

  /** Whether the node is up and not shutting down. */
  public boolean serving() {
    return serving;
  }

  /**
   * Stops serving, then closes the metrics endpoint, node, transport, scheduler and storage engine,
   * logging (not throwing) what fails to close. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    serving = false;
    log.info("node {} stopping", config.node().id());
    closeAll(closeOrder);
    log.info("node {} stopped", config.node().id());
  }

  private static void closeAll(Deque<Closing> opened) {
    while (!opened.isEmpty()) {
      Closing c = opened.pop();
      try {
        c.resource().close();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        log.warn("closing the {} failed: {}", c.name(), e.toString());
      }
    }
  }

  /** Something to close, named for the log. */
  private record Closing(String name, AutoCloseable resource) {}

  private static String hostPort(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}
