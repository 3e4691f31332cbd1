/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Puts and deletes, across keyspaces, that a {@link StorageEngine#write(WriteBatch)} applies
 * atomically, in order. Immutable once built; the arrays are copied in.
 */
public final class WriteBatch {
  private final List<Operation> operations;

  private WriteBatch(List<Operation> operations) {
    this.operations = List.copyOf(operations);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The operations in the order they apply. */
  public List<Operation> operations() {
    return operations;
  }

  public boolean isEmpty() {
    return operations.isEmpty();
  }

  /**
   * One operation: a put when {@code value} is non-null, a delete when it is null.
   *
   * <p>The arrays are shared with the batch: readers MUST NOT modify them.
   */
  public record Operation(String keyspace, byte[] key, byte[] value) {
    public Operation {
      Objects.requireNonNull(keyspace, "keyspace");
      Objects.requireNonNull(key, "key");
    }

    public boolean isDelete() {
      return value == null;
    }
  }

  /** Collects operations; not thread-safe. */
  public static final class Builder {
    private final List<Operation> operations = new ArrayList<>();

    private Builder() {}

    public Builder put(String keyspace, byte[] key, byte[] value) {
      operations.add(
          new Operation(keyspace, key.clone(), Objects.requireNonNull(value, "value").clone()));
      return this;
    }

    public Builder delete(String keyspace, byte[] key) {
      operations.add(new Operation(keyspace, key.clone(), null));
      return this;
    }

    public WriteBatch build() {
      return new WriteBatch(operations);
    }
  }
}
