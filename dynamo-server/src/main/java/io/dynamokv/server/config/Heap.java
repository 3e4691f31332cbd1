/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/** The JVM's maximum heap, as the operator sized it. */
public final class Heap {
  private Heap() {}

  /**
   * The heap the operator gave this JVM: the last {@code -Xmx} or {@code -XX:MaxHeapSize} among its
   * arguments, else {@link Runtime#maxMemory()}. {@code maxMemory} is what the collector can use, a
   * little less than {@code -Xmx} (247.5 MiB of {@code -Xmx256m} with the serial collector), and
   * limits stated against the heap are meant against what the operator wrote.
   */
  public static long maxBytes() {
    return maxBytes(ManagementFactory.getRuntimeMXBean().getInputArguments());
  }

  static long maxBytes(List<String> jvmArguments) {
    long given = -1;
    for (String arg : jvmArguments) {
      if (arg.startsWith("-Xmx")) {
        given = parse(arg.substring(4), given);
      } else if (arg.startsWith("-XX:MaxHeapSize=")) {
        given = parse(arg.substring("-XX:MaxHeapSize=".length()), given);
      }
    }
    return given > 0 ? given : Runtime.getRuntime().maxMemory();
  }

  /** A HotSpot size ({@code 512m}, {@code 2G}, {@code 1048576}); {@code otherwise} if malformed. */
  private static long parse(String size, long otherwise) {
    if (size.isEmpty()) {
      return otherwise;
    }
    char unit = Character.toLowerCase(size.charAt(size.length() - 1));
    int shift =
        switch (unit) {
          case 'k' -> 10;
          case 'm' -> 20;
          case 'g' -> 30;
          case 't' -> 40;
          default -> 0;
        };
    String digits = shift == 0 ? size : size.substring(0, size.length() - 1);
    try {
      long value = Long.parseLong(digits.toLowerCase(Locale.ROOT));
      return value > 0 && value < (Long.MAX_VALUE >> shift) ? value << shift : otherwise;
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
