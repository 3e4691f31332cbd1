/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import io.dynamokv.core.NodeId;
import java.util.Objects;

/** A seed node: its id and the address its peer port listens on, written {@code id@host:port}. */
public record Seed(NodeId id, Address address) {
  public Seed {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
  }

  /**
   * Parses {@code id@host:port}.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public static Seed parse(String text) {
    int at = text.indexOf('@');
    if (at < 0) {
      throw new IllegalArgumentException("expected id@host:port, found '" + text + "'");
    }
    NodeId id;
    try {
      id = NodeId.of(text.substring(0, at));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "expected id@host:port with an id of 1 to 64 characters from [A-Za-z0-9._-], found '"
              + text
              + "'");
    }
    return new Seed(id, Address.parse(text.substring(at + 1)));
  }

  @Override
  public String toString() {
    return id + "@" + address;
  }
}
