/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.util.List;
import java.util.Objects;

/**
 * What a read returns: every causally maximal value of the key (its siblings, in a deterministic
 * order) and the one context that covers them all. An absent or deleted key has no values; its
 * context may still be non-empty (it covers the tombstone), and a write with it supersedes the
 * delete.
 *
 * @param values the live siblings; deletes (tombstones) are not listed
 * @param context what to pass to the next put or delete of this key
 */
public record GetResult(List<byte[]> values, Context context) {
  public GetResult {
    values = List.copyOf(values);
    Objects.requireNonNull(context, "context");
  }

  /** True when the key has no live value. */
  public boolean isAbsent() {
    return values.isEmpty();
  }

  /**
   * True when concurrent writes left more than one value: the application should reconcile and
   * write back.
   */
  public boolean hasSiblings() {
    return values.size() > 1;
  }
}
