/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a read returns: every causally maximal value of the key (its siblings, in a deterministic
 * order, each with advisory metadata) and the one context that covers them all. An absent or
 * deleted key has no siblings; its context may still be non-empty (it covers the tombstone), and a
 * write with it supersedes the delete.
 *
 * @param siblings the live siblings; deletes (tombstones) are not listed
 * @param context what to pass to the next put or delete of this key
 */
public record GetResult(List<Sibling<byte[]>> siblings, Context context) {
  public GetResult {
    siblings = List.copyOf(siblings);
    Objects.requireNonNull(context, "context");
  }

  /** A result whose siblings carry no metadata (for tests and servers of earlier builds). */
  public static GetResult ofValues(List<byte[]> values, Context context) {
    List<Sibling<byte[]>> siblings = new ArrayList<>(values.size());
    for (byte[] v : values) {
      siblings.add(new Sibling<>(v, null, java.time.Instant.EPOCH));
    }
    return new GetResult(siblings, context);
  }

  /** The siblings' values, in {@link #siblings()} order. */
  public List<byte[]> values() {
    List<byte[]> values = new ArrayList<>(siblings.size());
    for (Sibling<byte[]> s : siblings) {
      values.add(s.value());
    }
    return Collections.unmodifiableList(values);
  }

  /** True when the key has no live value. */
  public boolean isAbsent() {
    return siblings.isEmpty();
  }

  /**
   * True when concurrent writes left more than one value: the application should reconcile and
   * write back.
   */
  public boolean hasSiblings() {
    return siblings.size() > 1;
  }

  /**
   * The siblings decoded with {@code codec} and merged with {@code resolver}: the single value if
   * there is one, {@code null} if the key is absent.
   */
  public <T> T resolve(Codec<T> codec, VersionResolver<T> resolver) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(resolver, "resolver");
    return switch (siblings.size()) {
      case 0 -> null;
      case 1 -> decode(codec, siblings.get(0).value());
      default -> {
        List<Sibling<T>> decoded = new ArrayList<>(siblings.size());
        for (Sibling<byte[]> s : siblings) {
          decoded.add(s.map(v -> decode(codec, v)));
        }
        yield resolver.resolveSiblings(decoded);
      }
    };
  }

  private static <T> T decode(Codec<T> codec, byte[] value) {
    T decoded = codec.decode(value);
    if (decoded == null) {
      throw new IllegalStateException(
          "the codec decoded a stored value of " + value.length + " bytes to null");
    }
    return decoded;
  }
}
