/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.AuthenticationException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StatusSection.Stat;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.client.Sibling;
import io.dynamokv.core.node.StoreDefinition;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.server.cli.CliBackend.ClusterStatus;
import io.dynamokv.server.cli.CliBackend.Member;
import io.dynamokv.server.config.Address;
import io.dynamokv.server.config.ConfigLoader;
import io.dynamokv.server.runtime.SecretFile;
import io.dynamokv.server.runtime.TransportFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in process, its data commands against a fake backend. */
class DynamoCliTest {
  @TempDir Path dir;

  private final FakeBackend backend = new FakeBackend();
  private final List<Address> connected = new ArrayList<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(CliBackend.Connector connector, String... args) {
    return new DynamoCli(() -> ConfigLoader.isolated(dir), TransportFactory.isolated(), connector)
        .run(args, new PrintWriter(out), new PrintWriter(err));
  }

  private int runWithEnvironment(Map<String, String> environment, String... args) {
    return new DynamoCli(
            () -> ConfigLoader.isolated(dir),
            TransportFactory.isolated(),
            addresses -> {
              connected.addAll(addresses);
              return backend;
            },
            environment::get)
        .run(args, new PrintWriter(out), new PrintWriter(err));
  }

  /** A node configuration whose cluster secret file exists; returns the secret's admin token. */
  private AdminToken nodeConfigWithSecret(Path config) throws Exception {
    Path secret = dir.resolve("cluster.secret");
    SecretFile.make(secret);
    Files.writeString(
        config,
        "dynamo.node.id = n1\n"
            + "dynamo.node.data-dir = \""
            + dir.resolve("data")
            + "\"\n"
            + "dynamo.cluster.secret-file = \""
            + secret
            + "\"\n");
    return AdminToken.of(ClusterSecret.parse(Files.readString(secret, UTF_8), secret.toString()));
  }

  @Test
  void removeWithoutATokenFailsWithAClearMessageAndContactsNoNode() {
    assertThat(runWithEnvironment(Map.of(), "remove", "n3", "--address", "h:7000"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err)
        .hasToString(
            "remove needs the admin token: pass --admin-token-file, --admin-token,"
                + " DYNAMO_ADMIN_TOKEN or --config of a node of the cluster\n");
    assertThat(connected).isEmpty();
    assertThat(backend.adminCalls).isEmpty();
  }

  @Test
  void leaveWithoutATokenFailsWithAClearMessage() {
    assertThat(runWithEnvironment(Map.of(), "leave", "--address", "h:7000"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).startsWith("leave needs the admin token: pass --admin-token-file");
  }

  @Test
  void removeSendsTheTokenOfTheNodesConfiguration() throws Exception {
    Path config = dir.resolve("node.conf");
    AdminToken token = nodeConfigWithSecret(config);

    assertThat(run("remove", "n3", "--config", config.toString(), "--address", "h:7000"))
        .as("%s", err)
        .isEqualTo(ExitCodes.OK);

    assertThat(backend.planCalls).containsExactly("plan REMOVE n3 with " + token.encode());
    assertThat(backend.adminCalls).containsExactly("remove n3 with " + token.encode());
    assertThat(out).hasToString("plan: remove n3\nok: n3 is removed (by n1)\n");
  }

  @Test
  void joinPrintsThePlanOfTheNodeItselfThenCommits() throws Exception {
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));

    assertThat(run("join", "--admin-token", token.encode(), "--address", "h:7000"))
        .as("%s", err)
        .isEqualTo(ExitCodes.OK);

    assertThat(backend.planCalls).containsExactly("plan JOIN null with " + token.encode());
    assertThat(backend.adminCalls).containsExactly("join with " + token.encode());
    assertThat(out).hasToString("plan: join n1\nok: n1 is joining the cluster\n");
    assertThat(err).hasToString("");
  }

  @Test
  void dryRunPrintsThePlanAndChangesNothing() throws Exception {
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));

    assertThat(run("join", "--dry-run", "--admin-token", token.encode(), "--address", "h:7000"))
        .isZero();
    assertThat(run("leave", "--dry-run", "--admin-token", token.encode(), "--address", "h:7000"))
        .isZero();
    assertThat(
            run("remove", "n3", "--dry-run", "--admin-token", token.encode(), "--address", "h:7"))
        .isZero();

    assertThat(backend.planCalls).hasSize(3);
    assertThat(backend.adminCalls).as("committed changes").isEmpty();
    String dryRun = "dry run: nothing was changed (run it again without --dry-run to commit)\n";
    assertThat(out)
        .hasToString(
            "plan: join n1\n"
                + dryRun
                + "plan: leave n1\n"
                + dryRun
                + "plan: remove n3\n"
                + dryRun);
  }

  @Test
  void aRefusedPlanExitsWithFiveAndChangesNothing() throws Exception {
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));
    backend.planOutcome = CliBackend.Plan.Outcome.REFUSED;
    backend.planText = "n1 is already in the ring";

    assertThat(run("join", "--admin-token", token.encode(), "--address", "h:7000"))
        .isEqualTo(ExitCodes.PLAN_REFUSED);

    assertThat(backend.adminCalls).isEmpty();
    assertThat(out).hasToString("");
    assertThat(err)
        .hasToString("join refused by n1: n1 is already in the ring; nothing was changed\n");
  }

  @Test
  void aNodeThatCannotPlanGetsTheChangeWithAWarningButNoDryRun() throws Exception {
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));
    backend.planOutcome = CliBackend.Plan.Outcome.UNAVAILABLE;
    backend.planText = "not yet";

    assertThat(run("leave", "--admin-token", token.encode(), "--address", "h:7000")).isZero();
    assertThat(err)
        .hasToString(
            "warning: n1 cannot show the plan of the leave (not yet); committing it without one\n");
    assertThat(out).hasToString("ok: n1 is leaving the cluster\n");
    assertThat(backend.adminCalls).containsExactly("leave with " + token.encode());

    err.getBuffer().setLength(0);
    assertThat(run("leave", "--dry-run", "--admin-token", token.encode(), "--address", "h:7000"))
        .isEqualTo(ExitCodes.FAILURE);
    assertThat(err).hasToString("n1 cannot show the plan of the leave: not yet\n");
    assertThat(backend.adminCalls).hasSize(1);
  }

  @Test
  void joinNamesExactlyOneNodeAndNeedsTheToken() throws Exception {
    assertThat(runWithEnvironment(Map.of(), "join", "--address", "h:7000"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).startsWith("join needs the admin token: pass --admin-token-file");
    err.getBuffer().setLength(0);
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));
    assertThat(run("join", "--admin-token", token.encode(), "--address", "h:7000,h:7001"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).startsWith("join: name the one node that joins with --address");
    assertThat(backend.planCalls).isEmpty();
    assertThat(backend.adminCalls).isEmpty();
  }

  @Test
  void repairWaitsForThePassWhenAskedAndNamesOneNode() throws Exception {
    Path config = dir.resolve("node.conf");
    AdminToken token = nodeConfigWithSecret(config);

    assertThat(
            run(
                "repair",
                "--wait",
                "--wait-limit",
                "10m",
                "--config",
                config.toString(),
                "--address",
                "h:7000"))
        .as("%s", err)
        .isEqualTo(ExitCodes.OK);
    assertThat(run("repair", "--config", config.toString(), "--address", "h:7000"))
        .as("%s", err)
        .isEqualTo(ExitCodes.OK);

    assertThat(backend.adminCalls)
        .containsExactly(
            "repair wait=true limit=PT10M with " + token.encode(),
            "repair wait=false limit=PT1H with " + token.encode());
    assertThat(out)
        .hasToString(
            "ok: n1 finished a full anti-entropy pass\nok: n1 started a full anti-entropy pass\n");
    assertThat(run("repair", "--config", config.toString(), "--address", "h:7000,g:7000"))
        .isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void theTokenComesFromAFlagAFileOrTheEnvironment() throws Exception {
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));
    Path file = dir.resolve("admin.token");
    Files.writeString(file, token.encode() + "\n");

    assertThat(run("leave", "--admin-token", token.encode(), "--address", "h:7000")).isZero();
    assertThat(run("remove", "n2", "--admin-token-file", file.toString(), "--address", "h:7000"))
        .isZero();
    assertThat(
            runWithEnvironment(
                Map.of("DYNAMO_ADMIN_TOKEN", token.encode()),
                "remove",
                "n3",
                "--address",
                "h:7000"))
        .isZero();

    assertThat(backend.adminCalls)
        .containsExactly(
            "leave with " + token.encode(),
            "remove n2 with " + token.encode(),
            "remove n3 with " + token.encode());
  }

  @Test
  void leaveNamesExactlyOneNode() throws Exception {
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));
    assertThat(run("leave", "--admin-token", token.encode(), "--address", "h:7000,h:7001"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).startsWith("leave: name the one node that leaves with --address");
    assertThat(backend.adminCalls).isEmpty();
  }

  @Test
  void aRefusedTokenExitsWithFourAndSaysSo() throws Exception {
    AdminToken token = nodeConfigWithSecret(dir.resolve("node.conf"));
    backend.failWith = new AuthenticationException("unknown admin key id 1234abcd");

    assertThat(run("remove", "n3", "--admin-token", token.encode(), "--address", "h:7000"))
        .isEqualTo(ExitCodes.REFUSED);
    assertThat(err.toString())
        .startsWith("the node refused the admin token (unknown admin key id 1234abcd)");
  }

  @Test
  void aMissingTokenFileIsAUsageError() {
    Path missing = dir.resolve("no.token");
    assertThat(run("remove", "n3", "--admin-token-file", missing.toString(), "--address", "h:7"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err).hasToString("--admin-token-file: no such file " + missing + "\n");
  }

  @Test
  void somethingThatIsNotATokenIsAUsageError() {
    assertThat(run("remove", "n3", "--admin-token", "secret", "--address", "h:7000"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).startsWith("--admin-token: not an admin token");
    assertThat(err.toString()).doesNotContain("secret\"");
  }

  @Test
  void adminTokenPrintsTheTokenOfTheNodesSecret() throws Exception {
    Path config = dir.resolve("node.conf");
    AdminToken token = nodeConfigWithSecret(config);

    assertThat(run("admin-token", "--config", config.toString())).isZero();

    assertThat(out).hasToString(token.encode() + "\n");
  }

  @Test
  void adminTokenSaysWhenTheSecretFileIsMissing() throws Exception {
    Path config = dir.resolve("node.conf");
    Files.writeString(
        config,
        "dynamo.node.id = n1\ndynamo.cluster.secret-file = \"" + dir.resolve("none") + "\"\n");

    assertThat(run("admin-token", "--config", config.toString())).isEqualTo(ExitCodes.USAGE);

    assertThat(err.toString())
        .startsWith("--config " + config + ": dynamo.cluster.secret-file: no such file");
  }

  private int run(String... args) {
    return run(
        addresses -> {
          connected.addAll(addresses);
          return backend;
        },
        args);
  }

  @Test
  void putReadsFirstSoTheWriteSupersedesWhatIsThere() {
    backend.values.put("k", List.of("old1", "old2"));

    assertThat(run("put", "k", "new", "--address", "h:7000")).isEqualTo(ExitCodes.OK);

    assertThat(out).hasToString("ok\n");
    assertThat(backend.values).containsEntry("k", List.of("new"));
    assertThat(backend.putContexts).containsExactly("ctx-k");
    assertThat(connected).containsExactly(new Address("h", 7000));
    assertThat(backend.closed).isTrue();
  }

  @Test
  void getPrintsEverySiblingAndSaysWhenThereAreSeveral() {
    backend.values.put("k", List.of("a", "b"));

    assertThat(run("get", "k", "--address", "h:7000", "--store", "users")).isEqualTo(0);

    assertThat(out).hasToString("a\nb\n");
    assertThat(err)
        .hasToString(
            "2 concurrent versions (siblings); a put supersedes them all\n"
                + "  1: written through n1 at 1970-01-01T00:00:00Z\n"
                + "  2: written through n1 at 1970-01-01T00:00:01Z\n");
    assertThat(backend.stores).containsOnly("users");
  }

  @Test
  void getOfAnAbsentKeyPrintsNothingOnStandardOutputAndExitsWithItsOwnCode() {
    assertThat(run("get", "nope", "--address", "h:7000")).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(out).hasToString("");
    assertThat(err).hasToString("not found: nope\n");
  }

  @Test
  void severalAddressesAndPerRequestQuorumsAndTimeoutsReachTheBackend() {
    backend.values.put("k", List.of("v"));
    assertThat(
            run(
                "put",
                "k",
                "new",
                "--address",
                "h1:7000,h2:7001",
                "--address",
                "h3:7002",
                "--r",
                "1",
                "--w",
                "3",
                "--timeout",
                "250ms"))
        .isEqualTo(ExitCodes.OK);
    assertThat(connected)
        .containsExactly(new Address("h1", 7000), new Address("h2", 7001), new Address("h3", 7002));
    assertThat(backend.options)
        .containsExactly(
            new RequestOptions(1, Duration.ofMillis(250)),
            new RequestOptions(3, Duration.ofMillis(250)));

    assertThat(run("get", "k", "--address", "h:1", "--timeout", "soon")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--timeout: expected a duration such as 500ms or 2s");
  }

  @Test
  void getLocalPrintsOneNodesOwnCopyWithTombstonesAndSaysWhetherItOwnsTheKey() {
    backend.localCopy =
        new CliBackend.LocalCopy(
            "n2 at h:7000",
            List.of(
                new CliBackend.StoredVersion("milk".getBytes(UTF_8), false, 0),
                new CliBackend.StoredVersion(new byte[0], true, 1000)),
            false,
            List.of("n1", "n3", "n4"),
            7);

    assertThat(run("get", "--local", "k", "--address", "h:7000", "--store", "users"))
        .isEqualTo(ExitCodes.OK);

    assertThat(out)
        .hasToString("value 1970-01-01T00:00:00Z milk\ntombstone 1970-01-01T00:00:01Z\n");
    assertThat(err)
        .hasToString(
            "n2 at h:7000 does NOT own k (owners n1, n3, n4; ring version 7) and stores 2 versions"
                + " of it\n");
    assertThat(backend.stores).containsExactly("users:k");
  }

  @Test
  void getLocalOfAKeyTheNodeHoldsNothingForExitsWithTheAbsentCode() {
    backend.localCopy = new CliBackend.LocalCopy("n1 at h:7000", List.of(), true, List.of("n1"), 2);
    assertThat(run("get", "--local", "k", "--address", "h:7000")).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(out).hasToString("");
    assertThat(err.toString()).contains("n1 at h:7000 owns k").contains("stores 0 versions");
  }

  @Test
  void getLocalRefusesAQuorumAnEmptyKeyAndAnUnknownStore() {
    assertThat(run("get", "--local", "k", "--r", "2", "--address", "h:1"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--r does not apply to --local");
    assertThat(run("get", "--local", "", "--address", "h:1")).isEqualTo(ExitCodes.USAGE);
    backend.failWith = StoreNotFoundException.forStore("nope");
    assertThat(run("get", "--local", "k", "--store", "nope", "--address", "h:1"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(backend.stores).containsExactly("nope:k");
  }

  @Test
  void aQuorumOfZeroIsRefusedRatherThanTakenForTheStoresDefault() {
    assertThat(run("get", "k", "--address", "h:1", "--r", "0")).isEqualTo(ExitCodes.USAGE);
    assertThat(err).hasToString("--r: must be 1 or more, found 0\n");
    assertThat(run("get", "k", "--address", "h:1")).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(backend.options).containsExactly(RequestOptions.DEFAULTS);
  }

  @Test
  void aPutThatCannotReadFirstSaysSoInItsOwnWordsAndWroteNothing() {
    backend.failWith =
        new InsufficientReplicasException(
            "get",
            0,
            2,
            "only 1 node owns this key [n1], fewer than R=2: the cluster has fewer nodes than"
                + " that; start more nodes, or lower the store's read-quorum");
    assertThat(run("put", "k", "v", "--address", "h:1")).isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString())
        .startsWith(
            "put failed before writing anything: reading the key's current versions, to supersede"
                + " them, reached 0 of the 2 replicas it needs")
        .contains("fewer than R=2");
    assertThat(backend.putContexts).isEmpty();
  }

  @Test
  void deleteUsesTheContextOfARead() {
    backend.values.put("k", List.of("v"));
    assertThat(run("delete", "k", "--address", "h:7000")).isEqualTo(0);
    assertThat(backend.values).doesNotContainKey("k");
  }

  @Test
  void statusPrintsOneLinePerMember() {
    assertThat(run("status", "--address", "h:7000")).isEqualTo(0);
    assertThat(out.toString().lines())
        .containsExactly(
            "as seen by n1:",
            "node             address                  peer address             zone       state     "
                + " reachable   owns",
            "n1               127.0.0.1:7000           127.0.0.1:7100           -          NORMAL    "
                + " yes         50.0%",
            "n2               127.0.0.1:7001           -                        z2         NORMAL    "
                + " NO          50.0%",
            "",
            "store              N   R   W    max-key  max-value  siblings    bytes/key     context",
            "default            2   1   1      256 B      1 MiB        25        5 MiB      64 KiB",
            "",
            "every partition has max(R, W) reachable owners");
  }

  @Test
  void statusPrintsEverySectionTheNodeReports() {
    backend.sections =
        List.of(
            new StatusSection("coordinator", List.of(Stat.counter("reads", 12, "Reads"))),
            new StatusSection(
                "formats", List.of(Stat.gauge("reads", "family", "siblings", 2, "Newest read"))));
    assertThat(run("status", "--address", "h:7000")).isEqualTo(0);
    assertThat(out.toString().lines())
        .containsSubsequence(
            "every partition has max(R, W) reachable owners",
            "",
            "coordinator:",
            "  reads                                    12",
            "",
            "formats:",
            "  reads{family=siblings}                   2");
  }

  @Test
  void statusShowsTheHintsANodeHoldsOwnerByOwner() {
    String longId = "node-7.rack-b.eu-west-1.example.internal";
    backend.sections =
        List.of(
            new StatusSection(
                "handoff",
                List.of(
                    new Stat(
                        "hints", StatusSection.Kind.GAUGE, new java.util.TreeMap<>(), 0, "Held"),
                    Stat.counter("delivered", 12, "Hints delivered"),
                    Stat.gauge("owner.hints", "owner", "n2", 3, "Hints held, by owner"),
                    Stat.gauge("owner.bytes", "owner", "n2", 4096, "Bytes, by owner"),
                    Stat.gauge("owner.oldest.age.ms", "owner", "n2", 1500, "Oldest, by owner"),
                    Stat.gauge("owner.hints", "owner", longId, 0, "Hints held, by owner"))),
            new StatusSection("gossip", List.of(Stat.counter("rounds", 7, "Rounds"))));
    assertThat(run("status", "--address", "h:7000")).isEqualTo(0);

    String pad = " ".repeat(("owner.hints{owner=" + longId + "} ").length());
    assertThat(out.toString().lines())
        .containsSubsequence(
            "handoff:",
            "  hints" + pad.substring("hints".length()) + "0",
            "  delivered" + pad.substring("delivered".length()) + "12",
            "  owner.hints{owner=n2}" + pad.substring("owner.hints{owner=n2}".length()) + "3",
            "  owner.bytes{owner=n2}" + pad.substring("owner.bytes{owner=n2}".length()) + "4096",
            "  owner.oldest.age.ms{owner=n2}"
                + pad.substring("owner.oldest.age.ms{owner=n2}".length())
                + "1500",
            "  owner.hints{owner=" + longId + "} 0",
            "",
            "gossip:",
            "  rounds                                   7");
  }

  @Test
  void anUnknownStoreIsAUsageError() {
    backend.failWith =
        new StoreNotFoundException("no store named nope; this cluster serves [default]");
    assertThat(run("get", "k", "--address", "h:7000", "--store", "nope")).isEqualTo(2);
    assertThat(err).hasToString("no store named nope; this cluster serves [default]\n");
  }

  @Test
  void aNodeThatIsNotRunningIsOneClearLine() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    assertThat(run(ThriftCliBackend.connector(), "put", "k", "v", "--address", "127.0.0.1:" + port))
        .isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString())
        .contains("127.0.0.1:" + port)
        .contains("Connection refused")
        .contains("bin/dynamo local-cluster")
        .hasLineCount(1);
  }

  @Test
  void withoutAddressTheLocalClusterFileIsRequired() {
    Path file = dir.resolve("cluster.json");
    assertThat(run("get", "k", "--cluster-file", file.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString())
        .isEqualTo(
            "no --address given and no local cluster found ("
                + file
                + " does not exist); start one with 'bin/dynamo local-cluster' or pass --address"
                + " HOST:PORT\n");
  }

  @Test
  void withoutAddressTheFirstNodeOfARunningLocalClusterIsAsked() throws Exception {
    Path file = dir.resolve("cluster.json");
    node(ProcessHandle.current().pid()).write(file);

    assertThat(run("get", "k", "--cluster-file", file.toString())).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(connected).containsExactly(new Address("127.0.0.1", 7100));
  }

  @Test
  void aClusterFileOfAStoppedSupervisorIsRefused() throws Exception {
    Path file = dir.resolve("cluster.json");
    Process gone = new ProcessBuilder(JavaCommand.of(Gone.class, List.of(), List.of())).start();
    gone.waitFor();
    node(gone.pid()).write(file);

    assertThat(run("get", "k", "--cluster-file", file.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("is not running (its supervisor, pid " + gone.pid());
  }

  /** A process that exits at once, for a pid that is surely gone. */
  static final class Gone {
    public static void main(String[] args) {}
  }

  private ClusterFile node(long supervisor) {
    return new ClusterFile(
        supervisor,
        dir,
        dir.resolve("admin.token"),
        List.of(
            new ClusterFile.Node(
                "n1",
                "127.0.0.1:7100",
                "127.0.0.1:7200",
                "http://127.0.0.1:8100",
                1,
                dir.resolve("n1/dynamo.conf"),
                dir.resolve("n1/node.log"))));
  }

  @Test
  void usageErrorsExitWithTwoAndPointToHelp() {
    assertThat(run("put", "only-a-key")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString().lines())
        .containsExactly("Missing required parameter: 'VALUE'", "Try 'dynamo put --help'.");
  }

  @Test
  void unexpectedErrorsAreOneLineUnlessVerbose() {
    backend.failWith = new IllegalStateException("boom\nsecond line");
    assertThat(run("get", "k", "--address", "h:1")).isEqualTo(ExitCodes.FAILURE);
    assertThat(err).hasToString("error: boom (--verbose shows the stack trace)\n");

    StringWriter verboseErr = new StringWriter();
    new DynamoCli(() -> ConfigLoader.isolated(dir), TransportFactory.isolated(), a -> backend)
        .run(
            new String[] {"get", "k", "--address", "h:1", "--verbose"},
            new PrintWriter(out),
            new PrintWriter(verboseErr));
    assertThat(verboseErr.toString()).startsWith("error: boom\n").contains("at io.dynamokv");
  }

  @Test
  void serverCheckValidatesWithoutStarting() {
    assertThat(
            run(
                "server",
                "--check",
                "--set",
                "dynamo.node.id=n9",
                "--set",
                "dynamo.node.port=0",
                "--set",
                "dynamo.metrics.enabled=false"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).isEqualTo("--set dynamo.node.port: must be 1 to 65535, found 0\n");
  }

  @Test
  void serverCheckWarnsWhenTheSeedsCannotReachAStoresReplicas() {
    assertThat(
            run(
                "server",
                "--check",
                "--set",
                "dynamo.node.id=n9",
                "--set",
                "dynamo.node.port=" + freePort(),
                "--set",
                "dynamo.metrics.enabled=false",
                "--set",
                "dynamo.node.data-dir=" + dir.resolve("data"),
                "--set",
                "dynamo.storage.engine=memory"))
        .isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("configuration of node n9 is valid");
    assertThat(err.toString())
        .startsWith("warning: store default keeps N=3 replicas (R=2, W=2) but this node and its")
        .contains("1 node(s) [n9]")
        .contains("dynamo.cluster.seeds");
  }

  private static int freePort() {
    return io.dynamokv.server.FreePorts.next();
  }

  private static final StoreDefinition STORE_N2_R1_W1 =
      new StoreDefinition("default", 2, 1, 1, 256, 1 << 20, 25, 5 << 20, 64 << 10);

  /** n1 (reachable, NORMAL) and n2 (in {@code state}, unreachable), owning alternate partitions. */
  private static ClusterStatus twoNodes(StoreDefinition store, boolean withRing) {
    NodeId n1 = NodeId.of("n1");
    NodeId n2 = NodeId.of("n2");
    Optional<Ring> ring =
        withRing
            ? Optional.of(Ring.ofPartitions(1, List.of(n1, n2, n1, n2), Map.of()))
            : Optional.empty();
    return new ClusterStatus(
        "n1",
        ring,
        List.of(store),
        List.of(
            new Member("n1", "127.0.0.1:7000", "127.0.0.1:7100", "", "NORMAL", true, 50),
            new Member("n2", "127.0.0.1:7001", "", "z2", "NORMAL", false, 50)));
  }

  @Test
  void statusWaitReturnsOnceEveryPartitionHasItsQuorumAndTheProbeSucceeds() {
    StoreDefinition r2 =
        new StoreDefinition("default", 2, 2, 1, 256, 1 << 20, 25, 5 << 20, 64 << 10);
    backend.statuses.add(twoNodes(STORE_N2_R1_W1, false)); // no ring yet
    backend.statuses.add(twoNodes(r2, true)); // R=2, but n2 is unreachable
    backend.statuses.add(twoNodes(STORE_N2_R1_W1, true)); // max(R, W) = 1: serves

    assertThat(run("status", "--wait", "--timeout", "30s", "--address", "h:7000"))
        .as("%s", err)
        .isEqualTo(ExitCodes.OK);

    assertThat(backend.statusCalls).isEqualTo(3);
    assertThat(backend.probes).containsExactly("default");
    assertThat(out.toString())
        .startsWith("serving, as seen by n1: every partition of 1 store(s) has max(R, W)");
  }

  @Test
  void statusWaitFailsWithTheReasonWhenTheTimeoutPasses() {
    StoreDefinition r2 =
        new StoreDefinition("default", 2, 2, 1, 256, 1 << 20, 25, 5 << 20, 64 << 10);
    backend.statuses.add(twoNodes(r2, true));

    assertThat(run("status", "--wait", "--timeout", "1s", "--address", "h:7000"))
        .isEqualTo(ExitCodes.FAILURE);

    assertThat(backend.probes).isEmpty();
    assertThat(err.toString())
        .isEqualTo(
            "error: the cluster does not serve after 1s: store default (N=2, R=2, W=1): 4 of 4"
                + " partitions lack max(R, W) serving owners; partition 0 has 1 serving owner(s)"
                + " of the 2 needed (not serving: n2)\n");
  }

  @Test
  void aTimeoutWithoutAUnitIsRefusedRatherThanReadAsMilliseconds() {
    assertThat(run("status", "--wait", "--timeout", "60", "--address", "h:7000"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err).hasToString("--timeout: needs a unit, e.g. 60s or 60ms; found \"60\"\n");
    assertThat(backend.statusCalls).isZero();
  }

  @Test
  void statusWaitFailsWhenTheProbeFails() {
    backend.failWith = new InsufficientReplicasException("put", 0, 1, "");

    assertThat(run("status", "--wait", "--timeout", "1s", "--address", "h:7000"))
        .isEqualTo(ExitCodes.FAILURE);

    assertThat(err.toString())
        .startsWith("error: the cluster does not serve after 1s: put reached 0 of the 1");
  }

  /** Keys and values as strings; the context of a key names it. */
  private static final class FakeBackend implements CliBackend {
    final Map<String, List<String>> values = new TreeMap<>();
    final List<String> putContexts = new ArrayList<>();
    final List<String> stores = new ArrayList<>();
    final List<RequestOptions> options = new ArrayList<>();
    List<StatusSection> sections = List.of();
    RuntimeException failWith;
    boolean closed;
    final java.util.ArrayDeque<ClusterStatus> statuses = new java.util.ArrayDeque<>();
    final List<String> probes = new ArrayList<>();
    final List<String> adminCalls = new ArrayList<>();
    final List<String> planCalls = new ArrayList<>();
    Plan.Outcome planOutcome = Plan.Outcome.READY;
    String planText;
    int statusCalls;
    LocalCopy localCopy;

    @Override
    public GetResult get(String store, byte[] key, RequestOptions options) {
      stores.add(store);
      this.options.add(options);
      if (failWith != null) {
        throw failWith;
      }
      String k = new String(key, UTF_8);
      List<String> v = values.getOrDefault(k, List.of());
      List<Sibling<byte[]>> siblings = new ArrayList<>();
      for (int i = 0; i < v.size(); i++) {
        siblings.add(
            new Sibling<>(
                v.get(i).getBytes(UTF_8), NodeId.of("n1"), java.time.Instant.ofEpochSecond(i)));
      }
      return new GetResult(
          siblings, v.isEmpty() ? Context.EMPTY : Context.fromBytes(("ctx-" + k).getBytes(UTF_8)));
    }

    @Override
    public Context put(
        String store, byte[] key, byte[] value, Context context, RequestOptions options) {
      this.options.add(options);
      putContexts.add(new String(context.toBytes(), UTF_8));
      values.put(new String(key, UTF_8), List.of(new String(value, UTF_8)));
      return context;
    }

    @Override
    public Context delete(String store, byte[] key, Context context, RequestOptions options) {
      values.remove(new String(key, UTF_8));
      return context;
    }

    @Override
    public ClusterStatus status() {
      statusCalls++;
      ClusterStatus base =
          statuses.size() > 1
              ? statuses.removeFirst()
              : statuses.isEmpty() ? twoNodes(STORE_N2_R1_W1, true) : statuses.getFirst();
      return new ClusterStatus(
          base.contacted(), base.ring(), base.stores(), base.members(), sections);
    }

    @Override
    public void probe(String store) {
      if (failWith != null) {
        throw failWith;
      }
      probes.add(store);
    }

    @Override
    public LocalCopy localRead(String store, byte[] key) {
      stores.add(store + ":" + new String(key, UTF_8));
      if (failWith != null) {
        throw failWith;
      }
      return localCopy;
    }

    @Override
    public Plan plan(AdminToken token, Change change, String nodeId) {
      if (failWith != null) {
        throw failWith;
      }
      planCalls.add("plan " + change + " " + nodeId + " with " + token.encode());
      String text =
          planText != null
              ? planText
              : "plan: "
                  + change.name().toLowerCase(java.util.Locale.ROOT)
                  + " "
                  + (nodeId == null ? "n1" : nodeId)
                  + "\n";
      return new Plan("n1", planOutcome, text);
    }

    @Override
    public String join(AdminToken token) {
      if (failWith != null) {
        throw failWith;
      }
      adminCalls.add("join with " + token.encode());
      return "n1";
    }

    @Override
    public String leave(AdminToken token) {
      if (failWith != null) {
        throw failWith;
      }
      adminCalls.add("leave with " + token.encode());
      return "n1";
    }

    @Override
    public String repair(AdminToken token, boolean wait, java.time.Duration waitLimit) {
      if (failWith != null) {
        throw failWith;
      }
      adminCalls.add("repair wait=" + wait + " limit=" + waitLimit + " with " + token.encode());
      return "n1";
    }

    @Override
    public String remove(AdminToken token, String nodeId) {
      if (failWith != null) {
        throw failWith;
      }
      adminCalls.add("remove " + nodeId + " with " + token.encode());
      return "n1";
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
