/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.membership;

import io.dynamokv.core.sim.SimSeeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The 1,000-node run, too slow for CI. Reproduce with:
 *
 * <pre>
 * mvn -B -o -pl dynamo-core verify -Dtest=MembershipScaleSimulation -Dmembership.scale=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * It prints rounds to form the cluster, to converge after one join and after one leave, and the
 * bytes gossiped per node per round; {@code -Dmembership.scale.nodes=N} changes the size.
 */
@EnabledIfSystemProperty(named = "membership.scale", matches = "true")
class MembershipScaleSimulation {
  @Test
  void thousandNodes() {
    long seed = SimSeeds.seed(1000L);
    int nodes = Integer.getInteger("membership.scale.nodes", 1000);
    SimSeeds.replayable(
        MembershipScaleSimulation.class,
        "thousandNodes",
        seed,
        () -> MembershipSimulationTest.hundredNodes(seed, nodes));
  }
}
