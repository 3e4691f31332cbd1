/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.security.AdminToken;
import io.dynamokv.core.security.ClusterSecret;
import io.dynamokv.server.cli.ExitCodes;
import io.dynamokv.server.it.ClusterCliTest.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dynamo leave} and {@code dynamo remove}, each in its own JVM as an operator runs them,
 * against a running 3-node cluster: they reach the node's peer port with the admin token, and a
 * wrong token or none is refused. The tests change the cluster, so they run in order: the refusals
 * first, then n3 leaves, then n2 is killed and removed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminCliTest {
  @RegisterExtension static final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir static Path dir;

  private static ProcessCluster cluster;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = logs.watch(ProcessCluster.create(dir.resolve("cluster"), "memory", 3));
    try {
      cluster.startAll();
    } catch (RuntimeException | Error e) {
      cluster.printLogTails(System.out, 80);
      cluster.close();
      throw e;
    }
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void removeWithoutATokenFailsWithAClearMessage() throws Exception {
    CliRun remove = dynamo("remove", "n3", "--address", cluster.node(1).address());

    assertThat(remove.code()).as("%s", remove).isEqualTo(ExitCodes.USAGE);
    assertThat(remove.err())
        .isEqualTo(
            "remove needs the admin token: pass --admin-token-file, --admin-token,"
                + " DYNAMO_ADMIN_TOKEN or --config of a node of the cluster\n");
  }

  @Test
  @Order(2)
  void theTokenOfAnotherSecretIsRefusedAndChangesNothing() throws Exception {
    byte[] other = new byte[32];
    new SecureRandom().nextBytes(other);
    AdminToken wrong =
        AdminToken.of(ClusterSecret.parse(Base64.getEncoder().encodeToString(other), "test"));
    Path tokenFile = dir.resolve("wrong.token");
    Files.writeString(tokenFile, wrong.encode(), UTF_8);

    CliRun leave =
        dynamo("leave", "--admin-token-file", tokenFile.toString(), "--address", address(3));
    CliRun remove =
        dynamo("remove", "n3", "--admin-token", wrong.encode(), "--address", address(1));

    for (CliRun run : new CliRun[] {leave, remove}) {
      assertThat(run.code()).as("%s", run).isEqualTo(ExitCodes.REFUSED);
      assertThat(run.err()).as("%s", run).startsWith("the node refused the admin token");
    }
    assertThat(cluster.node(1).members())
        .isEqualTo(
            Map.of("n1", "NORMAL reachable", "n2", "NORMAL reachable", "n3", "NORMAL reachable"));
  }

  @Test
  @Order(3)
  void leaveWithTheTokenOfTheNodesConfigurationMakesTheNodeLeave() throws Exception {
    CliRun leave =
        dynamo("leave", "--config", cluster.node(3).config().toString(), "--address", address(3));

    assertThat(leave.code()).as("%s", leave).isZero();
    // After the plan (or a warning on stderr from a node that cannot plan yet).
    assertThat(leave.out()).endsWith("ok: n3 is leaving the cluster\n");
    cluster.awaitCondition(
        "n1 sees n3 leave", () -> cluster.node(1).members().get("n3").matches("(LEAVING|LEFT) .*"));
  }

  @Test
  @Order(4)
  void removeWithTheTokenRemovesAKilledNode() throws Exception {
    cluster.node(2).kill();
    cluster.awaitCondition(
        "n1 finds n2 unreachable",
        () -> cluster.node(1).members().get("n2").endsWith("UNREACHABLE"));
    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, cluster.adminToken().encode() + "\n", UTF_8);

    CliRun remove =
        dynamo("remove", "n2", "--admin-token-file", tokenFile.toString(), "--address", address(1));

    assertThat(remove.code()).as("%s", remove).isZero();
    assertThat(remove.out()).endsWith("ok: n2 is removed (by n1)\n");
    cluster.awaitCondition(
        "n1 reports n2 REMOVED", () -> cluster.node(1).members().get("n2").startsWith("REMOVED"));
    CliRun status = dynamo("status", "--address", address(1));
    assertThat(status.out()).as("%s", status).containsPattern("(?m)^n2 +.* REMOVED +NO +");
  }

  private static String address(int node) {
    return cluster.node(node).address();
  }

  private static CliRun dynamo(String... args) throws IOException, InterruptedException {
    return ClusterCliTest.dynamoIn(dir, args);
  }
}
