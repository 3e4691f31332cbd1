/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import io.dynamokv.core.NodeId;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * One sibling of a key as a client sees it: its value, and where and when its write was
 * coordinated, for an application's reconciliation (a {@link VersionResolver}).
 *
 * <p>The metadata is <b>advisory</b>. The write time is the coordinating node's wall clock, which
 * may be wrong or differ from other nodes' clocks by any amount; the cluster never uses it to
 * decide causality (the context does that), and siblings are by definition writes neither of which
 * saw the other, so no time can say which one "came last". Use it to show a user which version is
 * which, or for a policy that accepts losing writes ({@link Resolvers#lastWriterWins()}).
 *
 * @param value the value
 * @param coordinator the node that coordinated the write; {@code null} when the server did not say
 *     (a server of an earlier build)
 * @param writtenAt the coordinator's wall-clock time of the write; {@link Instant#EPOCH} when the
 *     server did not say
 */
public record Sibling<T>(T value, NodeId coordinator, Instant writtenAt) {
  public Sibling {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(writtenAt, "writtenAt");
  }

  /** This sibling with its value mapped by {@code fn} (e.g. decoded), the metadata unchanged. */
  public <U> Sibling<U> map(Function<? super T, ? extends U> fn) {
    return new Sibling<>(fn.apply(value), coordinator, writtenAt);
  }
}
