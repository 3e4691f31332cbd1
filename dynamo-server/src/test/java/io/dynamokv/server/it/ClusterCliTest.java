/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.dynamokv.server.cli.DynamoCli;
import io.dynamokv.server.cli.ExitCodes;
import io.dynamokv.server.cli.JavaCommand;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code dynamo} data commands, each in its own JVM as a user runs them, against a running
 * 3-node cluster (one for the class; every test uses its own keys).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterCliTest {
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger RUNS = new AtomicInteger();

  @RegisterExtension static final PrintLogsOnFailure logs = new PrintLogsOnFailure();

  @TempDir static Path dir;

  private static ProcessCluster cluster;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = logs.watch(ProcessCluster.create(dir.resolve("cluster"), "lmdb", 3));
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
  void aValuePutThroughOneNodeIsReadThroughEveryNode() throws Exception {
    CliRun put = dynamo("put", "greeting", "hello world", "--address", address(1));
    assertThat(put.code()).as("%s", put).isZero();
    assertThat(put.out()).isEqualTo("ok\n");

    for (int i = 1; i <= 3; i++) {
      CliRun get = dynamo("get", "greeting", "--address", address(i));
      assertThat(get.code()).as("%s", get).isZero();
      assertThat(get.out()).as("get through n%d", i).isEqualTo("hello world\n");
    }
  }

  @Test
  void aPutSupersedesTheValueAndADeleteRemovesIt() throws Exception {
    assertThat(dynamo("put", "color", "red", "--address", address(2)).code()).isZero();
    assertThat(dynamo("put", "color", "blue", "--address", address(3)).code()).isZero();

    CliRun get = dynamo("get", "color", "--address", address(1));
    assertThat(get.out()).as("%s", get).isEqualTo("blue\n");
    assertThat(get.err()).as("no siblings reported").doesNotContain("siblings");

    CliRun delete = dynamo("delete", "color", "--address", address(1));
    assertThat(delete.code()).as("%s", delete).isZero();
    CliRun gone = dynamo("get", "color", "--address", address(2));
    assertThat(gone.code()).as("%s", gone).isEqualTo(3);
    assertThat(gone.out()).isEmpty();
    assertThat(gone.err()).contains("not found: color");
  }

  @Test
  void statusListsEveryMemberNormalAndReachable() throws Exception {
    CliRun status = dynamo("status", "--address", address(2));
    assertThat(status.code()).as("%s", status).isZero();
    assertThat(status.out()).startsWith("as seen by n2 at " + address(2) + ":\n");
    for (int i = 1; i <= 3; i++) {
      assertThat(status.out())
          .as("the row of n%d", i)
          .containsPattern(
              Pattern.compile(
                  "(?m)^n"
                      + i
                      + " +"
                      + Pattern.quote(address(i))
                      + " +"
                      + Pattern.quote(cluster.node(i).peerAddress())
                      + " +- +NORMAL +yes +\\d+\\.\\d%$"));
    }
    assertThat(status.out())
        .containsPattern(
            "(?m)^" + ProcessCluster.STORE + " +3 +2 +2 +256 B +1 MiB +25 +5 MiB +64 KiB$")
        .contains("every partition has max(R, W) reachable owners");
  }

  @Test
  void statusWaitReturnsOnceTheClusterServesThroughTheFirstNodeThatAnswers() throws Exception {
    String nowhere;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nowhere = "127.0.0.1:" + s.getLocalPort();
    }
    CliRun wait =
        dynamo("status", "--wait", "--timeout", "60s", "--address", nowhere + "," + address(3));
    assertThat(wait.code()).as("%s", wait).isZero();
    assertThat(wait.out())
        .startsWith("serving, as seen by n3 at " + address(3) + ": every partition of 1 store(s)");
  }

  @Test
  void aNodeThatIsNotThereIsReportedWithExitCodeOne() throws Exception {
    String nowhere;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nowhere = "127.0.0.1:" + s.getLocalPort();
    }
    CliRun get = dynamo("get", "greeting", "--address", nowhere);
    assertThat(get.code()).as("%s", get).isEqualTo(ExitCodes.FAILURE);
    assertThat(get.out()).isEmpty();
    assertThat(get.err()).as("%s", get).hasLineCount(1).contains(nowhere).contains("local-cluster");
  }

  @Test
  void aSecondServerOnADataDirectoryInUseRefusesToStart() throws Exception {
    // n2's configuration on another port: n1's would be refused for contradicting its seed entry.
    ProcessCluster.Node n2 = cluster.node(2);
    int port;
    int peerPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket t = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
      peerPort = t.getLocalPort();
    }
    CliRun second =
        dynamo(
            "server",
            "--config",
            n2.config().toString(),
            "--set",
            "dynamo.node.port=" + port,
            "--set",
            "dynamo.peer.port=" + peerPort,
            "--set",
            "dynamo.metrics.port=0");
    assertThat(second.code()).as("%s", second).isEqualTo(ExitCodes.FAILURE);
    assertThat(second.err().lines().filter(l -> l.startsWith("error: ")))
        .as("%s", second)
        .singleElement(as(STRING))
        .contains(n2.dataDir().toString())
        .contains("in use");
    assertThat(n2.health()).as("n2 still serves").isEqualTo(200);
  }

  private static String address(int node) {
    return cluster.node(node).address();
  }

  /** What a {@code dynamo} command printed, and its exit code. */
  record CliRun(List<String> command, int code, String out, String err) {
    @Override
    public String toString() {
      return String.join(
              " ", command.subList(command.indexOf(DynamoCli.class.getName()), command.size()))
          + " exited with "
          + code
          + "; stdout: "
          + out
          + " stderr: "
          + err;
    }
  }

  /** Runs {@code dynamo args...} in a JVM of its own. */
  private static CliRun dynamo(String... args) throws IOException, InterruptedException {
    return dynamoIn(dir, args);
  }

  /** Runs {@code dynamo args...} in a JVM of its own; its output goes to files in {@code dir}. */
  static CliRun dynamoIn(Path dir, String... args) throws IOException, InterruptedException {
    int run = RUNS.incrementAndGet();
    Path out = dir.resolve("cli-" + run + ".out");
    Path err = dir.resolve("cli-" + run + ".err");
    List<String> command =
        JavaCommand.of(
            DynamoCli.class,
            List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"),
            List.of(args));
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      if (!p.waitFor(CLI_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            "dynamo " + String.join(" ", args) + " still runs after " + CLI_TIMEOUT);
      }
    } finally {
      p.destroyForcibly();
    }
    return new CliRun(
        command, p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
  }
}
