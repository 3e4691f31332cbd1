/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.GetResult;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.version.Versioned;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** {@link DynamoNode#localRead}: one node's own copy, on a simulated 5-node cluster (N=3). */
class LocalReadTest {
  private static final String STORE = "cart";

  private final DynamoSim sim = new DynamoSim(7, 5, List.of(StoreDefinition.of(STORE)));

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static List<String> values(LocalCopy copy) {
    return copy.siblings().values().stream()
        .map(v -> v.isTombstone() ? "<tombstone>" : new String(v.value(), UTF_8))
        .sorted()
        .toList();
  }

  private Throwable errorOf(CompletionStage<?> request) {
    return sim.await(request)
        .handle((ok, e) -> e == null ? null : DynamoException.unwrap(e))
        .join();
  }

  @Test
  void eachOwnerHoldsTheWriteAndSaysItOwnsTheKeyOthersHoldNothing() {
    sim.formCluster();
    byte[] key = bytes("alice");
    sim.join(sim.node(1).put(STORE, key, bytes("book"), Context.EMPTY, RequestOptions.quorum(3)));
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    for (int i = 1; i <= 5; i++) {
      LocalCopy copy = sim.join(sim.node(i).localRead(STORE, key));
      assertThat(copy.node()).isEqualTo(sim.node(i).id());
      assertThat(copy.owners()).isEqualTo(owners);
      assertThat(copy.ringVersion()).isEqualTo(sim.node(i).ring().orElseThrow().version());
      if (owners.contains(copy.node())) {
        assertThat(copy.owner()).isTrue();
        assertThat(values(copy)).containsExactly("book");
      } else {
        assertThat(copy.owner()).isFalse();
        assertThat(copy.siblings().isEmpty()).isTrue();
      }
    }
  }

  @Test
  void aDeleteLeavesATombstoneTheLocalReadShows() {
    sim.formCluster();
    byte[] key = bytes("gone");
    sim.join(sim.node(1).put(STORE, key, bytes("v"), Context.EMPTY, RequestOptions.quorum(3)));
    GetResult read = sim.join(sim.node(2).get(STORE, key, RequestOptions.quorum(3)));
    sim.join(sim.node(3).delete(STORE, key, read.context(), RequestOptions.quorum(3)));
    NodeId owner = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3).get(0);
    LocalCopy copy = sim.join(sim.cluster.node(owner).service().localRead(STORE, key));
    assertThat(copy.siblings().values()).allMatch(Versioned::isTombstone).isNotEmpty();
    assertThat(copy.siblings().isDeleted()).isTrue();
  }

  @Test
  void badRequestsFailClearly() {
    sim.formCluster();
    assertThat(errorOf(sim.node(1).localRead("nope", bytes("k"))))
        .isInstanceOf(StoreNotFoundException.class);
    assertThat(errorOf(sim.node(1).localRead(STORE, new byte[0])))
        .isInstanceOf(InvalidRequestException.class);
    assertThat(errorOf(sim.node(1).localRead(STORE, new byte[100_000])))
        .isInstanceOf(LimitExceededException.class);
  }
}
