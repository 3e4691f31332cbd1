/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.lmdb;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link LmdbChild} on this test's classpath. Lines are complete only when they
 * end in {@code '.'}, so a line cut short by a kill is never mistaken for a whole one.
 */
final class ChildJvm implements AutoCloseable {
  private static final String EOF = "\0eof";
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  private ChildJvm(Process process) {
    this.process = process;
    Thread reader = new Thread(this::pump, "child-stdout " + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static ChildJvm start(boolean lmdbFlags, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (lmdbFlags) {
      command.addAll(
          List.of(
              "--add-opens", "java.base/java.nio=ALL-UNNAMED",
              "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED"));
      if (Runtime.version().feature() >= 23) {
        command.addAll(
            List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
      }
    }
    command.addAll(
        List.of(
            "-Xshare:auto",
            "-cp",
            System.getProperty("java.class.path"),
            LmdbChild.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    return new ChildJvm(builder.start());
  }

  private void pump() {
    try (InputStream in = process.getInputStream()) {
      StringBuilder line = new StringBuilder();
      for (int b; (b = in.read()) >= 0; ) {
        if (b == '\n') {
          String s = line.toString();
          if (s.endsWith(".")) {
            lines.add(s.substring(0, s.length() - 1));
          }
          line.setLength(0);
        } else {
          line.append((char) b);
        }
      }
    } catch (IOException e) {
      // the child died; EOF below
    }
    lines.add(EOF);
  }

  /** The next complete line, or {@code null} at end of output; fails after {@code timeout}. */
  String nextLine(Duration timeout) throws InterruptedException {
    String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("child printed nothing for " + timeout);
    }
    if (line.equals(EOF)) {
      lines.add(EOF);
      return null;
    }
    return line;
  }

  /** Every remaining complete line, up to end of output. */
  List<String> drain(Duration timeout) throws InterruptedException {
    List<String> rest = new ArrayList<>();
    for (String line; (line = nextLine(timeout)) != null; ) {
      rest.add(line);
    }
    return rest;
  }

  Process process() {
    return process;
  }

  /** SIGKILL on Linux. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("child " + process.pid() + " survived SIGKILL for 30 s");
    }
  }

  void closeStdin() throws IOException {
    process.getOutputStream().close();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  static String utf8(byte[] b) {
    return new String(b, UTF_8);
  }
}
