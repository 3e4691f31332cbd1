/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test CA and its stores, made by {@code scripts/make-test-ca.sh} with this JVM's keytool (so the
 * script is tested too), plus {@link #untrusted()}: a trust store of an unrelated self-signed
 * certificate.
 */
record TestCa(Path dir, String password) {
  static TestCa make(Path dir) throws IOException, InterruptedException {
    Path script = Path.of("..", "scripts", "make-test-ca.sh").toAbsolutePath().normalize();
    run(List.of("bash", script.toString(), "--dir", dir.toString()));
    Path other = dir.resolve("untrusted.p12");
    String password = Files.readAllLines(dir.resolve("password"), UTF_8).get(0);
    run(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair",
            "-keystore",
            other.toString(),
            "-storetype",
            "PKCS12",
            "-storepass",
            password,
            "-alias",
            "stranger",
            "-keyalg",
            "EC",
            "-dname",
            "CN=stranger",
            "-validity",
            "2"));
    return new TestCa(dir, password);
  }

  TlsSettings.Store server() {
    return TlsSettings.Store.pkcs12(dir.resolve("server.p12"), password);
  }

  TlsSettings.Store client() {
    return TlsSettings.Store.pkcs12(dir.resolve("client.p12"), password);
  }

  TlsSettings.Store trust() {
    return TlsSettings.Store.pkcs12(dir.resolve("truststore.p12"), password);
  }

  /** Trusts a certificate nothing here was signed by. */
  TlsSettings.Store untrusted() {
    return TlsSettings.Store.pkcs12(dir.resolve("untrusted.p12"), password);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(command.get(0) + " failed:\n" + out);
    }
  }
}
