/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.ring.Ring;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusJsonTest {
  private static Ring ring(long version, int partitions) {
    List<NodeId> owners = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      owners.add(NodeId.of("n" + (p % 3 + 1)));
    }
    return Ring.ofPartitions(version, owners, Map.of());
  }

  @Test
  void theRingPartListsEachPartitionsOwnersAndIsMadeOncePerRing() throws Exception {
    Ring ring = ring(4, 8);
    String json = StatusJson.ringJson(ring, 3);
    JsonNode doc = new ObjectMapper().readTree(json);
    assertThat(doc.get("version").asLong()).isEqualTo(4);
    assertThat(doc.get("partitions").asInt()).isEqualTo(8);
    assertThat(doc.get("owners")).hasSize(8);
    for (int p = 0; p < 8; p++) {
      List<String> owners = new ArrayList<>();
      doc.get("owners").get(p).forEach(o -> owners.add(o.asText()));
      assertThat(owners)
          .containsExactlyElementsOf(
              ring.preferenceList(p, 3).stream().map(NodeId::value).toList());
    }
    assertThat(StatusJson.ringJson(ring, 3)).as("reused for the same ring").isSameAs(json);
    assertThat(StatusJson.ringJson(ring(5, 8), 3))
        .as("made anew for a newer ring")
        .isNotSameAs(json);
    assertThat(StatusJson.ringJson(null, 3)).isEqualTo("null");
  }
}
