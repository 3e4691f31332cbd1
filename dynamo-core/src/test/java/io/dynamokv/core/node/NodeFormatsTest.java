/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.StatusSection;
import io.dynamokv.core.wire.WireFormat;
import io.dynamokv.core.wire.WireFormats;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class NodeFormatsTest {
  /** What a node gossips it reads is what its codecs read: a codec raised alone fails here. */
  @Test
  void gossipedFormatsAreWhatTheCodecsRead() {
    TreeMap<String, Integer> codecs = new TreeMap<>();
    for (WireFormat f : NodeFormats.READ) {
      assertThat(codecs.put(f.family(), f.newest())).as("family %s twice", f.family()).isNull();
    }
    assertThat(codecs).isEqualTo(WireFormats.CURRENT);
  }

  @Test
  void sectionNamesWhatThisNodeReadsAndWhatEveryMemberReads() {
    StatusSection s =
        NodeFormats.section(
            new TreeMap<>(Map.of("siblings", 3, "hints", 1)), Map.of("siblings", 2));
    assertThat(s.name()).isEqualTo("formats");
    assertThat(s.stats())
        .extracting(st -> st.name() + " " + st.tags() + " " + st.value())
        .containsExactly(
            "reads {family=hints} 1",
            "agreed {family=hints} 0",
            "reads {family=siblings} 3",
            "agreed {family=siblings} 2");
  }
}
