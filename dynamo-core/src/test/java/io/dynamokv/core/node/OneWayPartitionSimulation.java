/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One seed of a one-way partition (issue 18): a coordinator cannot send to one owner of a key,
 * while that owner's heartbeats still reach it through the other nodes. Writes of the key go
 * through the coordinator with W = N, so each waits on that owner's slot until a stand-in serves
 * it. Checked: every write succeeds, and once the coordinator's calls to the owner have failed for
 * {@link #DETECTION} it routes around the owner: no later write waits until the slot hedges (half
 * the timeout). A node that believes relayed gossip alone never stops waiting.
 */
final class OneWayPartitionSimulation {
  static final Duration TIMEOUT = Duration.ofSeconds(1);
  static final Duration DETECTION = Duration.ofSeconds(15);
  static final Duration AFTER = Duration.ofSeconds(5);

  private OneWayPartitionSimulation() {}

  /** Runs one seed; returns its violations (empty when it kept every check). */
  static List<String> run(long seed, BrokenVariant broken) {
    DynamoSim sim =
        new DynamoSim(seed, 5, List.of(StoreDefinition.of("sets")), broken, TIMEOUT, b -> b);
    sim.formCluster();
    sim.awaitAllReachable();
    SplittableRandom random = new SplittableRandom(seed);
    byte[] key = ("one-way-" + random.nextInt(1000)).getBytes(UTF_8);
    List<NodeId> owners = sim.node(1).ring().orElseThrow().preferenceList(Token.of(key), 3);
    SimCluster<DynamoNode>.Instance coordinator = sim.cluster.node(owners.get(0));
    SimCluster<DynamoNode>.Instance silent = sim.cluster.node(owners.get(1 + random.nextInt(2)));
    sim.cluster.filters().from(coordinator.index()).to(silent.index()).drop();

    List<String> violations = new ArrayList<>();
    long start = sim.cluster.now();
    long end = start + DETECTION.plus(AFTER).toNanos();
    long hedge = TIMEOUT.toNanos() / 2;
    int i = 0;
    while (sim.cluster.now() < end) {
      Context context =
          sim.await(coordinator.service().get("sets", key, RequestOptions.quorum(1)))
              .handle((read, e) -> e == null ? read.context() : Context.EMPTY)
              .join();
      long issued = sim.cluster.now();
      Throwable error =
          sim.errorOf(
              coordinator
                  .service()
                  .put(
                      "sets", key, ("v" + i++).getBytes(UTF_8), context, RequestOptions.quorum(3)));
      long took = sim.cluster.now() - issued;
      if (error != null) {
        violations.add("write " + i + " failed: " + error);
      } else if (issued - start > DETECTION.toNanos() && took >= hedge) {
        violations.add(
            String.format(
                "write %d at %.1f s waited %.0f ms on %s, which %s cannot send to, %.0f s after"
                    + " the cut",
                i,
                issued / 1e9,
                took / 1e6,
                silent.id(),
                coordinator.id(),
                (issued - start) / 1e9));
      }
      sim.cluster.runFor(Duration.ofMillis(100));
    }
    return violations;
  }
}
