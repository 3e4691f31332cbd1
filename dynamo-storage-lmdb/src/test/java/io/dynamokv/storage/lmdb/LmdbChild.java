/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.lmdb;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.spi.WriteBatch;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The main of the child JVMs the tests start. Modes:
 *
 * <ul>
 *   <li>{@code write <dir> <max>}: SYNC engine; puts {@code k<n>} and every tenth step a batch of
 *       {@code b<n>} into data and hints; prints {@code k<n>.} or {@code b<n>.} only after the
 *       commit returned. Stops after {@code max} steps.
 *   <li>{@code hold <dir>}: opens the engine, prints {@code OPEN.}, waits for stdin to close.
 *   <li>{@code open <dir>}: opens the engine and prints {@code OK.} or the exception.
 * </ul>
 */
final class LmdbChild {
  private LmdbChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, UTF_8);
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "write" -> write(out, dir, Integer.parseInt(args[2]));
      case "hold" -> {
        try (StorageEngine engine = new LmdbStorageEngineFactory().open(dir)) {
          out.println("OPEN.");
          out.flush();
          while (System.in.read() >= 0) {
            // wait for the parent to close our stdin
          }
        }
      }
      case "open" -> {
        try (StorageEngine engine = new LmdbStorageEngineFactory().open(dir)) {
          out.println("OK.");
        } catch (RuntimeException e) {
          out.println("CAUGHT " + e.getClass().getName() + ": " + e.getMessage() + ".");
        }
        out.flush();
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void write(PrintStream out, Path dir, int max) {
    StorageEngine engine =
        new LmdbStorageEngineFactory(
                LmdbStorageEngineFactory.Options.builder().durability(Durability.SYNC).build())
            .open(dir);
    var data = engine.keyspace(StorageEngine.DATA);
    for (int n = 0; n < max; n++) {
      if (n % 10 == 9) {
        byte[] key = ("b" + n).getBytes(UTF_8);
        engine.write(
            WriteBatch.builder()
                .put(StorageEngine.DATA, key, key)
                .put(StorageEngine.HINTS, key, key)
                .build());
        out.println("b" + n + ".");
      } else {
        byte[] key = ("k" + n).getBytes(UTF_8);
        data.put(key, key);
        out.println("k" + n + ".");
      }
      out.flush();
    }
    engine.close();
    out.println("DONE.");
    out.flush();
  }
}
