/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InsufficientReplicasException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.ring.StorageKeys;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.storage.MemoryStorageEngine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** How a coordinator treats what its replicas answer. */
class ReplicaReplyTest {
  private static final String STORE = "cart";

  private final DynamoSim sim = new DynamoSim(7, 5, List.of(StoreDefinition.of(STORE)));

  /**
   * A replica whose stored set does not decode answers a read with bytes the coordinator cannot
   * decode: that counts as the replica's failure at once, instead of leaving the request to wait
   * for its timeout and report that the replica "did not answer in time".
   */
  @Test
  void anUndecodableReplicaReplyCountsAsThatReplicasFailureAtOnce() {
    sim.formCluster();
    byte[] key = "corrupt".getBytes(UTF_8);
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    DynamoNode coordinator = sim.cluster.node(owners.get(0)).service();
    sim.join(
        coordinator.put(STORE, key, "v".getBytes(UTF_8), Context.EMPTY, RequestOptions.DEFAULTS));

    SimCluster<DynamoNode>.Instance corrupted = sim.cluster.node(owners.get(1));
    corrupted.crash();
    MemoryStorageEngine engine = MemoryStorageEngine.open(corrupted.directory());
    engine.keyspace("data-" + STORE).put(StorageKeys.storageKey(key), new byte[] {(byte) 0xff, 1});
    engine.close();
    corrupted.start();
    sim.formCluster();

    Duration timeout = Duration.ofSeconds(5);
    long start = sim.cluster.now();
    CompletableFuture<?> read =
        sim.await(coordinator.get(STORE, key, new RequestOptions(3, timeout)));
    long tookMillis = (sim.cluster.now() - start) / 1_000_000;

    Throwable error = read.handle((ok, e) -> e == null ? null : DynamoException.unwrap(e)).join();
    assertThat(error)
        .isInstanceOf(InsufficientReplicasException.class)
        .hasMessageContaining(corrupted.id() + ": ")
        .hasMessageContaining("undecodable")
        .hasMessageNotContaining(corrupted.id() + " did not answer in time");
    assertThat(tookMillis).as("ms until the read failed").isLessThan(timeout.toMillis() / 10);
    // With R=2 the two good replicas answer.
    assertThat(sim.join(coordinator.get(STORE, key, RequestOptions.quorum(2))).values()).hasSize(1);
  }
}
