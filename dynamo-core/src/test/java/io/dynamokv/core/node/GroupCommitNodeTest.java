/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.version.Siblings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Group commit seen from the cluster (simulated nodes with sync engines, whose group writes take
 * {@link DynamoSim#GROUP_WRITE}): a write is acknowledged only once every copy it counted is in its
 * owner's engine, and a coordinator's copy reaches the other owners only once it is durable.
 */
class GroupCommitNodeTest {
  private static final String STORE = "gc";

  private final DynamoSim sim = new DynamoSim(7, 3, List.of(StoreDefinition.of(STORE, 3, 1, 3)));

  @Test
  void aWriteIsAcknowledgedOnlyOnceEveryCopyItCountedIsStored() {
    sim.formCluster();
    for (int i = 0; i < 20; i++) {
      byte[] key = ("key-" + i).getBytes(UTF_8);
      List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
      Map<NodeId, Siblings> atAcknowledgement = new TreeMap<>();
      CompletionStage<Context> put =
          sim.node(1 + i % 3).put(STORE, key, ("v" + i).getBytes(UTF_8), Context.EMPTY, opts());
      put.thenRun(
          () -> {
            for (NodeId owner : owners) {
              atAcknowledgement.put(owner, sim.cluster.node(owner).service().dataOf(STORE, key));
            }
          });
      sim.join(put);
      String value = "v" + i;
      assertThat(atAcknowledgement).hasSize(3);
      atAcknowledgement.forEach(
          (owner, stored) ->
              assertThat(values(stored))
                  .as("what %s had stored when W=3 was acknowledged", owner)
                  .containsExactly(value));
    }
    long groups = 0;
    for (int n = 1; n <= 3; n++) {
      groups += sim.node(n).stats().groupCommits;
    }
    assertThat(groups).as("the sync engines' changes went through group commit").isPositive();
  }

  private static RequestOptions opts() {
    return RequestOptions.DEFAULTS;
  }

  private static List<String> values(Siblings set) {
    List<String> out = new ArrayList<>();
    set.liveValues().forEach(v -> out.add(new String(v.value(), UTF_8)));
    return out;
  }
}
