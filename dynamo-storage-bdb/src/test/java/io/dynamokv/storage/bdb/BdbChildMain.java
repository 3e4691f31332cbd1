/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.storage.bdb;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.StorageEngine;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What the multi-process tests run in a child JVM.
 *
 * <ul>
 *   <li>{@code write <dir>}: opens the engine with {@link Durability#SYNC} and puts {@link
 *       #key(int)} → {@link #value(int)} for i = 0, 1, ... up to 100,000, printing each key on its
 *       own line after its put returned.
 *   <li>{@code hold <dir>}: opens the engine, prints {@code open}, and closes it when stdin ends.
 * </ul>
 */
final class BdbChildMain {
  static final int MAX_KEYS = 100_000;

  private BdbChildMain() {}

  static String key(int i) {
    return String.format("k%08d", i);
  }

  static byte[] value(int i) {
    return ("value of " + key(i) + " ").repeat(4).getBytes(UTF_8);
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, UTF_8);
    Path directory = Path.of(args[1]);
    switch (args[0]) {
      case "write" -> {
        StorageEngine engine =
            new BdbStorageEngineFactory(
                    BdbStorageEngineFactory.Options.builder()
                        .durability(Durability.SYNC)
                        .cacheBytes(16L << 20)
                        .build())
                .open(directory);
        Keyspace data = engine.keyspace(StorageEngine.DATA);
        for (int i = 0; i < MAX_KEYS; i++) {
          data.put(key(i).getBytes(UTF_8), value(i));
          out.println(key(i));
          out.flush();
        }
        engine.close();
      }
      case "hold" -> {
        try (StorageEngine engine = new BdbStorageEngineFactory().open(directory)) {
          out.println("open");
          out.flush();
          while (System.in.read() >= 0) {
            // wait for stdin to end
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
