/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.node.NodeConfig;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.PartitionStrategy;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.server.config.ServerConfig.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path file(String text) throws IOException {
    Path f = dir.resolve("node.conf");
    Files.writeString(f, text);
    return f;
  }

  private ConfigLoader loader(String text) throws IOException {
    return ConfigLoader.isolated(dir).withFile(file(text));
  }

  private List<String> problems(String text) throws IOException {
    return problems(loader(text));
  }

  private static List<String> problems(ConfigLoader loader) {
    try {
      loader.load();
    } catch (ConfigValidationException e) {
      return e.problems().stream().map(ConfigProblem::toString).toList();
    }
    throw new AssertionError("expected the configuration to be rejected");
  }

  @Test
  void aMinimalFileGetsEveryDefault() throws IOException {
    ServerConfig c = loader("dynamo.node.id = n1").load();

    assertThat(c.node().id()).isEqualTo(NodeId.of("n1"));
    assertThat(c.node().bindAddress()).hasToString("127.0.0.1:7000");
    assertThat(c.node().address()).hasToString("127.0.0.1:7000");
    assertThat(c.node().dataDir()).isEqualTo(dir.resolve("data"));
    assertThat(c.storage().engine()).isEqualTo(Engine.LMDB);
    assertThat(c.storage().lmdb().durability()).isEqualTo(Durability.SYNC);
    assertThat(c.storage().bdb().durability()).isEqualTo(Durability.WRITE_NO_SYNC);
    assertThat(c.cluster().seeds()).isEmpty();
    assertThat(c.cluster().partitionStrategy()).isEqualTo(PartitionStrategy.FIXED_PARTITIONS);
    assertThat(c.cluster().partitions()).isEqualTo(256);
    assertThat(c.requests().timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.thrift().maxFrameBytes()).isEqualTo(16 << 20);
    assertThat(c.metrics().port()).isEqualTo(8000);
    assertThat(c.thrift().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.peer().bindAddress()).hasToString("127.0.0.1:7100");
    assertThat(c.peer().address()).hasToString("127.0.0.1:7100");
    assertThat(c.peer().maxConnections()).isEqualTo(256);
    assertThat(c.peer().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.peer().maxReadBufferBytes())
        .isEqualTo(ServerConfig.Peer.autoReadBuffers(16 << 20, Heap.maxBytes()));
    assertThat(c.membership().address()).isEqualTo("client=127.0.0.1:7000,peer=127.0.0.1:7100");
    assertThat(c.joinAtStart())
        .as("join is an admin command, not a side effect of starting")
        .isFalse();
    assertThat(c.membership().joinAtStart()).isFalse();
    assertThat(c.logLevel()).isEqualTo("INFO");
    assertThat(c.stores()).containsExactly(StoreDefinition.of("default"));
    assertThat(c.nodeConfig(ClusterSecret.of(List.of(new byte[16])), false).stores())
        .containsOnlyKeys("default");
    assertThat(c.cluster().secretFile()).isNull();
    assertThat(c.node().home()).isEqualTo(dir);
    assertThat(c.node().leaseFile()).isEqualTo(dir.resolve("n1.lease"));
    assertThat(c.handoff()).isEqualTo(HandoffConfig.DEFAULTS);
    assertThat(c.nodeConfig(ClusterSecret.of(List.of(new byte[16])), false).handoff())
        .isEqualTo(HandoffConfig.DEFAULTS);
  }

  @Test
  void joinAtStartReachesTheMembershipAndMustBeABoolean() throws IOException {
    ServerConfig c = loader("dynamo.node.id = n1\ndynamo.membership.join-at-start = true").load();
    assertThat(c.joinAtStart()).isTrue();
    assertThat(c.membership().joinAtStart()).isTrue();

    assertThat(problems("dynamo.node.id = n1\ndynamo.membership.join-at-start = sometimes"))
        .singleElement()
        .asString()
        .contains("dynamo.membership.join-at-start");
  }

  @Test
  void handoffSettingsReachTheNode() throws IOException {
    ServerConfig c =
        loader(
                """
                dynamo.node.id = n1
                dynamo.handoff {
                  enabled = false
                  max-bytes = 64 MiB
                  max-age = 30m
                  interval = 250ms
                  max-backoff = 10s
                  bytes-per-second = 1 MiB
                }
                """)
            .load();

    assertThat(c.handoff())
        .isEqualTo(
            new HandoffConfig(
                false,
                64L << 20,
                Duration.ofMinutes(30),
                Duration.ofMillis(250),
                Duration.ofSeconds(10),
                1L << 20));
    assertThat(c.nodeConfig(ClusterSecret.of(List.of(new byte[16])), false).handoff())
        .isEqualTo(c.handoff());
  }

  @Test
  void antiEntropySettingsReachTheNode() throws IOException {
    ServerConfig c =
        loader(
                """
                dynamo.node.id = n1
                dynamo.anti-entropy {
                  enabled = false
                  interval = 250ms
                  bytes-per-second = 1 MiB
                  scan-batch = 64
                  tree-depth = 6
                  tombstone-grace = 2d
                }
                """)
            .load();

    AntiEntropyConfig expected =
        new AntiEntropyConfig(false, Duration.ofMillis(250), 1L << 20, 64, 6, Duration.ofDays(2));
    assertThat(c.antiEntropy()).isEqualTo(expected);
    assertThat(c.nodeConfig(ClusterSecret.of(List.of(new byte[16])), false).antiEntropy())
        .isEqualTo(expected);
    assertThat(loader("dynamo.node.id = n1").load().antiEntropy())
        .isEqualTo(AntiEntropyConfig.DEFAULTS);
  }

  @Test
  void aTombstoneGraceNotLongerThanTheHintsMaximumAgeIsRefused() throws IOException {
    assertThat(
            problems(
                """
                dynamo.node.id = n1
                dynamo.handoff.max-age = 3h
                dynamo.anti-entropy.tombstone-grace = 3h
                dynamo.anti-entropy.tree-depth = 17
                """))
        .containsExactlyInAnyOrder(
            f()
                + ":3: dynamo.anti-entropy.tombstone-grace: must be longer than"
                + " dynamo.handoff.max-age (PT3H), or a hint delivered after a purge could bring"
                + " the deleted value back, found PT3H",
            f() + ":4: dynamo.anti-entropy.tree-depth: must be 0 to 16, found 17");
  }

  @Test
  void badHandoffSettingsAreAllReported() throws IOException {
    assertThat(
            problems(
                """
                dynamo.node.id = n1
                dynamo.handoff.enabled = sometimes
                dynamo.handoff.max-bytes = 1 KiB
                dynamo.handoff.interval = 0s
                dynamo.handoff.bytes-per-second = 10
                """))
        .containsExactlyInAnyOrder(
            f() + ":2: dynamo.handoff.enabled: expected true or false, found string \"sometimes\"",
            f() + ":3: dynamo.handoff.max-bytes: must be at least 65536 bytes, found 1024",
            f() + ":4: dynamo.handoff.interval: must be positive, found PT0S",
            f() + ":5: dynamo.handoff.bytes-per-second: must be at least 1024 bytes, found 10");
    assertThat(
            problems(
                """
                dynamo.node.id = n1
                dynamo.handoff { interval = 10s, max-age = 5s, max-backoff = 2s }
                """))
        .containsExactlyInAnyOrder(
            f()
                + ":2: dynamo.handoff.max-age: must be longer than dynamo.handoff.interval (PT10S),"
                + " or hints expire before a delivery is tried, found PT5S",
            f()
                + ":2: dynamo.handoff.max-backoff: must be at least dynamo.handoff.interval"
                + " (PT10S), found PT2S");
  }

  @Test
  void storesInheritStoreDefaultsAndSeedsParse() throws IOException {
    ServerConfig c =
        loader(
                """
                dynamo {
                  node { id = n2, port = 7001, zone = z1, data-dir = /var/tmp/x }
                  cluster.seeds = ["n1@10.0.0.1:7100", "n2@127.0.0.1:7101", "n3@[::1]:7102"]
                  store-defaults.max-value-bytes = 2 MiB
                  stores = [
                    { name = default }
                    { name = users, replicas = 5, read-quorum = 3, write-quorum = 1 }
                  ]
                }
                """)
            .load();

    assertThat(c.stores())
        .extracting(StoreDefinition::name, StoreDefinition::replicationFactor)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("default", 3),
            org.assertj.core.groups.Tuple.tuple("users", 5));
    assertThat(c.stores().get(1).maxValueBytes()).isEqualTo(2 << 20);
    assertThat(c.cluster().seeds())
        .map(Seed::toString)
        .containsExactly("n1@10.0.0.1:7100", "n2@127.0.0.1:7101", "n3@[::1]:7102");
    assertThat(c.membership().seeds()).hasSize(3);
    assertThat(c.ringPlanner().replicas()).isEqualTo(5);
    assertThat(c.node().dataDir()).isEqualTo(Path.of("/var/tmp/x"));
  }

  @Test
  void overridesWinInOrderSetThenSystemPropertiesThenEnvironmentThenFile() throws IOException {
    Properties sys = new Properties();
    sys.setProperty("dynamo.node.port", "7200");
    sys.setProperty("dynamo.node.zone", "from-sys");
    sys.setProperty("java.version", "ignored");
    ServerConfig c =
        loader("dynamo.node { id = n1, port = 7100, zone = file }")
            .withSystemProperties(sys)
            .withEnvironment(
                Map.of(
                    "DYNAMO_NODE_PORT", "7300",
                    "DYNAMO_NODE_DATA_DIR", "/tmp/env-data",
                    "DYNAMO_CLUSTER_SEEDS", "a@h:1, b@h:2",
                    "DYNAMO_JAVA_OPTS", "-Xmx1g",
                    "PATH", "/bin"))
            .withSets(List.of("dynamo.node.port=7400", "dynamo.storage.engine=bdb"))
            .load();

    assertThat(c.node().port()).isEqualTo(7400);
    assertThat(c.node().zone()).isEqualTo("from-sys");
    assertThat(c.node().dataDir()).isEqualTo(Path.of("/tmp/env-data"));
    assertThat(c.cluster().seeds()).map(Seed::toString).containsExactly("a@h:1", "b@h:2");
    assertThat(c.storage().engine()).isEqualTo(Engine.BDB);
  }

  @Test
  void readRepairSettingsReachTheNodeConfig() throws IOException {
    ClusterSecret secret = ClusterSecret.of(List.of(new byte[16]));
    NodeConfig defaults = loader("dynamo.node.id = n1").load().nodeConfig(secret, false);
    assertThat(defaults.readRepair()).isTrue();
    assertThat(defaults.readRepairMaxInFlight())
        .isEqualTo(NodeConfig.DEFAULT_READ_REPAIR_MAX_IN_FLIGHT);

    NodeConfig off =
        loader("dynamo { node.id = n1, read-repair { enabled = false, max-in-flight = 8 } }")
            .load()
            .nodeConfig(secret, false);
    assertThat(off.readRepair()).isFalse();
    assertThat(off.readRepairMaxInFlight()).isEqualTo(8);

    assertThat(problems("dynamo { node.id = n1, read-repair.max-in-flight = 0 }"))
        .singleElement()
        .asString()
        .contains("dynamo.read-repair.max-in-flight: must be");
  }

  @Test
  void aSetMayGiveAWholeListInHocon() throws IOException {
    ServerConfig c =
        loader("dynamo.node.id = n1")
            .withSets(
                List.of(
                    "dynamo.stores=[{name = a}, {name = b, replicas = 1, read-quorum = 1, write-quorum = 1}]"))
            .load();

    assertThat(c.stores()).extracting(StoreDefinition::name).containsExactly("a", "b");
  }

  @Test
  void aMissingNodeIdIsRequired() throws IOException {
    assertThat(problems("dynamo.node.port = 7000"))
        .singleElement()
        .asString()
        .matches(".*reference.conf:\\d+: dynamo.node.id: required: this node's stable name.*");
  }

  @Test
  void unknownKeysAreRejectedWithASuggestion() throws IOException {
    assertThat(
            problems(
                """
                dynamo {
                  node { id = n1, prot = 7001 }
                  node.data_dir = x
                  port = 7001
                  stores = [{ name = a, replica = 3 }]
                }
                other = 1
                """))
        .containsExactlyInAnyOrder(
            "%s:2: dynamo.node.prot: unknown key (did you mean dynamo.node.port?)".formatted(f()),
            "%s:3: dynamo.node.data_dir: unknown key (did you mean dynamo.node.data-dir?)"
                .formatted(f()),
            "%s:4: dynamo.port: unknown key (did you mean dynamo.metrics.port or dynamo.node.port or dynamo.peer.port?)"
                .formatted(f()),
            "%s:5: dynamo.stores[0].replica: unknown store setting (did you mean dynamo.stores[0].replicas?)"
                .formatted(f()),
            "%s:7: other: unknown key".formatted(f()));
  }

  private String f() {
    return dir.resolve("node.conf").toString();
  }

  @Test
  void wrongTypesNameTheExpectedType() throws IOException {
    assertThat(
            problems(
                """
                dynamo.node { id = n1, port = seven }
                dynamo.requests.timeout = soon
                dynamo.metrics.enabled = maybe
                dynamo.storage.lmdb.map-size = huge
                dynamo.storage.engine = rocks
                """))
        .containsExactlyInAnyOrder(
            f() + ":1: dynamo.node.port: expected an integer, found string \"seven\"",
            f()
                + ":2: dynamo.requests.timeout: expected a duration such as 500ms, 2s or 1m, found string \"soon\"",
            f() + ":3: dynamo.metrics.enabled: expected true or false, found string \"maybe\"",
            f()
                + ":4: dynamo.storage.lmdb.map-size: expected a size such as 65536, 64 KiB or 16 MiB, found string \"huge\"",
            f()
                + ":5: dynamo.storage.engine: expected one of lmdb, bdb or memory, found \"rocks\"");
  }

  @Test
  void impossibleValuesAreAllReported() throws IOException {
    assertThat(
            problems(
                """
                dynamo {
                  node { id = "bad id", port = 70000 }
                  cluster.partitions = 100
                  stores = [
                    { name = a, replicas = 3, read-quorum = 4, write-quorum = 0 }
                    { name = Bad }
                    { name = c }
                    { name = c }
                  ]
                }
                """))
        .containsExactlyInAnyOrder(
            f()
                + ":2: dynamo.node.id: expected 1 to 64 characters from [A-Za-z0-9._-], found \"bad id\"",
            f() + ":2: dynamo.node.port: must be 1 to 65535, found 70000",
            f()
                + ":3: dynamo.cluster.partitions: must be a power of two such as 256 or 1024, found 100",
            f() + ":5: dynamo.stores[0].read-quorum: R=4 exceeds N=3 of store a; R must be 1 to N",
            f() + ":5: dynamo.stores[0].write-quorum: must be 1 to 64, found 0",
            f()
                + ":6: dynamo.stores[1].name: expected 1 to 32 characters from [a-z0-9_-] starting with a letter, found \"Bad\"",
            f() + ":8: dynamo.stores[3].name: store c is declared twice (first at " + f() + ":7)");
  }

  @Test
  void seedSyntaxAndSelfAddressAreChecked() throws IOException {
    assertThat(
            problems(
                """
                dynamo.node { id = n1, port = 7000 }
                dynamo.cluster.seeds = ["n2-host:7000", "n1@127.0.0.1:7001", "n3@h:x", 5, "n4@h:1", "n4@h:2"]
                """))
        .containsExactlyInAnyOrder(
            f() + ":2: dynamo.cluster.seeds[0]: expected id@host:port, found 'n2-host:7000'",
            f()
                + ":2: dynamo.cluster.seeds[1]: seed n1@127.0.0.1:7001 is this node, whose peer port is reached at 127.0.0.1:7100; the addresses must agree (seeds name peer ports, see dynamo.peer.port)",
            f()
                + ":2: dynamo.cluster.seeds[2]: expected host:port with a numeric port, found 'h:x'",
            f() + ":2: dynamo.cluster.seeds[3]: expected a string id@host:port, found number 5",
            f() + ":2: dynamo.cluster.seeds[5]: seed n4 is listed twice, as n4@h:1 and n4@h:2");
  }

  @Test
  void thePeerListenerHasItsOwnSettings() throws IOException {
    ServerConfig c =
        loader(
                """
                dynamo.node { id = n1, host = "0.0.0.0", advertised-host = db1, port = 7000 }
                dynamo.peer { port = 9100, max-connections = 64, max-read-buffer-bytes = 32 MiB }
                dynamo.peer.idle-timeout = 30s
                dynamo.thrift.idle-timeout = 1m
                dynamo.cluster.seeds = ["n1@db1:9100", "n2@db2:9100"]
                """)
            .load();

    assertThat(c.peer().bindAddress()).hasToString("0.0.0.0:9100");
    assertThat(c.peer().address()).as("advertised like the client port").hasToString("db1:9100");
    assertThat(c.peer().maxConnections()).isEqualTo(64);
    assertThat(c.peer().maxReadBufferBytes()).isEqualTo(32L << 20);
    assertThat(c.peer().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.thrift().idleTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.membership().address()).isEqualTo("client=db1:7000,peer=db1:9100");
  }

  @Test
  void requestsRunOnTheSelectorsUnlessWorkerThreadsAreSet() throws IOException {
    assertThat(loader("dynamo.node.id = n1").load().thrift().workerThreads()).isZero();
    assertThat(loader("dynamo.node.id = n1\ndynamo.thrift.worker-threads = 16").load().thrift())
        .extracting(ServerConfig.Thrift::workerThreads)
        .isEqualTo(16);
    assertThat(problems("dynamo.node.id = n1\ndynamo.thrift.worker-threads = -1"))
        .containsExactly(f() + ":2: dynamo.thrift.worker-threads: must be 0 to 4096, found -1");
  }

  @Test
  void aPeerHostOfItsOwnIsWhereOtherNodesReachThePeerPort() throws IOException {
    ServerConfig c =
        loader("dynamo.node { id = n1, host = 10.0.0.1 }\ndynamo.peer.host = 10.1.0.1").load();

    assertThat(c.node().address()).hasToString("10.0.0.1:7000");
    assertThat(c.peer().address()).hasToString("10.1.0.1:7100");
  }

  @Test
  void thePeerPortMustDifferFromTheClientAndMetricsPorts() throws IOException {
    assertThat(problems("dynamo.node { id = n1, port = 7000 }\ndynamo.peer.port = 7000"))
        .containsExactly(
            f()
                + ":2: dynamo.peer.port: must differ from dynamo.node.port (7000): clients and peers"
                + " have ports of their own");
    assertThat(problems("dynamo.node { id = n1, port = 7000 }\ndynamo.metrics.port = 7100"))
        .containsExactly(f() + ":2: dynamo.metrics.port: must differ from dynamo.peer.port (7100)");
    assertThat(
            loader(
                    "dynamo.node { id = n1, port = 7000 }\ndynamo.peer { host = 127.0.0.2, port = 7000 }")
                .load()
                .peer()
                .bindAddress())
        .as("another interface may use the same port")
        .hasToString("127.0.0.2:7000");
  }

  @Test
  void impossiblePeerSettingsAreAllReported() throws IOException {
    assertThat(
            problems(
                """
                dynamo.node { id = n1, port = 65500 }
                dynamo.metrics.port = 9000
                dynamo.peer { max-connections = 0, max-read-buffer-bytes = 1 MiB, idle-timeout = 1s }
                """))
        .hasSize(4)
        .anySatisfy(
            p ->
                assertThat(p)
                    .endsWith(
                        "dynamo.peer.port: defaults to dynamo.node.port + 100 = 65600, above"
                            + " 65535; set it explicitly"))
        .contains(
            f() + ":3: dynamo.peer.max-connections: must be 1 to 1000000, found 0",
            f()
                + ":3: dynamo.peer.max-read-buffer-bytes: must be at least"
                + " dynamo.thrift.max-frame-bytes (16777216), found 1048576",
            f()
                + ":3: dynamo.peer.idle-timeout: must be at least 2s (nodes keep pooled peer"
                + " connections for half of it), found PT1S");
    assertThat(problems("dynamo.node.id = n1\ndynamo.thrift.idle-timeout = 0s"))
        .containsExactly(f() + ":2: dynamo.thrift.idle-timeout: must be positive, found PT0S");
  }

  @Test
  void aBadDefaultIsReportedOnceWhereItIsSet() throws IOException {
    assertThat(
            problems(
                """
                dynamo.node.id = n1
                dynamo.store-defaults.read-quorum = 9
                dynamo.stores = [{ name = a }, { name = b }]
                """))
        .containsExactly(
            f()
                + ":2: dynamo.store-defaults.read-quorum: R=9 exceeds N=3 of store a; R must be 1 to N",
            f()
                + ":2: dynamo.store-defaults.read-quorum: R=9 exceeds N=3 of store b; R must be 1 to N");
  }

  @Test
  void framesMustHoldTheLargestAnswer() throws IOException {
    assertThat(problems("dynamo.node.id = n1\ndynamo.thrift.max-frame-bytes = 1 MiB"))
        .singleElement()
        .asString()
        .contains(
            "dynamo.thrift.max-frame-bytes: must be at least 5373952 to carry a full answer of store default");
  }

  @Test
  void aWildcardHostNeedsAnAdvertisedHost() throws IOException {
    assertThat(problems("dynamo.node { id = n1, host = \"0.0.0.0\" }"))
        .singleElement()
        .asString()
        .contains(
            "dynamo.node.advertised-host: required when dynamo.node.host is the wildcard 0.0.0.0");
    assertThat(
            loader("dynamo.node { id = n1, host = \"0.0.0.0\", advertised-host = db1 }")
                .load()
                .node()
                .address())
        .hasToString("db1:7000");
  }

  @Test
  void overridesAreNamedInProblems() throws IOException {
    assertThat(
            problems(
                loader("dynamo.node.id = n1")
                    .withEnvironment(Map.of("DYNAMO_NODE_PROT", "1", "DYNAMO_NODE_PORT", "x"))
                    .withSets(List.of("dynamo.metrics.port=-5", "node.zone=z", "novalue"))))
        .containsExactlyInAnyOrder(
            "env DYNAMO_NODE_PROT: no setting has this variable name (did you mean DYNAMO_NODE_PORT?); DYNAMO_* variables name settings",
            "env DYNAMO_NODE_PORT: dynamo.node.port: expected an integer, found string \"x\"",
            "--set dynamo.metrics.port: must be 0 to 65535, found -5",
            "--set node.zone: unknown key (did you mean dynamo.node.zone?)",
            "--set novalue: expected key=value");
  }

  @Test
  void syntaxErrorsAreOneLineWithFileAndLine() throws IOException {
    assertThat(problems("dynamo.node.id = n1\ndynamo.node { port = }"))
        .singleElement()
        .asString()
        .startsWith(f() + ":2: ");
  }

  @Test
  void aMissingFileIsNamed() {
    assertThatThrownBy(() -> ConfigLoader.isolated(dir).withFile(dir.resolve("nope.conf")).load())
        .isInstanceOf(ConfigValidationException.class)
        .hasMessage(dir.resolve("nope.conf") + ": no such configuration file");
  }

  @Test
  void everyEnvironmentNameMapsToOneSetting() {
    Map<String, String> names = Overrides.environmentNames(ConfigLoader.reference());
    assertThat(names).containsEntry("DYNAMO_NODE_DATA_DIR", "dynamo.node.data-dir");
    assertThat(names.values()).doesNotHaveDuplicates();
    assertThat(names.size()).isEqualTo(names.values().stream().distinct().count());
  }

  @Test
  void theLeaseFileMustLieOutsideTheDataDirectory() throws IOException {
    assertThat(problems("dynamo.node { id = n1, data-dir = \"" + dir + "\" }"))
        .singleElement()
        .asString()
        .contains(
            "dynamo.node.lease-file: " + dir.resolve("n1.lease") + " is inside the data directory");
  }

  @Test
  void anEnvironmentVariableFarFromEverySettingIsIgnoredWithOneWarning() throws IOException {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Overrides.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    try {
      ConfigLoader withForeign =
          loader("dynamo.node.id = n1").withEnvironment(Map.of("DYNAMO_TOOLS_HOME", "/opt/tools"));
      assertThat(withForeign.load().node().id()).isEqualTo(NodeId.of("n1"));
      withForeign.load();
      assertThat(logged.list)
          .singleElement()
          .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .asString()
          .startsWith("ignoring environment variable DYNAMO_TOOLS_HOME");
    } finally {
      logger.detachAppender(logged);
    }
  }
}
