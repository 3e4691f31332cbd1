/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.version.Sibling;
import io.dynamokv.core.version.Versioned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A coordinator's answer to a read: every causally maximal version of the key with its dot,
 * tombstones included, and the context covering them. {@link #toGetResult()} is what clients see.
 */
public record ReadResult(List<Sibling> siblings, Context context) {
  public ReadResult {
    siblings = List.copyOf(siblings);
    Objects.requireNonNull(context, "context");
  }

  /** The siblings' payloads, tombstones included. */
  public List<Versioned> versions() {
    List<Versioned> out = new ArrayList<>(siblings.size());
    for (Sibling s : siblings) {
      out.add(s.value());
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The client's view: live values only, each with the node that coordinated its write (its dot's
   * node) and the write's wall-clock time.
   */
  public GetResult toGetResult() {
    List<io.dynamokv.core.client.Sibling<byte[]>> live = new ArrayList<>(siblings.size());
    for (Sibling s : siblings) {
      Versioned v = s.value();
      if (!v.isTombstone()) {
        live.add(
            new io.dynamokv.core.client.Sibling<>(
                v.value(), s.dot().actor().node(), Instant.ofEpochMilli(v.wallMillis())));
      }
    }
    return new GetResult(live, context);
  }
}
