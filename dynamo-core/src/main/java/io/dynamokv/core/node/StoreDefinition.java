/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.LimitExceededException;
import java.util.regex.Pattern;

/**
 * A named store (SPEC §1): its replication and quorums, and the limits every request is checked
 * against before anything is written. Stores are declared in configuration and must agree across
 * the cluster.
 *
 * @param name 1 to 32 characters from {@code [a-z0-9_-]}, starting with a letter (each store's data
 *     lives in its own storage keyspace, {@code data-<name>})
 * @param replicationFactor N, the number of replicas of each key
 * @param readQuorum R, replicas that must answer a read
 * @param writeQuorum W, replicas that must acknowledge a write (the coordinator included)
 * @param maxKeyBytes the largest user key
 * @param maxValueBytes the largest value
 * @param maxSiblings the most siblings a key may hold; a write that would exceed it fails
 * @param maxBytesPerKey the largest encoded sibling set of a key; a write that would exceed it
 *     fails
 * @param maxContextBytes the largest context a client may send
 */
public record StoreDefinition(
    String name,
    int replicationFactor,
    int readQuorum,
    int writeQuorum,
    int maxKeyBytes,
    int maxValueBytes,
    int maxSiblings,
    int maxBytesPerKey,
    int maxContextBytes) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

  /** Riak warns at 25 siblings and 5 MiB per key: the defaults follow its advice. */
  public static final int DEFAULT_MAX_SIBLINGS = 25;

  public static final int DEFAULT_MAX_BYTES_PER_KEY = 5 * 1024 * 1024;
  public static final int DEFAULT_MAX_KEY_BYTES = 256;
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
  public static final int DEFAULT_MAX_CONTEXT_BYTES = 64 * 1024;

  public StoreDefinition {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "store name must be 1 to 32 characters from [a-z0-9_-], starting with a letter, found: "
              + name);
    }
    requirePositive(name, "replication-factor (N)", replicationFactor);
    if (readQuorum < 1 || readQuorum > replicationFactor) {
      throw new IllegalArgumentException(
          "store "
              + name
              + ": read-quorum (R) must be 1 to N="
              + replicationFactor
              + ", found "
              + readQuorum);
    }
    if (writeQuorum < 1 || writeQuorum > replicationFactor) {
      throw new IllegalArgumentException(
          "store "
              + name
              + ": write-quorum (W) must be 1 to N="
              + replicationFactor
              + ", found "
              + writeQuorum);
    }
    requirePositive(name, "max-key-bytes", maxKeyBytes);
    requirePositive(name, "max-value-bytes", maxValueBytes);
    requirePositive(name, "max-siblings", maxSiblings);
    requirePositive(name, "max-bytes-per-key", maxBytesPerKey);
    requirePositive(name, "max-context-bytes", maxContextBytes);
    if (maxBytesPerKey < maxValueBytes) {
      throw new IllegalArgumentException(
          "store "
              + name
              + ": max-bytes-per-key ("
              + maxBytesPerKey
              + ") must be at least max-value-bytes ("
              + maxValueBytes
              + ")");
    }
  }

  /** A store with the paper's common N=3, R=2, W=2 and default limits. */
  public static StoreDefinition of(String name) {
    return of(name, 3, 2, 2);
  }

  /** A store with the given quorums and default limits. */
  public static StoreDefinition of(String name, int n, int r, int w) {
    return new StoreDefinition(
        name,
        n,
        r,
        w,
        DEFAULT_MAX_KEY_BYTES,
        DEFAULT_MAX_VALUE_BYTES,
        DEFAULT_MAX_SIBLINGS,
        DEFAULT_MAX_BYTES_PER_KEY,
        DEFAULT_MAX_CONTEXT_BYTES);
  }

  /** Checks a request's key: not empty, within {@link #maxKeyBytes}. */
  public void checkKey(byte[] key) {
    if (key.length == 0) {
      throw new InvalidRequestException("keys must not be empty");
    }
    if (key.length > maxKeyBytes) {
      throw new LimitExceededException("key bytes", key.length, maxKeyBytes);
    }
  }

  /** Checks a write's key, value and context against this store's limits. */
  public void checkWrite(byte[] key, byte[] value, byte[] context) {
    checkKey(key);
    if (value.length > maxValueBytes) {
      throw new LimitExceededException("value bytes", value.length, maxValueBytes);
    }
    if (context.length > maxContextBytes) {
      throw new LimitExceededException("context bytes", context.length, maxContextBytes);
    }
  }

  /**
   * Checks what a key would hold after a write: {@code siblings} within {@link #maxSiblings}, its
   * encoding's {@code bytes} within {@link #maxBytesPerKey}.
   */
  public void checkStored(int siblings, int bytes) {
    if (siblings > maxSiblings) {
      throw new LimitExceededException(
          "siblings of the key after this write", siblings, maxSiblings);
    }
    if (bytes > maxBytesPerKey) {
      throw new LimitExceededException("bytes of the key after this write", bytes, maxBytesPerKey);
    }
  }

  private static void requirePositive(String store, String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(
          "store " + store + ": " + what + " must be positive, found " + value);
    }
  }
}
