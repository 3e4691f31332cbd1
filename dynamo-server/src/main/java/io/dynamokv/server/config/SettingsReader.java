/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Typed reads of a resolved configuration that record a {@link ConfigProblem} instead of throwing:
 * each read returns {@code null} when the value is missing, of the wrong type or out of range, so
 * one pass finds every problem.
 */
final class SettingsReader {
  private final Config config;
  private final Function<String, String> display;
  private final List<ConfigProblem> problems;

  /**
   * @param config what to read
   * @param display the key users see for a path of {@code config}
   * @param problems where problems go
   */
  SettingsReader(Config config, Function<String, String> display, List<ConfigProblem> problems) {
    this.config = config;
    this.display = display;
    this.problems = problems;
  }

  /** Records a problem with the value at {@code path}. */
  void problem(String path, String message) {
    problems.add(ConfigProblem.at(origin(path), display.apply(path), message));
  }

  ConfigOrigin origin(String path) {
    ConfigValue value = raw(path);
    return value != null ? value.origin() : config.origin();
  }

  /** The value at {@code path}, null values included; {@code null} when missing. */
  private ConfigValue raw(String path) {
    ConfigValue value = config.root();
    for (String key : ConfigUtil.splitPath(path)) {
      if (!(value instanceof ConfigObject object)) {
        return null;
      }
      value = object.get(key);
    }
    return value;
  }

  boolean isNull(String path) {
    return config.hasPathOrNull(path) && config.getIsNull(path);
  }

  String string(String path) {
    return read(path, "a string", config::getString);
  }

  /** A string that is not empty and has no white space. */
  String token(String path, String what) {
    String s = string(path);
    if (s != null && (s.isEmpty() || s.chars().anyMatch(Character::isWhitespace))) {
      problem(path, "expected " + what + ", found \"" + s + "\"");
      return null;
    }
    return s;
  }

  Boolean bool(String path) {
    return read(path, "true or false", config::getBoolean);
  }

  Integer intIn(String path, int min, int max) {
    Integer v = read(path, "an integer", config::getInt);
    if (v != null && (v < min || v > max)) {
      problem(path, "must be " + range(min, max) + ", found " + v);
      return null;
    }
    return v;
  }

  Double positiveDouble(String path) {
    Double v = read(path, "a number", config::getDouble);
    if (v != null && !(v > 0 && Double.isFinite(v))) {
      problem(path, "must be a positive number, found " + v);
      return null;
    }
    return v;
  }

  /** A size in bytes; units allowed ({@code 64 KiB}, {@code 16 MiB}). */
  Long bytesIn(String path, long min, long max) {
    Long v = read(path, "a size such as 65536, 64 KiB or 16 MiB", config::getBytes);
    if (v != null && (v < min || v > max)) {
      problem(path, "must be " + range(min, max) + " bytes, found " + v);
      return null;
    }
    return v;
  }

  /** Whether the setting at {@code path} is the word {@code auto}. */
  boolean isAuto(String path) {
    ConfigValue value = raw(path);
    return value != null && "auto".equals(value.unwrapped());
  }

  /** A size in bytes that fits an int. */
  Integer intBytesIn(String path, long min, long max) {
    Long v = bytesIn(path, min, Math.min(max, Integer.MAX_VALUE));
    return v == null ? null : v.intValue();
  }

  Duration duration(String path, boolean zeroAllowed) {
    Duration v = read(path, "a duration such as 500ms, 2s or 1m", config::getDuration);
    if (v != null && (v.isNegative() || (!zeroAllowed && v.isZero()))) {
      problem(path, "must be " + (zeroAllowed ? "zero or more" : "positive") + ", found " + v);
      return null;
    }
    return v;
  }

  /**
   * One of {@code type}'s constants, written in lower case with hyphens ({@code write-no-sync});
   * upper case and underscores are accepted too.
   */
  <E extends Enum<E>> E choice(String path, Class<E> type) {
    String s = string(path);
    if (s == null) {
      return null;
    }
    String constant = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(constant)) {
        return e;
      }
    }
    problem(path, "expected one of " + choices(type) + ", found \"" + s + "\"");
    return null;
  }

  static <E extends Enum<E>> String choices(Class<E> type) {
    StringBuilder sb = new StringBuilder();
    E[] all = type.getEnumConstants();
    for (int i = 0; i < all.length; i++) {
      sb.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ");
      sb.append(all[i].name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    return sb.toString();
  }

  List<String> strings(String path) {
    return read(path, "a list of strings", config::getStringList);
  }

  private <T> T read(String path, String expected, Function<String, T> getter) {
    if (!config.hasPathOrNull(path)) {
      problems.add(
          ConfigProblem.at(config.origin(), display.apply(path), "missing; expected " + expected));
      return null;
    }
    ConfigValue value = raw(path);
    if (isNull(path)) {
      problem(path, "required; expected " + expected);
      return null;
    }
    try {
      return getter.apply(path);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      problem(path, "expected " + expected + ", found " + Values.describe(value));
      return null;
    }
  }

  private static String range(long min, long max) {
    if (max == Integer.MAX_VALUE || max == Long.MAX_VALUE) {
      return "at least " + min;
    }
    return min + " to " + max;
  }
}
