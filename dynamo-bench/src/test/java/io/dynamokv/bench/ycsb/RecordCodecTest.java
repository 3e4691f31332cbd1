/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
  @Test
  void aRecordRoundTrips() {
    SortedMap<String, byte[]> record = new TreeMap<>();
    record.put("field0", "value zero".getBytes(UTF_8));
    record.put("field1", new byte[0]);
    record.put("fïeld2", new byte[] {0, -1, 127});

    SortedMap<String, byte[]> back =
        RecordCodec.INSTANCE.decode(RecordCodec.INSTANCE.encode(record));

    assertThat(back.keySet()).containsExactlyElementsOf(record.keySet());
    record.forEach((k, v) -> assertThat(back.get(k)).isEqualTo(v));
    assertThat(RecordCodec.INSTANCE.decode(RecordCodec.INSTANCE.encode(new TreeMap<>()))).isEmpty();
  }

  @Test
  void anythingElseIsRefused() {
    SortedMap<String, byte[]> record = new TreeMap<>();
    record.put("f", "v".getBytes(UTF_8));
    byte[] bytes = RecordCodec.INSTANCE.encode(record);

    assertThatThrownBy(() -> RecordCodec.INSTANCE.decode(Arrays.copyOf(bytes, bytes.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RecordCodec.INSTANCE.decode(Arrays.copyOf(bytes, bytes.length + 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RecordCodec.INSTANCE.decode("hello".getBytes(UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RecordCodec.INSTANCE.decode(new byte[] {-1, -1, -1, -1}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
