/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.client;

/**
 * Turns application values into stored bytes and back, for the typed {@link DynamoClient#update}
 * helper.
 */
public interface Codec<T> {
  byte[] encode(T value);

  T decode(byte[] bytes);

  /** The identity codec. */
  static Codec<byte[]> bytes() {
    return new Codec<>() {
      @Override
      public byte[] encode(byte[] value) {
        return value;
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
  }
}
