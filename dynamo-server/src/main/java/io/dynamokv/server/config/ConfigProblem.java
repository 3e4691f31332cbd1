/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import com.typesafe.config.ConfigOrigin;
import java.util.Objects;

/**
 * One thing wrong with a configuration, printed as one line: {@code where: key: message}.
 *
 * @param where the file and line ({@code node1.conf:12}), or the override ({@code --set
 *     dynamo.node.port}, {@code env DYNAMO_NODE_PORT}) the offending value came from
 * @param key the full path of the setting ({@code dynamo.node.port}), or empty when the problem is
 *     with the whole file
 * @param message what was expected and what was found
 */
public record ConfigProblem(String where, String key, String message) {
  public ConfigProblem {
    Objects.requireNonNull(where, "where");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(message, "message");
  }

  /** A problem with a value whose origin Typesafe Config knows. */
  public static ConfigProblem at(ConfigOrigin origin, String key, String message) {
    return new ConfigProblem(where(origin), key, message);
  }

  /**
   * {@code file:line} for values read from files or resources, the origin's description for
   * overrides.
   */
  static String where(ConfigOrigin origin) {
    if (origin == null) {
      return "configuration";
    }
    String source =
        origin.resource() != null
            ? origin.resource()
            : origin.filename() != null ? origin.filename() : null;
    if (source == null) {
      return origin.description();
    }
    return origin.lineNumber() > 0 ? source + ":" + origin.lineNumber() : source;
  }

  /** The source named in {@link #where()} without its line number. */
  String source() {
    int colon = where.lastIndexOf(':');
    return colon > 0 && where.substring(colon + 1).matches("\\d+")
        ? where.substring(0, colon)
        : where;
  }

  /** The line named in {@link #where()}, or 0. */
  int line() {
    String source = source();
    return source.length() == where.length()
        ? 0
        : Integer.parseInt(where.substring(source.length() + 1));
  }

  @Override
  public String toString() {
    boolean keyShown = key.isEmpty() || where.endsWith(" " + key);
    return keyShown ? where + ": " + message : where + ": " + key + ": " + message;
  }
}
