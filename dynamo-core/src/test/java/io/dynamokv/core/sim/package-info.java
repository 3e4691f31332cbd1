/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
/**
 * A deterministic whole-cluster simulation harness: many nodes, one thread, one seed.
 *
 * <p>In the spirit of Kafka's {@code RaftEventSimulationTest} and FoundationDB's simulator, every
 * source of nondeterminism behind dynamo-core's ports is replaced by a simulated one driven from a
 * single {@link io.dynamokv.core.sim.Simulation} event loop ordered by (time, unique sequence):
 *
 * <ul>
 *   <li>{@link io.dynamokv.core.sim.SimClock}: simulated time, per-node wall-clock skew;
 *   <li>{@link io.dynamokv.core.sim.SimScheduler}: a node incarnation's tasks as events;
 *   <li>{@link io.dynamokv.core.sim.SimNetwork}: requests and responses as separate delayed events,
 *       with drop/delay/duplicate/reorder filters and partitions;
 *   <li>{@link io.dynamokv.core.spi.RandomSource}: split from the seed in a fixed order;
 *   <li>{@link io.dynamokv.core.storage.MemoryStorageEngine.Directory}: a node's disk, which
 *       survives crashes.
 * </ul>
 *
 * <p>{@link io.dynamokv.core.sim.SimCluster} puts these together behind an API shaped like
 * Cassandra's in-JVM dtests ({@code cluster.node(2).crash()}, {@code
 * cluster.filters().from(1).to(3).drop()}, {@code cluster.partition(Set.of(1, 2), Set.of(3, 4,
 * 5))}); the service each node runs comes from a {@link io.dynamokv.core.sim.NodeFactory}.
 *
 * <p><b>Determinism rules for code under simulation:</b> use only the ports handed over in {@link
 * io.dynamokv.core.sim.SimNode}; no threads, no real clocks, no unseeded randomness, and no
 * iteration over {@code HashMap}/{@code HashSet} of objects whose hash depends on identity. Every
 * executed event feeds {@link io.dynamokv.core.sim.Simulation#traceHash()}: two runs with one seed
 * MUST give one hash; a test that runs a scenario twice and compares hashes catches leaks.
 *
 * <p><b>Replaying a seed:</b> wrap seed-driven scenarios in {@link
 * io.dynamokv.core.sim.SimSeeds#replayable}; a failure then prints a line such as
 *
 * <pre>
 * REPLAY: mvn -pl dynamo-core test -Dtest=io.dynamokv.core.sim.SimDeterminismTest#theSameSeedReplaysBitForBit -Dsim.seed=42
 * </pre>
 *
 * which runs exactly that seed again ({@link io.dynamokv.core.sim.SimSeeds#seeds} honours {@code
 * -Dsim.seed}); {@code -Dsim.seeds=1000} runs a thousand fresh random seeds instead of the fixed
 * ones. A {@link io.dynamokv.core.sim.Simulation.SimulationFailure} names the seed, the simulated
 * time and the last events.
 *
 * <p>These are test sources, shipped in dynamo-core's test-jar for the other modules.
 */
package io.dynamokv.core.sim;
