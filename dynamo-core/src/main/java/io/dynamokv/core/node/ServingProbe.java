/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proves that a node serves a store end to end: it writes, reads back and deletes its own reserved
 * key through itself as coordinator, with the store's R and W. Scripts wait on this ({@code
 * bin/dynamo status --wait}) instead of writing readiness probes of their own.
 *
 * <p>Each node's probe key is {@link #key(NodeId)}: {@code "\0dynamo:probe:" + node id}. Every key
 * starting with {@link #RESERVED_PREFIX} belongs to the system; the client-facing service refuses
 * client writes to them, so a probe never overwrites user data and users never see probe values.
 */
public final class ServingProbe {
  /** Keys starting with these bytes are reserved for the system. */
  public static final byte[] RESERVED_PREFIX = "\0dynamo:".getBytes(StandardCharsets.UTF_8);

  private final DynamoNode node;
  private final AtomicLong sequence = new AtomicLong();

  public ServingProbe(DynamoNode node) {
    this.node = node;
  }

  /** The probe key of {@code node}. */
  public static byte[] key(NodeId node) {
    return ("\0dynamo:probe:" + node).getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code key} is reserved for the system (client writes to it are refused). */
  public static boolean isReserved(byte[] key) {
    return key != null
        && key.length >= RESERVED_PREFIX.length
        && Arrays.equals(
            key, 0, RESERVED_PREFIX.length, RESERVED_PREFIX, 0, RESERVED_PREFIX.length);
  }

  /**
   * Puts a fresh value under this node's probe key in {@code store}, reads it back, and deletes
   * every version read. Completes normally when all three reached their quorums and the read
   * returned the value written; otherwise exceptionally with the failure of the step that failed.
   */
  public CompletionStage<Void> run(String store) {
    byte[] key = key(node.id());
    byte[] value = (node.id() + ":" + sequence.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    RequestOptions options = RequestOptions.DEFAULTS;
    return node.put(store, key, value, Context.EMPTY, options)
        .thenCompose(written -> node.get(store, key, options))
        .thenCompose(
            read -> {
              if (read.values().stream().noneMatch(v -> Arrays.equals(v, value))) {
                throw new DynamoException(
                    "the probe of store "
                        + store
                        + " wrote a value it did not read back ("
                        + read.values().size()
                        + " other version(s) read)");
              }
              return node.delete(store, key, read.context(), options);
            })
        .thenApply(deleted -> null);
  }
}
