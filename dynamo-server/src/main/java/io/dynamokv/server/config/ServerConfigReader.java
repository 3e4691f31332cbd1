/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.membership.PhiAccrualFailureDetector;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.PartitionStrategy;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.server.config.ServerConfig.Engine;
import io.dynamokv.storage.bdb.BdbStorageEngineFactory;
import io.dynamokv.storage.lmdb.LmdbStorageEngineFactory;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a resolved configuration into a {@link ServerConfig}, checking every value and the rules
 * that tie values together (R and W at most N, frames that fit the largest answer, seeds that agree
 * with this node). Every problem is recorded; nothing stops at the first.
 */
final class ServerConfigReader {
  private static final Pattern STORE_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "[::]", "*");

  /** What a frame needs on top of a key's sibling set and context: key, names, framing. */
  static final int FRAME_OVERHEAD_BYTES = 64 * 1024;

  /** The log levels {@code dynamo.log.level} accepts. */
  enum LogLevel {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR
  }

  private final Config config;
  private final List<ConfigProblem> problems;
  private final SettingsReader r;
  private final Path workingDirectory;
  private final Path configFile;

  /**
   * @param configFile the configuration file, or null when there is none
   */
  ServerConfigReader(
      Config config, Path workingDirectory, Path configFile, List<ConfigProblem> problems) {
    this.config = config;
    this.problems = problems;
    this.workingDirectory = workingDirectory;
    this.configFile = configFile;
    this.r = new SettingsReader(config, path -> path, problems);
  }

  /** The configuration, or {@code null} when a problem was recorded. */
  ServerConfig read() {
    int before = problems.size();
    ServerConfig.Node node = node();
    ServerConfig.Storage storage = storage();
    Duration timeout = r.duration("dynamo.requests.timeout", false);
    List<StoreDefinition> stores = stores();
    ServerConfig.Thrift thrift = thrift(stores);
    ServerConfig.Peer peer = peer(node, thrift);
    ServerConfig.Cluster cluster = cluster(peer);
    ServerConfig.Metrics metrics = metrics(node, peer);
    ClientTls clientTls = new ClientTlsReader(r, this::path).read();
    LogLevel level = r.choice("dynamo.log.level", LogLevel.class);
    Boolean readRepair = r.bool("dynamo.read-repair.enabled");
    Integer repairsInFlight = r.intIn("dynamo.read-repair.max-in-flight", 1, 1_000_000);
    HandoffConfig handoff = handoff();
    AntiEntropyConfig antiEntropy = antiEntropy(handoff);
    Boolean joinAtStart = r.bool("dynamo.membership.join-at-start");
    if (problems.size() > before) {
      return null;
    }
    return new ServerConfig(
        node,
        storage,
        cluster,
        new ServerConfig.Requests(timeout),
        thrift,
        peer,
        metrics,
        level.name(),
        stores,
        clientTls,
        new ServerConfig.ReadRepair(readRepair, repairsInFlight),
        handoff,
        antiEntropy,
        joinAtStart);
  }

  private ServerConfig.Node node() {
    NodeId id = null;
    if (r.isNull("dynamo.node.id")) {
      r.problem(
          "dynamo.node.id",
          "required: this node's stable name, 1 to 64 characters from [A-Za-z0-9._-]; set it in"
              + " the configuration file or with --set dynamo.node.id=NAME");
    } else {
      String s = r.string("dynamo.node.id");
      if (s != null) {
        id = nodeId("dynamo.node.id", s);
      }
    }
    String host = r.token("dynamo.node.host", "a host name or IP address");
    Integer port = r.intIn("dynamo.node.port", 1, 65535);
    String advertised = host;
    if (!r.isNull("dynamo.node.advertised-host")) {
      advertised = r.token("dynamo.node.advertised-host", "a host name or IP address");
      if (advertised != null && WILDCARDS.contains(advertised)) {
        r.problem(
            "dynamo.node.advertised-host",
            "must be an address others can reach, not the wildcard " + advertised);
        advertised = null;
      }
    } else if (host != null && WILDCARDS.contains(host)) {
      r.problem(
          "dynamo.node.advertised-host",
          "required when dynamo.node.host is the wildcard "
              + host
              + ": the address other nodes and clients reach this node by");
      advertised = null;
    }
    String zone = r.string("dynamo.node.zone");
    Path dataDir = path("dynamo.node.data-dir");
    Path leaseFile = r.isNull("dynamo.node.lease-file") ? null : path("dynamo.node.lease-file");
    if (anyNull(id, host, port, advertised, zone, dataDir)) {
      return null;
    }
    Path home =
        configFile != null
            ? workingDirectory.resolve(configFile).toAbsolutePath().normalize().getParent()
            : dataDir.getParent() != null ? dataDir.getParent() : dataDir;
    if (leaseFile == null) {
      leaseFile = home.resolve(id.value() + ".lease");
    }
    if (leaseFile.normalize().startsWith(dataDir.normalize())) {
      r.problem(
          "dynamo.node.lease-file",
          leaseFile
              + " is inside the data directory (by default it lies beside the configuration"
              + " file); the copy of the lease must live outside it, so that restoring or losing"
              + " the data directory does not restore or lose it: set dynamo.node.lease-file");
      return null;
    }
    return new ServerConfig.Node(id, host, port, advertised, zone, dataDir, home, leaseFile);
  }

  private NodeId nodeId(String path, String value) {
    try {
      return NodeId.of(value);
    } catch (IllegalArgumentException e) {
      r.problem(path, "expected 1 to 64 characters from [A-Za-z0-9._-], found \"" + value + "\"");
      return null;
    }
  }

  private Path path(String key) {
    String s = r.string(key);
    if (s == null) {
      return null;
    }
    if (s.isBlank()) {
      r.problem(key, "expected a path, found an empty string");
      return null;
    }
    try {
      return workingDirectory.resolve(s).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      r.problem(key, "not a valid path: " + e.getReason());
      return null;
    }
  }

  private ServerConfig.Storage storage() {
    Engine engine = r.choice("dynamo.storage.engine", Engine.class);
    LmdbStorageEngineFactory.Options lmdb = lmdb();
    BdbStorageEngineFactory.Options bdb = bdb();
    if (anyNull(engine, lmdb, bdb)) {
      return null;
    }
    return new ServerConfig.Storage(engine, lmdb, bdb);
  }

  private LmdbStorageEngineFactory.Options lmdb() {
    String p = "dynamo.storage.lmdb.";
    Durability durability = r.choice(p + "durability", Durability.class);
    Long mapSize = r.bytesIn(p + "map-size", 64 * 1024, Long.MAX_VALUE);
    Boolean autoGrow = r.bool(p + "auto-grow");
    Integer maxReaders = r.intIn(p + "max-readers", 1, Integer.MAX_VALUE);
    Duration flush = r.duration(p + "flush-interval", false);
    if (anyNull(durability, mapSize, autoGrow, maxReaders, flush)) {
      return null;
    }
    return LmdbStorageEngineFactory.Options.builder()
        .durability(durability)
        .mapSize(mapSize)
        .autoGrow(autoGrow)
        .maxReaders(maxReaders)
        .flushInterval(flush)
        .build();
  }

  private BdbStorageEngineFactory.Options bdb() {
    String p = "dynamo.storage.bdb.";
    Durability durability = r.choice(p + "durability", Durability.class);
    Long cacheSize = r.bytesIn(p + "cache-size", 0, Long.MAX_VALUE);
    if (cacheSize != null
        && cacheSize != 0
        && cacheSize < BdbStorageEngineFactory.Options.MIN_CACHE_BYTES) {
      r.problem(
          p + "cache-size",
          "must be 0 (use cache-percent) or at least "
              + BdbStorageEngineFactory.Options.MIN_CACHE_BYTES
              + " bytes, found "
              + cacheSize);
      cacheSize = null;
    }
    Integer cachePercent = r.intIn(p + "cache-percent", 1, 90);
    BdbStorageEngineFactory.CacheMode cacheMode =
        r.choice(p + "cache-mode", BdbStorageEngineFactory.CacheMode.class);
    Integer utilization = r.intIn(p + "cleaner-min-utilization", 0, 90);
    Integer cleanerThreads = r.intIn(p + "cleaner-threads", 1, 64);
    Long logFileSize = r.bytesIn(p + "log-file-size", 1_000_000L, 1L << 30);
    if (anyNull(durability, cacheSize, cachePercent, cacheMode, utilization, cleanerThreads)
        || logFileSize == null) {
      return null;
    }
    BdbStorageEngineFactory.Options.Builder b =
        BdbStorageEngineFactory.Options.builder()
            .durability(durability)
            .cachePercent(cachePercent)
            .cacheMode(cacheMode)
            .cleanerMinUtilization(utilization)
            .cleanerThreads(cleanerThreads)
            .logFileBytes(logFileSize);
    if (cacheSize != 0) {
      b.cacheBytes(cacheSize);
    }
    return b.build();
  }

  private ServerConfig.Cluster cluster(ServerConfig.Peer peer) {
    String p = "dynamo.cluster.";
    List<Seed> seeds = seeds(peer);
    Duration gossip = r.duration(p + "gossip-interval", false);
    PhiAccrualFailureDetector.Config detector = failureDetector();
    PartitionStrategy strategy = r.choice(p + "partition-strategy", PartitionStrategy.class);
    Integer partitions = r.intIn(p + "partitions", 1, Ring.MAX_PARTITIONS);
    if (partitions != null && Integer.bitCount(partitions) != 1) {
      r.problem(
          p + "partitions", "must be a power of two such as 256 or 1024, found " + partitions);
      partitions = null;
    }
    Integer tokens = r.intIn(p + "tokens-per-node", 1, 65536);
    Integer clockEntries = r.intIn(p + "max-clock-entries", 1, 1000);
    Path secretFile = r.isNull(p + "secret-file") ? null : path(p + "secret-file");
    if (anyNull(seeds, gossip, detector, strategy, partitions, tokens, clockEntries)) {
      return null;
    }
    return new ServerConfig.Cluster(
        seeds, gossip, detector, strategy, partitions, tokens, clockEntries, secretFile);
  }

  /**
   * The seeds; {@code peer} (this node's peer listener) is what a seed naming this node must say.
   */
  private List<Seed> seeds(ServerConfig.Peer peer) {
    String key = "dynamo.cluster.seeds";
    if (r.isNull(key) || !(config.getValue(key) instanceof ConfigList list)) {
      r.strings(key);
      return null;
    }
    List<Seed> seeds = new ArrayList<>();
    Map<NodeId, Seed> byId = new HashMap<>();
    boolean ok = true;
    for (int i = 0; i < list.size(); i++) {
      ConfigValue element = list.get(i);
      String where = key + "[" + i + "]";
      if (!(element.unwrapped() instanceof String text)) {
        problems.add(
            ConfigProblem.at(
                element.origin(),
                where,
                "expected a string id@host:port, found " + Values.describe(element)));
        ok = false;
        continue;
      }
      Seed seed;
      try {
        seed = Seed.parse(text.trim());
      } catch (IllegalArgumentException e) {
        problems.add(ConfigProblem.at(element.origin(), where, e.getMessage()));
        ok = false;
        continue;
      }
      Seed earlier = byId.putIfAbsent(seed.id(), seed);
      if (earlier != null && !earlier.equals(seed)) {
        problems.add(
            ConfigProblem.at(
                element.origin(),
                where,
                "seed " + seed.id() + " is listed twice, as " + earlier + " and " + seed));
        ok = false;
        continue;
      }
      if (peer != null && seed.id().equals(selfId()) && !seed.address().equals(peer.address())) {
        problems.add(
            ConfigProblem.at(
                element.origin(),
                where,
                "seed "
                    + seed
                    + " is this node, whose peer port is reached at "
                    + peer.address()
                    + "; the addresses must agree (seeds name peer ports, see dynamo.peer.port)"));
        ok = false;
        continue;
      }
      if (earlier == null) {
        seeds.add(seed);
      }
    }
    return ok ? seeds : null;
  }

  private NodeId selfId() {
    if (r.isNull("dynamo.node.id")
        || !(config.getValue("dynamo.node.id").unwrapped() instanceof String s)) {
      return null;
    }
    try {
      return NodeId.of(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private PhiAccrualFailureDetector.Config failureDetector() {
    String p = "dynamo.cluster.failure-detector.";
    Double threshold = r.positiveDouble(p + "phi-threshold");
    Duration pause = r.duration(p + "acceptable-heartbeat-pause", true);
    Duration deviation = r.duration(p + "min-std-deviation", false);
    Integer samples = r.intIn(p + "max-sample-size", 2, 1_000_000);
    Duration first = r.duration(p + "first-heartbeat-estimate", false);
    if (anyNull(threshold, pause, deviation, samples, first)) {
      return null;
    }
    return new PhiAccrualFailureDetector.Config(threshold, samples, deviation, pause, first);
  }

  private List<StoreDefinition> stores() {
    if (!(config.getValue(KeyCheck.STORES) instanceof ConfigList list)) {
      return null; // KeyCheck reported it
    }
    if (list.isEmpty()) {
      r.problem(KeyCheck.STORES, "at least one store is needed, e.g. [{ name = default }]");
      return null;
    }
    Config defaults = config.getConfig(KeyCheck.STORE_DEFAULTS);
    List<StoreDefinition> stores = new ArrayList<>();
    Map<String, String> declared = new HashMap<>();
    boolean ok = true;
    for (int i = 0; i < list.size(); i++) {
      ConfigObject element = (ConfigObject) list.get(i);
      StoreDefinition store = store(i, element, defaults);
      if (store == null) {
        ok = false;
        continue;
      }
      String where = ConfigProblem.where(element.origin());
      String earlier = declared.putIfAbsent(store.name(), where);
      if (earlier != null) {
        problems.add(
            ConfigProblem.at(
                element.origin(),
                KeyCheck.STORES + "[" + i + "].name",
                "store " + store.name() + " is declared twice (first at " + earlier + ")"));
        ok = false;
        continue;
      }
      stores.add(store);
    }
    return ok ? stores : null;
  }

  private StoreDefinition store(int index, ConfigObject element, Config defaults) {
    String prefix = KeyCheck.STORES + "[" + index + "]";
    Config merged = element.toConfig().withFallback(defaults);
    SettingsReader s =
        new SettingsReader(
            merged,
            key ->
                element.containsKey(key) ? prefix + "." + key : KeyCheck.STORE_DEFAULTS + "." + key,
            problems);
    String name = null;
    if (!element.containsKey("name")) {
      problems.add(
          ConfigProblem.at(
              element.origin(), prefix + ".name", "required: every store needs a name"));
    } else {
      name = s.string("name");
      if (name != null && !STORE_NAME.matcher(name).matches()) {
        s.problem(
            "name",
            "expected 1 to 32 characters from [a-z0-9_-] starting with a letter, found \""
                + name
                + "\"");
        name = null;
      }
    }
    Integer n = s.intIn("replicas", 1, 64);
    Integer rq = s.intIn("read-quorum", 1, 64);
    Integer wq = s.intIn("write-quorum", 1, 64);
    String label = name == null ? "" : " of store " + name;
    if (n != null && rq != null && rq > n) {
      s.problem("read-quorum", "R=" + rq + " exceeds N=" + n + label + "; R must be 1 to N");
      rq = null;
    }
    if (n != null && wq != null && wq > n) {
      s.problem("write-quorum", "W=" + wq + " exceeds N=" + n + label + "; W must be 1 to N");
      wq = null;
    }
    Integer maxKey = s.intBytesIn("max-key-bytes", 1, 64 * 1024);
    Integer maxValue = s.intBytesIn("max-value-bytes", 1, Integer.MAX_VALUE);
    Integer maxSiblings = s.intIn("max-siblings", 1, 10_000);
    Integer maxPerKey = s.intBytesIn("max-bytes-per-key", 1, Integer.MAX_VALUE);
    Integer maxContext = s.intBytesIn("max-context-bytes", 1, Integer.MAX_VALUE);
    if (maxValue != null && maxPerKey != null && maxPerKey < maxValue) {
      s.problem(
          "max-bytes-per-key",
          "must be at least max-value-bytes (" + maxValue + ")" + label + ", found " + maxPerKey);
      maxPerKey = null;
    }
    if (anyNull(name, n, rq, wq, maxKey, maxValue, maxSiblings, maxPerKey, maxContext)) {
      return null;
    }
    return new StoreDefinition(
        name, n, rq, wq, maxKey, maxValue, maxSiblings, maxPerKey, maxContext);
  }

  private ServerConfig.Thrift thrift(List<StoreDefinition> stores) {
    String p = "dynamo.thrift.";
    Integer maxFrame = r.intBytesIn(p + "max-frame-bytes", 64 * 1024, Integer.MAX_VALUE);
    if (maxFrame != null && stores != null) {
      for (StoreDefinition store : stores) {
        long needed =
            (long) store.maxBytesPerKey() + store.maxContextBytes() + FRAME_OVERHEAD_BYTES;
        if (maxFrame < needed) {
          r.problem(
              p + "max-frame-bytes",
              "must be at least "
                  + needed
                  + " to carry a full answer of store "
                  + store.name()
                  + " (max-bytes-per-key + max-context-bytes + 64 KiB), found "
                  + maxFrame);
          maxFrame = null;
          break;
        }
      }
    }
    Long readBuffers =
        r.isAuto(p + "max-read-buffer-bytes")
            ? (maxFrame == null
                ? null
                : ServerConfig.Thrift.autoReadBuffers(maxFrame, Heap.maxBytes()))
            : r.bytesIn(p + "max-read-buffer-bytes", 64 * 1024, Long.MAX_VALUE);
    if (readBuffers != null && maxFrame != null && readBuffers < maxFrame) {
      r.problem(
          p + "max-read-buffer-bytes",
          "must be at least max-frame-bytes (" + maxFrame + "), found " + readBuffers);
      readBuffers = null;
    }
    Integer connections = r.intIn(p + "max-connections", 1, 1_000_000);
    Integer selectors = r.intIn(p + "selector-threads", 1, 1024);
    Integer workers = r.intIn(p + "worker-threads", 0, 4096);
    Duration grace = r.duration(p + "shutdown-grace", true);
    Duration frameRead = r.duration(p + "frame-read-timeout", false);
    Duration idle = r.duration(p + "idle-timeout", false);
    Integer pool = r.intIn(p + "peer-pool-size", 1, 1024);
    Integer callsPerConnection = r.intIn(p + "peer-calls-per-connection", 1, 1024);
    Duration connect = r.duration(p + "connect-timeout", false);
    if (anyNull(
        maxFrame,
        readBuffers,
        connections,
        selectors,
        workers,
        grace,
        frameRead,
        idle,
        pool,
        callsPerConnection,
        connect)) {
      return null;
    }
    return new ServerConfig.Thrift(
        maxFrame,
        readBuffers,
        connections,
        selectors,
        workers,
        grace,
        frameRead,
        idle,
        pool,
        callsPerConnection,
        connect);
  }

  /** The shortest {@code dynamo.peer.idle-timeout}: pooled peer connections live half of it. */
  static final Duration MIN_PEER_IDLE_TIMEOUT = Duration.ofSeconds(2);

  private ServerConfig.Peer peer(ServerConfig.Node node, ServerConfig.Thrift thrift) {
    String p = "dynamo.peer.";
    String host;
    if (r.isNull(p + "host")) {
      host = node == null ? null : node.host();
    } else {
      host = r.token(p + "host", "a host name or IP address");
    }
    String advertised = null;
    if (host != null && node != null) {
      // The peer port is announced under the node's advertised host unless it binds elsewhere.
      advertised =
          host.equals(node.host()) || WILDCARDS.contains(host) ? node.advertisedHost() : host;
    }
    Integer port;
    if (r.isNull(p + "port")) {
      port = node == null ? null : node.port() + 100;
      if (port != null && port > 65535) {
        r.problem(
            p + "port",
            "defaults to dynamo.node.port + 100 = " + port + ", above 65535; set it explicitly");
        port = null;
      }
    } else {
      port = r.intIn(p + "port", 1, 65535);
    }
    if (port != null && node != null && port == node.port() && sameInterface(host, node.host())) {
      r.problem(
          p + "port",
          "must differ from dynamo.node.port ("
              + port
              + "): clients and peers have ports of their own");
      port = null;
    }
    Integer connections = r.intIn(p + "max-connections", 1, 1_000_000);
    Long readBuffers;
    if (r.isAuto(p + "max-read-buffer-bytes")) {
      readBuffers =
          thrift == null
              ? null
              : ServerConfig.Peer.autoReadBuffers(thrift.maxFrameBytes(), Heap.maxBytes());
    } else {
      readBuffers = r.bytesIn(p + "max-read-buffer-bytes", 64 * 1024, Long.MAX_VALUE);
      if (readBuffers != null && thrift != null && readBuffers < thrift.maxFrameBytes()) {
        r.problem(
            p + "max-read-buffer-bytes",
            "must be at least dynamo.thrift.max-frame-bytes ("
                + thrift.maxFrameBytes()
                + "), found "
                + readBuffers);
        readBuffers = null;
      }
    }
    Duration idle = r.duration(p + "idle-timeout", false);
    if (idle != null && idle.compareTo(MIN_PEER_IDLE_TIMEOUT) < 0) {
      r.problem(
          p + "idle-timeout",
          "must be at least "
              + MIN_PEER_IDLE_TIMEOUT.toSeconds()
              + "s (nodes keep pooled peer connections for half of it), found "
              + idle);
      idle = null;
    }
    if (anyNull(host, advertised, port, connections, readBuffers, idle)) {
      return null;
    }
    return new ServerConfig.Peer(host, port, advertised, connections, readBuffers, idle);
  }

  /** Whether two bind addresses may collide: the same, or either a wildcard. */
  private static boolean sameInterface(String a, String b) {
    return a == null || b == null || a.equals(b) || WILDCARDS.contains(a) || WILDCARDS.contains(b);
  }

  private ServerConfig.Metrics metrics(ServerConfig.Node node, ServerConfig.Peer peer) {
    String p = "dynamo.metrics.";
    Boolean enabled = r.bool(p + "enabled");
    String host = r.token(p + "host", "a host name or IP address");
    Integer port;
    if (r.isNull(p + "port")) {
      port = node == null ? null : node.port() + 1000;
      if (port != null && port > 65535) {
        r.problem(
            p + "port",
            "defaults to dynamo.node.port + 1000 = " + port + ", above 65535; set it explicitly");
        port = null;
      }
    } else {
      port = r.intIn(p + "port", 0, 65535);
    }
    if (Boolean.TRUE.equals(enabled)
        && node != null
        && port != null
        && port == node.port()
        && sameInterface(host, node.host())) {
      r.problem(p + "port", "must differ from dynamo.node.port (" + port + ")");
      port = null;
    }
    if (Boolean.TRUE.equals(enabled)
        && peer != null
        && port != null
        && port == peer.port()
        && sameInterface(host, peer.host())) {
      r.problem(p + "port", "must differ from dynamo.peer.port (" + port + ")");
      port = null;
    }
    if (anyNull(enabled, host, port)) {
      return null;
    }
    return new ServerConfig.Metrics(enabled, host, port);
  }

  /** The smallest {@code dynamo.handoff.max-bytes}. */
  static final long MIN_HINT_BYTES = 64 * 1024;

  /** The lowest {@code dynamo.handoff.bytes-per-second}. */
  static final long MIN_HANDOFF_RATE = 1024;

  private HandoffConfig handoff() {
    String p = "dynamo.handoff.";
    Boolean enabled = r.bool(p + "enabled");
    Long maxBytes = r.bytesIn(p + "max-bytes", MIN_HINT_BYTES, Long.MAX_VALUE);
    Duration maxAge = r.duration(p + "max-age", false);
    Duration interval = r.duration(p + "interval", false);
    Duration maxBackoff = r.duration(p + "max-backoff", false);
    Long rate = r.bytesIn(p + "bytes-per-second", MIN_HANDOFF_RATE, Long.MAX_VALUE);
    if (maxAge != null && interval != null && maxAge.compareTo(interval) <= 0) {
      r.problem(
          p + "max-age",
          "must be longer than dynamo.handoff.interval ("
              + interval
              + "), or hints expire before a delivery is tried, found "
              + maxAge);
      maxAge = null;
    }
    if (maxBackoff != null && interval != null && maxBackoff.compareTo(interval) < 0) {
      r.problem(
          p + "max-backoff",
          "must be at least dynamo.handoff.interval (" + interval + "), found " + maxBackoff);
      maxBackoff = null;
    }
    if (anyNull(enabled, maxBytes, maxAge, interval, maxBackoff, rate)) {
      return null;
    }
    return new HandoffConfig(enabled, maxBytes, maxAge, interval, maxBackoff, rate);
  }

  /** The lowest {@code dynamo.anti-entropy.bytes-per-second}. */
  static final long MIN_ANTI_ENTROPY_RATE = 1024;

  private AntiEntropyConfig antiEntropy(HandoffConfig handoff) {
    String p = "dynamo.anti-entropy.";
    Boolean enabled = r.bool(p + "enabled");
    Duration interval = r.duration(p + "interval", false);
    Long rate = r.bytesIn(p + "bytes-per-second", MIN_ANTI_ENTROPY_RATE, Long.MAX_VALUE);
    Integer batch = r.intIn(p + "scan-batch", 1, 1_000_000);
    Integer depth = r.intIn(p + "tree-depth", 0, 16);
    Duration grace = r.duration(p + "tombstone-grace", false);
    if (grace != null && handoff != null && grace.compareTo(handoff.maxAge()) <= 0) {
      r.problem(
          p + "tombstone-grace",
          "must be longer than dynamo.handoff.max-age ("
              + handoff.maxAge()
              + "), or a hint delivered after a purge could bring the deleted value back, found "
              + grace);
      grace = null;
    }
    if (anyNull(enabled, interval, rate, batch, depth, grace)) {
      return null;
    }
    return new AntiEntropyConfig(enabled, interval, rate, batch, depth, grace);
  }

  private static boolean anyNull(Object... values) {
    for (Object v : values) {
      if (v == null) {
        return true;
      }
    }
    return false;
  }
}
