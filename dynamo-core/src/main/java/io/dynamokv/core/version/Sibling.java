/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.version;

import java.util.Objects;

/**
 * One causally maximal version of a key: its payload and the dot of the write that created it.
 *
 * @param dot the write's event
 * @param value the written value or tombstone
 */
public record Sibling(Dot dot, Versioned value) {
  public Sibling {
    Objects.requireNonNull(dot, "dot");
    Objects.requireNonNull(value, "value");
  }
}
