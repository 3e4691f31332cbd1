/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import java.util.Objects;

/**
 * A {@code host:port} pair; IPv6 literals are written in brackets ({@code [::1]:7000}).
 *
 * @param host a host name or IP literal (without brackets), not empty
 * @param port 1 to 65535
 */
public record Address(String host, int port) {
  public Address {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '@')) {
      throw new IllegalArgumentException(
          "host must be a host name or IP address, found '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1 to 65535, found " + port);
    }
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException with a message saying what was expected
   */
  public static Address parse(String text) {
    Objects.requireNonNull(text, "text");
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected host:port, found '" + text + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException(
          "expected host:port with IPv6 literals in brackets ([::1]:7000), found '" + text + "'");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "expected host:port with a numeric port, found '" + text + "'");
    }
    return new Address(host, port);
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
