/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeapTest {
  @Test
  void theLastHeapOptionGivenWins() {
    assertThat(Heap.maxBytes(List.of("-Xms32m", "-Xmx256m"))).isEqualTo(256L << 20);
    assertThat(Heap.maxBytes(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Xmx2G")))
        .isEqualTo(2L << 30);
    assertThat(Heap.maxBytes(List.of("-XX:MaxHeapSize=1048576"))).isEqualTo(1L << 20);
    assertThat(Heap.maxBytes(List.of("-Xmx512k"))).isEqualTo(512L << 10);
  }

  @Test
  void withoutAHeapOptionTheRuntimeSays() {
    assertThat(Heap.maxBytes(List.of("-Xss1m"))).isEqualTo(Runtime.getRuntime().maxMemory());
    assertThat(Heap.maxBytes(List.of("-Xmxlots"))).isEqualTo(Runtime.getRuntime().maxMemory());
  }

  @Test
  void sizesReadAsPeopleWriteThem() {
    assertThat(Sizes.format(256)).isEqualTo("256 B");
    assertThat(Sizes.format(64 << 10)).isEqualTo("64 KiB");
    assertThat(Sizes.format(5 << 20)).isEqualTo("5 MiB");
    assertThat(Sizes.format(259_522_560)).isEqualTo("247.5 MiB");
  }
}
