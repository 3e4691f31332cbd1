/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dynamo server} in a real child JVM, refusing to start: exit code 2, one line each. */
class ServerCommandProcessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void aBadConfigurationExitsWithTwoAndOneLinePerProblem() throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("node.conf"),
            """
            dynamo {
              node { id = n1, port = 99999 }
              stores = [{ name = s, replicas = 1, read-quorm = 1, write-quorum = 1 }]
            }
            """);
    try (ChildProcess server = ChildProcess.dynamo("server", "--config", config.toString())) {
      assertThat(server.exitCode(TIMEOUT)).isEqualTo(ExitCodes.USAGE);
      assertThat(server.err().lines())
          .satisfiesExactly(
              line ->
                  assertThat(line)
                      .isEqualTo(config + ":2: dynamo.node.port: must be 1 to 65535, found 99999"),
              line ->
                  assertThat(line)
                      .isEqualTo(
                          config
                              + ":3: dynamo.stores[0].read-quorm: unknown store setting (did you"
                              + " mean dynamo.stores[0].read-quorum?)"),
              // R comes from store-defaults (2), above this store's N=1
              line ->
                  assertThat(line)
                      .matches(
                          "reference\\.conf:\\d+: dynamo\\.store-defaults\\.read-quorum: R=2"
                              + " exceeds N=1 of store s; R must be 1 to N"));
      assertThat(server.out()).isEmpty();
    }
  }

  @Test
  void anOccupiedPortExitsWithTwoAndSaysWhichPort() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        ChildProcess server =
            ChildProcess.dynamo(
                "server",
                "--set",
                "dynamo.node.id=n1",
                "--set",
                "dynamo.node.port=" + busy.getLocalPort(),
                "--set",
                "dynamo.peer.port=" + freePort(),
                "--set",
                "dynamo.metrics.port=0",
                "--set",
                "dynamo.node.data-dir=" + dir.resolve("data"))) {
      assertThat(server.exitCode(TIMEOUT)).isEqualTo(ExitCodes.USAGE);
      assertThat(server.err().lines())
          .containsExactly(
              "dynamo.node.port: the client port "
                  + busy.getLocalPort()
                  + " on 127.0.0.1 is already in use by another process; stop it or choose"
                  + " another port (dynamo.node.port)");
    }
  }

  @Test
  void anOccupiedPeerPortExitsWithTwoAndSaysItIsThePeerPort() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        ChildProcess server =
            ChildProcess.dynamo(
                "server",
                "--set",
                "dynamo.node.id=n1",
                "--set",
                "dynamo.node.port=" + freePort(),
                "--set",
                "dynamo.peer.port=" + busy.getLocalPort(),
                "--set",
                "dynamo.metrics.port=0",
                "--set",
                "dynamo.node.data-dir=" + dir.resolve("data"))) {
      assertThat(server.exitCode(TIMEOUT)).isEqualTo(ExitCodes.USAGE);
      assertThat(server.err().lines())
          .containsExactly(
              "dynamo.peer.port: the peer port "
                  + busy.getLocalPort()
                  + " on 127.0.0.1 is already in use by another process; stop it or choose"
                  + " another port (dynamo.peer.port)");
    }
  }

  @Test
  void aMissingConfigurationFileExitsWithTwo() throws Exception {
    try (ChildProcess server =
        ChildProcess.dynamo("server", "--config", dir.resolve("nope.conf").toString())) {
      assertThat(server.exitCode(TIMEOUT)).isEqualTo(ExitCodes.USAGE);
      assertThat(server.err().lines())
          .containsExactly(dir.resolve("nope.conf") + ": no such configuration file");
    }
  }

  @Test
  void aGracefulStopExitsWithZeroAndIsRecordedAsClean() throws Exception {
    String[] args = {
      "server",
      "--set",
      "dynamo.node.id=n1",
      "--set",
      "dynamo.node.port=" + freePort(),
      "--set",
      "dynamo.peer.port=" + freePort(),
      "--set",
      "dynamo.metrics.port=0",
      "--set",
      "dynamo.node.data-dir=" + dir.resolve("data")
    };
    try (ChildProcess server = ChildProcess.dynamo(args)) {
      org.awaitility.Awaitility.await()
          .atMost(TIMEOUT)
          .until(() -> server.err().contains(" up at "));
      server.process().destroy(); // SIGTERM
      assertThat(server.exitCode(TIMEOUT)).isEqualTo(ExitCodes.OK);
    }
    // The stop was clean: the next start keeps the incarnation (the log of the stop itself can be
    // cut short when a parent reads the child's output through a pipe at its exit).
    try (ChildProcess again = ChildProcess.dynamo(args)) {
      org.awaitility.Awaitility.await()
          .atMost(TIMEOUT)
          .until(() -> again.err().contains(" up at "));
      assertThat(again.err())
          .contains("node n1 keeps incarnation")
          .contains("the last stop was clean");
    }
  }

  private static int freePort() {
    return io.dynamokv.server.FreePorts.next();
  }
}
