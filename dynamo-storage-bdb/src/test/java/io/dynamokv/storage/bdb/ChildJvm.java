/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link BdbChildMain} on this test's class path. Its stdout is read line by
 * line on a daemon thread, so the test waits for lines with bounded blocking reads; its stderr goes
 * to a file shown on failure. {@link #close()} kills it if it still runs.
 */
final class ChildJvm implements AutoCloseable {
  private static final String EOF = new String("<eof>");

  private final Process process;
  private final Path stderr;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private boolean ended;

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // The child died mid-line or its pipe closed: EOF for our purposes.
              } finally {
                lines.add(EOF);
              }
            },
            "child-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static ChildJvm start(String... args) {
    try {
      Path stderr = Files.createTempFile("bdb-child", ".stderr");
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      List<String> command = new ArrayList<>();
      command.add(java.toString());
      command.add("-Xmx256m");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(BdbChildMain.class.getName());
      command.addAll(List.of(args));
      Process process =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.to(stderr.toFile()))
              .start();
      return new ChildJvm(process, stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Process process() {
    return process;
  }

  /** The next line of the child's stdout; empty at EOF; fails after {@code timeout}. */
  Optional<String> nextLine(Duration timeout) throws InterruptedException {
    if (ended) {
      return Optional.empty();
    }
    String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("child printed nothing for " + timeout + "; " + stderrText());
    }
    if (line == EOF) {
      ended = true;
      return Optional.empty();
    }
    return Optional.of(line);
  }

  /** Closes the child's stdin. */
  void closeInput() throws IOException {
    process.getOutputStream().close();
  }

  /** Kills the child with SIGKILL and waits for it to die. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("child " + process.pid() + " survived SIGKILL for 30 s");
    }
  }

  String stderrText() {
    try {
      return "child stderr: " + Files.readString(stderr);
    } catch (IOException e) {
      return "child stderr unreadable: " + e;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      if (process.isAlive()) {
        kill();
      }
    } finally {
      Files.deleteIfExists(stderr);
    }
  }
}
