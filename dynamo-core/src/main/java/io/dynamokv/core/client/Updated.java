/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

import java.util.Objects;

/**
 * What {@link DynamoClient#update} did.
 *
 * @param value the value written; {@code null} when the update deleted the key or left it absent
 * @param context the context of the version written (pass it to a follow-up put or delete that
 *     should supersede exactly this version, without reading again; {@link DynamoClient} says when
 *     it names less); when nothing was written, the context of the read
 */
public record Updated<T>(T value, Context context) {
  public Updated {
    Objects.requireNonNull(context, "context");
  }
}
