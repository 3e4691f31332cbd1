/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.version.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A coordinator's answer to a read: every causally maximal version of the key, tombstones included,
 * and the context covering them. {@link #toGetResult()} is what clients see.
 */
public record ReadResult(List<Versioned> versions, Context context) {
  public ReadResult {
    versions = List.copyOf(versions);
    Objects.requireNonNull(context, "context");
  }

  /** The client's view: live values only. */
  public GetResult toGetResult() {
    List<byte[]> live = new ArrayList<>(versions.size());
    for (Versioned v : versions) {
      if (!v.isTombstone()) {
        live.add(v.value());
      }
    }
    return new GetResult(live, context);
  }
}
