/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code DynamoCli} in a child JVM on the test classpath, its output collected. Close it in a
 * finally (try-with-resources): that kills it if it still runs.
 */
final class ChildProcess implements AutoCloseable {
  private final Process process;
  private final StringBuffer out = new StringBuffer();
  private final StringBuffer err = new StringBuffer();
  private final List<Thread> pumps = new ArrayList<>();

  private ChildProcess(Process process) {
    this.process = process;
    pumps.add(pump(process.getInputStream(), out));
    pumps.add(pump(process.getErrorStream(), err));
  }

  static ChildProcess dynamo(String... args) throws IOException {
    List<String> command =
        JavaCommand.of(DynamoCli.class, List.of("-Xmx256m", "-XX:+UseSerialGC"), List.of(args));
    return new ChildProcess(new ProcessBuilder(new ArrayList<>(command)).start());
  }

  /** Any command, e.g. a script of an unpacked distribution. */
  static ChildProcess start(ProcessBuilder builder) throws IOException {
    return new ChildProcess(builder.start());
  }

  private static Thread pump(InputStream in, StringBuffer into) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (in) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  into.append(new String(buffer, 0, n, UTF_8));
                }
              } catch (IOException e) {
                // the child is gone
              }
            },
            "child-output");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Waits for the exit code; fails after {@code timeout}. */
  int exitCode(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "child still running after " + timeout + "; stdout: " + out + " stderr: " + err);
    }
    for (Thread pump : pumps) {
      pump.join(TimeUnit.SECONDS.toMillis(10)); // the output written before the exit
    }
    return process.exitValue();
  }

  String out() {
    return out.toString();
  }

  String err() {
    return err.toString();
  }

  Process process() {
    return process;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
