/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.client.Codec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A YCSB record (field name to bytes) as one stored value: a field count, then per field, in name
 * order, its name (2-byte length, UTF-8) and its bytes (4-byte length). Decoding refuses anything
 * else with {@link IllegalArgumentException}.
 */
final class RecordCodec implements Codec<SortedMap<String, byte[]>> {
  static final RecordCodec INSTANCE = new RecordCodec();

  private RecordCodec() {}

  @Override
  public byte[] encode(SortedMap<String, byte[]> record) {
    int size = 4;
    for (Map.Entry<String, byte[]> e : record.entrySet()) {
      size += 2 + e.getKey().getBytes(UTF_8).length + 4 + e.getValue().length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.putInt(record.size());
    for (Map.Entry<String, byte[]> e : record.entrySet()) {
      byte[] name = e.getKey().getBytes(UTF_8);
      if (name.length > Short.MAX_VALUE) {
        throw new IllegalArgumentException("field name of " + name.length + " bytes");
      }
      out.putShort((short) name.length).put(name);
      out.putInt(e.getValue().length).put(e.getValue());
    }
    return out.array();
  }

  @Override
  public SortedMap<String, byte[]> decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      int fields = in.getInt();
      if (fields < 0 || fields > bytes.length / 6) {
        throw new IllegalArgumentException("not a YCSB record: " + fields + " fields");
      }
      SortedMap<String, byte[]> record = new TreeMap<>();
      for (int i = 0; i < fields; i++) {
        byte[] name = new byte[in.getShort()];
        in.get(name);
        byte[] value = new byte[in.getInt()];
        in.get(value);
        record.put(new String(name, UTF_8), value);
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("not a YCSB record: " + in.remaining() + " bytes left");
      }
      return record;
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      throw new IllegalArgumentException("not a YCSB record: truncated", e);
    }
  }
}
