/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.PeerTransportContract;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The simulated network meets the {@link PeerTransport} contract, in simulated time: every wait
 * runs the event loop, and a timeout fires exactly at its deadline.
 */
class SimNetworkContractTest extends PeerTransportContract {
  @Override
  protected Fixture create(List<NodeId> ids) {
    return new SimFixture(ids);
  }

  @Override
  protected Duration slack() {
    return Duration.ZERO;
  }

  /** A simulation is driven by one thread, which also issues every call. */
  @Override
  protected boolean concurrentCallers() {
    return false;
  }

  private static final class SimFixture implements Fixture {
    private final Simulation simulation = new Simulation(42);
    private final SimNetwork network =
        new SimNetwork(
            simulation,
            simulation.random().split(),
            Duration.ofMillis(1),
            Duration.ofMillis(1).dividedBy(2),
            m -> 0,
            DynamoNode.PROTOCOLS);
    private final Map<NodeId, Integer> numbers = new HashMap<>(); // lookups only
    private final Map<NodeId, SimScheduler> schedulers = new HashMap<>();
    private final Map<NodeId, PeerTransport> transports = new HashMap<>();

    SimFixture(List<NodeId> ids) {
      for (NodeId id : ids) {
        numbers.put(id, network.register(id));
        restart(id);
      }
    }

    @Override
    public PeerTransport transport(NodeId node) {
      return transports.get(node);
    }

    @Override
    public void stop(NodeId node) {
      network.detach(numbers.get(node));
      schedulers.get(node).close();
    }

    @Override
    public PeerTransport restart(NodeId node) {
      int number = numbers.get(node);
      SimScheduler scheduler = new SimScheduler(simulation, number);
      schedulers.put(node, scheduler);
      PeerTransport transport = network.attach(number, scheduler);
      transports.put(node, transport);
      return transport;
    }

    @Override
    public boolean await(CompletionStage<?> stage, Duration max) {
      return simulation.runUntil(() -> stage.toCompletableFuture().isDone(), max);
    }

    @Override
    public long nanoTime() {
      return simulation.now();
    }

    @Override
    public void close() {
      transports.values().forEach(PeerTransport::close);
    }
  }
}
