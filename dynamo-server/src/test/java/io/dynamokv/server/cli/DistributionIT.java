/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server distribution as a user gets it: {@code dynamo-kv-<version>.tar.gz} unpacked outside
 * the source tree, its example configuration valid, a node started from its {@code bin/dynamo}
 * serving the CLI of the same distribution, and stopped by SIGTERM with exit code 0. Runs in {@code
 * verify}, after {@code package} built the tarball.
 */
@Timeout(180)
class DistributionIT {
  private static final Duration COMMAND = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void anUnpackedDistributionRunsANodeAndItsCli() throws Exception {
    Path tarball = Path.of(System.getProperty("dynamo.dist", "target/dynamo-kv.tar.gz"));
    assertThat(tarball).as("built by mvn package").exists();
    Path home = unpack(tarball);
    assertThat(home.resolve("bin/dynamo")).isExecutable();
    assertThat(home.resolve("conf/dynamo.conf")).isRegularFile();
    assertThat(home.resolve("README.md")).content().contains("## Run a cluster on three machines");
    assertThat(home.resolve("LICENSE")).isRegularFile();
    assertThat(home.resolve("docs/cli.md")).content().contains("## Exit codes");
    try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .anyMatch(name -> name.startsWith("dynamo-server-"))
          .anyMatch(name -> name.startsWith("lmdbjava-"))
          .anyMatch(name -> name.startsWith("libthrift-"));
    }

    Path secret = dir.resolve("cluster.secret");
    Files.writeString(secret, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==\n");
    int port = freePort();
    int peerPort = freePort();
    while (peerPort == port) {
      peerPort = freePort();
    }
    // The example configuration is valid as shipped, once pointed at this machine.
    try (ChildProcess check =
        dynamo(
            home,
            "server",
            "--config",
            home.resolve("conf/dynamo.conf").toString(),
            "--check",
            "--set",
            "dynamo.node.host=127.0.0.1",
            "--set",
            "dynamo.node.advertised-host=null",
            "--set",
            "dynamo.cluster.seeds=n1@127.0.0.1:"
                + peerPort
                + ",n2@127.0.0.2:7100,n3@127.0.0.3:7100",
            "--set",
            "dynamo.node.port=" + port,
            "--set",
            "dynamo.peer.port=" + peerPort,
            "--set",
            "dynamo.metrics.port=0",
            "--set",
            "dynamo.node.data-dir=" + dir.resolve("data"),
            "--set",
            "dynamo.cluster.secret-file=" + secret)) {
      assertThat(check.exitCode(COMMAND)).as(check.err()).isEqualTo(ExitCodes.OK);
      assertThat(check.out()).contains("configuration of node n1 is valid");
    }

    try (ChildProcess node =
        dynamo(
            home,
            "server",
            "--set",
            "dynamo.node.id=n1",
            "--set",
            "dynamo.node.port=" + port,
            "--set",
            "dynamo.peer.port=" + peerPort,
            "--set",
            "dynamo.metrics.port=0",
            "--set",
            "dynamo.node.data-dir=" + dir.resolve("data"),
            "--set",
            "dynamo.cluster.secret-file=" + secret,
            "--set",
            "dynamo.stores=[{name = default, replicas = 1, read-quorum = 1, write-quorum = 1}]",
            "--exit-with-parent")) {
      String address = "127.0.0.1:" + port;
      try (ChildProcess wait =
          dynamo(home, "status", "--wait", "--timeout", "90s", "--address", address)) {
        assertThat(wait.exitCode(Duration.ofSeconds(120)))
            .as("%s\nnode: %s", wait.err(), node.err())
            .isEqualTo(ExitCodes.OK);
        assertThat(wait.out()).startsWith("serving, as seen by n1 at " + address);
      }
      assertThat(run(home, "put", "greeting", "hello", "--address", address)).isZero();
      try (ChildProcess get = dynamo(home, "get", "greeting", "--address", address)) {
        assertThat(get.exitCode(COMMAND)).as(get.err()).isEqualTo(ExitCodes.OK);
        assertThat(get.out()).isEqualTo("hello\n");
      }
      assertThat(run(home, "get", "absent", "--address", address)).isEqualTo(ExitCodes.NOT_FOUND);

      node.process().destroy(); // SIGTERM
      assertThat(node.exitCode(COMMAND)).as(node.err()).isEqualTo(ExitCodes.OK);
    }
  }

  private Path unpack(Path tarball) throws Exception {
    Path into = Files.createDirectories(dir.resolve("install"));
    ProcessBuilder tar =
        new ProcessBuilder(
            "tar", "xzf", tarball.toAbsolutePath().toString(), "-C", into.toString());
    try (ChildProcess untar = ChildProcess.start(tar)) {
      assertThat(untar.exitCode(COMMAND)).as(untar.err()).isZero();
    }
    try (Stream<Path> entries = Files.list(into)) {
      List<Path> top = entries.toList();
      assertThat(top).hasSize(1);
      assertThat(top.get(0).getFileName().toString()).startsWith("dynamo-kv-");
      return top.get(0);
    }
  }

  /** {@code bin/dynamo args...} run from the distribution, in a scratch working directory. */
  private ChildProcess dynamo(Path home, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(home.resolve("bin/dynamo").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().put("DYNAMO_JAVA_OPTS", "-Xmx128m -XX:+UseSerialGC");
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return ChildProcess.start(builder);
  }

  private int run(Path home, String... args) throws Exception {
    try (ChildProcess p = dynamo(home, args)) {
      int code = p.exitCode(COMMAND);
      if (code != 0) {
        System.out.println(
            "bin/dynamo " + String.join(" ", args) + " exited " + code + ": " + p.err());
      }
      return code;
    }
  }

  private static int freePort() {
    return io.dynamokv.server.FreePorts.next();
  }
}
