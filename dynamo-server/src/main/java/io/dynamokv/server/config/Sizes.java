/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import java.util.Locale;

/** Byte counts for people: {@code 256 B}, {@code 64 KiB}, {@code 1 MiB}, {@code 247.5 MiB}. */
public final class Sizes {
  private Sizes() {}

  public static String format(long bytes) {
    if (bytes < 1 << 10) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return value == Math.rint(value)
        ? String.format(Locale.ROOT, "%d %s", (long) value, units[unit])
        : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
