/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proves that a node serves a store end to end: it writes, reads back and deletes its own reserved
 * key through itself as coordinator, with the store's W. Scripts wait on this ({@code bin/dynamo
 * status --wait}) instead of writing readiness probes of their own.
 *
 * <p>Each node's probe key is {@link #key(NodeId)}: {@link #RESERVED_PREFIX} + {@code "probe:"} +
 * node id. Every key starting with {@link #RESERVED_PREFIX} belongs to the system: {@link
 * DynamoNode#put} and {@link DynamoNode#delete} refuse them (as invalid requests), so a probe never
 * overwrites user data. A client may still read a probe key; it holds nothing once a probe has
 * completed.
 *
 * <p>Probes of one store through one node do not overlap: a probe asked for while another runs
 * shares its outcome, so two callers cannot delete each other's value before it is read back.
 */
public final class ServingProbe {
  /** Keys starting with these bytes are reserved for the system. */
  public static final byte[] RESERVED_PREFIX = "\0dynamo:".getBytes(StandardCharsets.UTF_8);

  private static final int READ_ATTEMPTS = 3;

  private final DynamoNode node;
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, CompletableFuture<Void>> running = new ConcurrentHashMap<>();

  public ServingProbe(DynamoNode node) {
    this.node = node;
  }

  /** The probe key of {@code node}. */
  public static byte[] key(NodeId node) {
    byte[] suffix = ("probe:" + node).getBytes(StandardCharsets.UTF_8);
    byte[] key = Arrays.copyOf(RESERVED_PREFIX, RESERVED_PREFIX.length + suffix.length);
    System.arraycopy(suffix, 0, key, RESERVED_PREFIX.length, suffix.length);
    return key;
  }

  /** Whether {@code key} is reserved for the system (client writes to it are refused). */
  public static boolean isReserved(byte[] key) {
    return key != null
        && key.length >= RESERVED_PREFIX.length
        && Arrays.equals(
            key, 0, RESERVED_PREFIX.length, RESERVED_PREFIX, 0, RESERVED_PREFIX.length);
  }

  /**
   * Puts a fresh value under this node's probe key in {@code store}, reads it back with the store's
   * R (again, up to {@value #READ_ATTEMPTS} reads in all, while R + W ≤ N lets a read miss the
   * replicas the write has reached so far), and deletes every version read. Completes normally when
   * all three reached their quorums and the read returned the value written; otherwise
   * exceptionally with the failure of the step that failed.
   */
  public CompletionStage<Void> run(String store) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> current = running.putIfAbsent(store, mine);
    if (current != null) {
      return current;
    }
    try {
      probe(store)
          .whenComplete(
              (v, error) -> {
                running.remove(store, mine);
                if (error != null) {
                  mine.completeExceptionally(error);
                } else {
                  mine.complete(null);
                }
              });
    } catch (RuntimeException e) {
      running.remove(store, mine);
      mine.completeExceptionally(e);
    }
    return mine;
  }

  private CompletionStage<Void> probe(String store) {
    byte[] key = key(node.id());
    byte[] value = (node.id() + ":" + sequence.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    return node.putReserved(store, key, value, Context.EMPTY, RequestOptions.DEFAULTS)
        .thenCompose(written -> readBack(store, key, value, 1))
        .thenCompose(
            read -> node.deleteReserved(store, key, read.context(), RequestOptions.DEFAULTS))
        .thenApply(deleted -> null);
  }

  private CompletionStage<GetResult> readBack(String store, byte[] key, byte[] value, int attempt) {
    return node.get(store, key, RequestOptions.DEFAULTS)
        .thenCompose(
            read -> {
              if (read.values().stream().anyMatch(v -> Arrays.equals(v, value))) {
                return CompletableFuture.completedFuture(read);
              }
              if (attempt < READ_ATTEMPTS) {
                return readBack(store, key, value, attempt + 1);
              }
              throw new DynamoException(
                  "the probe of store "
                      + store
                      + " wrote a value that "
                      + READ_ATTEMPTS
                      + " reads did not return ("
                      + read.values().size()
                      + " other version(s) read)");
            });
  }
}
