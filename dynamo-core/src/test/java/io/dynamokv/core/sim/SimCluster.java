/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.sim;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.PeerTransport;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.wire.PeerProtocols;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * A whole cluster of nodes running in one thread on one {@link Simulation}, deterministically from
 * a seed, with an API in the spirit of Cassandra's in-JVM dtests:
 *
 * <pre>{@code
 * SimCluster<Gossiper> cluster =
 *     SimCluster.builder(node -> Gossiper.start(node.id(), node.clock(), node.scheduler(),
 *             node.random(), node.transport(), node.storage()))
 *         .seed(seed).nodes(5).build().startAll();
 * cluster.partition(Set.of(1, 2), Set.of(3, 4, 5));
 * cluster.runFor(Duration.ofSeconds(10));
 * cluster.filters().from(1).to(3).drop(0.5);
 * cluster.node(2).crash();
 * cluster.heal();
 * cluster.node(2).start();
 * assertThat(cluster.runUntil(() -> converged(cluster), Duration.ofMinutes(1))).isTrue();
 * }</pre>
 *
 * <p>Node {@code i} (from 1) has id {@code n<i>}, a {@link SimClock}, and a {@link
 * MemoryStorageEngine.Directory} that survives its crashes. Each start creates a new incarnation: a
 * new {@link SimScheduler}, transport endpoint, engine over the same directory, random stream, and
 * service from the {@link NodeFactory}.
 *
 * <p>Randomness is split from the seed in a fixed order: the network first, then {@link #random()}
 * (for test/client decisions), then one stream per node in index order (nodes added later split
 * after those), and each incarnation splits its node's stream.
 *
 * <p>Not thread-safe, like the simulation: drive it from the test thread or from events.
 *
 * @param <S> the service each node runs
 */
public final class SimCluster<S> {
  private final Simulation simulation;
  private final SimNetwork network;
  private final RandomSource clientRandom;
  private final NodeFactory<S> factory;
  private final List<Instance> nodes = new ArrayList<>();

  private SimCluster(Builder<S> builder) {
    this.simulation =
        new Simulation(builder.seed)
            .maxEvents(builder.maxEvents)
            .failOnTaskException(builder.failOnTaskException);
    this.network =
        new SimNetwork(
            simulation,
            simulation.random().split(),
            builder.baseLatency,
            builder.jitter,
            builder.sizer,
            builder.protocols);
    this.clientRandom = simulation.random().split();
    this.factory = builder.factory;
    for (int i = 0; i < builder.nodes; i++) {
      addNode();
    }
  }

  /** A builder for a cluster whose nodes run what {@code factory} builds. */
  public static <S> Builder<S> builder(NodeFactory<S> factory) {
    return new Builder<>(factory);
  }

  /** Adds a node (not started): the next index, id {@code n<index>}, an empty directory. */
  public Instance addNode() {
    int index = nodes.size() + 1;
    NodeId id = NodeId.of("n" + index);
    int registered = network.register(id);
    if (registered != index) {
      throw new IllegalStateException("network and cluster disagree on node numbers");
    }
    Instance node = new Instance(index, id, simulation.random().split());
    nodes.add(node);
    return node;
  }

  /** Starts every node that is down, in index order. */
  public SimCluster<S> startAll() {
    for (Instance node : nodes) {
      if (!node.isUp()) {
        node.start();
      }
    }
    return this;
  }

  /** Node {@code index}, from 1. */
  public Instance node(int index) {
    if (index < 1 || index > nodes.size()) {
      throw new IllegalArgumentException(
          "no node " + index + ": nodes are numbered 1 to " + nodes.size());
    }
    return nodes.get(index - 1);
  }

  /** The node with id {@code id}. */
  public Instance node(NodeId id) {
    int index = network.index(id);
    if (index == 0) {
      throw new IllegalArgumentException("no node " + id);
    }
    return node(index);
  }

  /** All nodes, in index order. */
  public List<Instance> nodes() {
    return List.copyOf(nodes);
  }

  /** The ids of all nodes, in index order. */
  public List<NodeId> ids() {
    return nodes.stream().map(Instance::id).toList();
  }

  /** The services of the nodes that are up, in index order. */
  public List<S> services() {
    return nodes.stream().filter(Instance::isUp).map(Instance::service).toList();
  }

  public int size() {
    return nodes.size();
  }

  public Simulation simulation() {
    return simulation;
  }

  public SimNetwork network() {
    return network;
  }

  /** A random stream for test and client decisions, independent of the nodes' streams. */
  public RandomSource random() {
    return clientRandom;
  }

  /** Where network filters are built: {@code cluster.filters().from(1).to(3).drop()}. */
  public SimNetwork.Filters filters() {
    return network.filters();
  }

  /** See {@link SimNetwork#partition}: {@code cluster.partition(Set.of(1, 2), Set.of(3, 4, 5))}. */
  @SafeVarargs
  public final SimNetwork.Filter partition(Set<Integer>... sides) {
    return network.partition(sides);
  }

  /** Cuts node {@code index} off from every other node, both ways. */
  public SimNetwork.Filter isolate(int index) {
    node(index);
    Set<Integer> others = new java.util.LinkedHashSet<>();
    for (int i = 1; i <= nodes.size(); i++) {
      if (i != index) {
        others.add(i);
      }
    }
    return network.partition(Set.of(index), others);
  }

  /** Removes all partitions and filters. */
  public void heal() {
    network.heal();
  }

  /** Simulated nanoseconds since the start. */
  public long now() {
    return simulation.now();
  }

  /** Queues a test/client action {@code delay} from now, as an event of no node. */
  public Simulation.Event schedule(Duration delay, Runnable action) {
    return simulation.schedule(Simulation.NO_NODE, delay.toNanos(), "client", action);
  }

  /** Queues a labelled test/client action (the label goes into the trace). */
  public Simulation.Event schedule(Duration delay, String label, Runnable action) {
    return simulation.schedule(Simulation.NO_NODE, delay.toNanos(), label, action);
  }

  /** See {@link Simulation#step()}. */
  public boolean step() {
    return simulation.step();
  }

  /** See {@link Simulation#runFor(Duration)}. */
  public SimCluster<S> runFor(Duration duration) {
    simulation.runFor(duration);
    return this;
  }

  /** See {@link Simulation#runUntil(BooleanSupplier, Duration)}. */
  public boolean runUntil(BooleanSupplier condition, Duration max) {
    return simulation.runUntil(condition, max);
  }

  /** See {@link Simulation#runUntilOrFail(String, BooleanSupplier, Duration)}. */
  public SimCluster<S> runUntilOrFail(String what, BooleanSupplier condition, Duration max) {
    simulation.runUntilOrFail(what, condition, max);
    return this;
  }

  /** See {@link Simulation#afterEachEvent(Runnable)}. */
  public SimCluster<S> afterEachEvent(Runnable invariant) {
    simulation.afterEachEvent(invariant);
    return this;
  }

  /** See {@link Simulation#traceHash()}. */
  public long traceHash() {
    return simulation.traceHash();
  }

  /** One node of the cluster, across its incarnations. */
  public final class Instance {
    private final int index;
    private final NodeId id;
    private final RandomSource random;
    private final SimClock clock;
    private final MemoryStorageEngine.Directory directory = new MemoryStorageEngine.Directory();
    private final SimHost host;
    private int incarnation;
    private SimScheduler scheduler;
    private MemoryStorageEngine storage;
    private PeerTransport transport;
    private S service;

    private Instance(int index, NodeId id, RandomSource random) {
      this.index = index;
      this.id = id;
      this.random = random;
      this.clock = new SimClock(simulation);
      this.host = new SimHost(id.value());
    }

    public int index() {
      return index;
    }

    public NodeId id() {
      return id;
    }

    /** The node's clock; its skew survives restarts. */
    public SimClock clock() {
      return clock;
    }

    /** Sets the node's wall-clock skew (positive: ahead); {@code nanoTime} is unaffected. */
    public Instance clockSkew(Duration skew) {
      clock.skew(skew);
      return this;
    }

    /** The node's persistent data. */
    public MemoryStorageEngine.Directory directory() {
      return directory;
    }

    /** The node's machine: boot id and the lease record kept outside the data directory. */
    public SimHost host() {
      return host;
    }

    /** Number of starts so far (0 if never started). */
    public int incarnation() {
      return incarnation;
    }

    public boolean isUp() {
      return service != null;
    }

    /** The running incarnation's service. */
    public S service() {
      requireUp("service()");
      return service;
    }

    /** Messages this node sent (all incarnations). */
    public long messagesSent() {
      return network.messagesSent(index);
    }

    /** Bytes this node sent (all incarnations), as measured by the network's sizer. */
    public long bytesSent() {
      return network.bytesSent(index);
    }

    /**
     * Starts a new incarnation: new scheduler, transport, random stream and engine over the same
     * directory, then the factory. The node MUST be down.
     */
    public Instance start() {
      if (isUp()) {
        throw new IllegalStateException(id + " is already up (incarnation " + incarnation + ")");
      }
      incarnation++;
      simulation.trace(index, "start " + id + "#" + incarnation);
      SimScheduler newScheduler = new SimScheduler(simulation, index);
      MemoryStorageEngine engine = MemoryStorageEngine.open(directory);
      PeerTransport endpoint = network.attach(index, newScheduler);
      SimNode env =
          new SimNode(
              index,
              id,
              incarnation,
              clock,
              newScheduler,
              random.split(),
              endpoint,
              engine,
              directory,
              host);
      scheduler = newScheduler;
      storage = engine;
      transport = endpoint;
      try {
        S started = factory.start(env);
        service = Objects.requireNonNull(started, "NodeFactory.start returned null");
      } catch (RuntimeException | Error e) {
        die();
        throw e;
      }
      return this;
    }

    /**
     * Crashes the node's process: no shutdown code runs, its queued tasks and in-flight calls die,
     * responses to it are dropped, calls to it are refused. The directory keeps what was written,
     * except that with {@link io.dynamokv.core.spi.Durability#NO_SYNC} the commits not yet flushed
     * were still in the process's buffers: a random prefix of them survives.
     */
    public Instance crash() {
      requireUp("crash()");
      simulation.trace(index, "crash " + id + "#" + incarnation);
      die();
      if (directory.durability() == io.dynamokv.core.spi.Durability.NO_SYNC) {
        loseSomeUnflushed();
      }
      return this;
    }

    /**
     * The node's machine loses power (or its OS crashes): the process dies as in {@link #crash()},
     * the commits not flushed when it happened are lost from the end, a random prefix of them
     * surviving (none is lost with {@link io.dynamokv.core.spi.Durability#SYNC}), and the machine
     * boots again with a new boot id. The node may be down already.
     *
     * @return how many commits were lost
     */
    public int powerFailure() {
      if (isUp()) {
        simulation.trace(index, "power failure " + id + "#" + incarnation);
        die();
      } else {
        simulation.trace(index, "power failure " + id + " (down)");
      }
      int lost = loseSomeUnflushed();
      host.reboot();
      return lost;
    }

    /**
     * Like {@link #powerFailure()}, but loses exactly the commits after the first {@code commit}
     * ones (see {@link MemoryStorageEngine.Directory#commits()}), which must all be unflushed.
     */
    public int powerFailureLosingCommitsAfter(long commit) {
      if (isUp()) {
        simulation.trace(index, "power failure " + id + "#" + incarnation);
        die();
      }
      int lost = directory.rollBackTo(commit);
      host.reboot();
      return lost;
    }

    /**
     * The node's disk is lost: the process dies as in {@link #crash()} (if it is up) and its data
     * directory is replaced by an empty one. The machine (boot id, lease record) stays.
     *
     * @return how many commits were lost: all of them
     */
    public long wipe() {
      if (isUp()) {
        simulation.trace(index, "disk lost " + id + "#" + incarnation);
        die();
      } else {
        simulation.trace(index, "disk lost " + id + " (down)");
      }
      long lost = directory.commits();
      directory.wipe();
      return lost;
    }

    private int loseSomeUnflushed() {
      int unflushed = directory.unflushedCommits();
      return unflushed == 0 ? 0 : directory.loseUnflushed(random.nextInt(unflushed + 1));
    }

    /** Crashes the node if it is up, then starts a new incarnation. */
    public Instance restart() {
      if (isUp()) {
        crash();
      }
      return start();
    }

    /**
     * Stops the node cleanly: the factory's {@link NodeFactory#stop stop hook} runs, then the
     * scheduler and transport close (pending calls fail with {@code Unreachable}) and the engine
     * closes, flushing what it had not.
     */
    public Instance stop() {
      requireUp("stop()");
      simulation.trace(index, "stop " + id + "#" + incarnation);
      try {
        factory.stop(service);
        scheduler.close();
        transport.close();
        storage.close(); // a clean close flushes
      } catch (Exception e) {
        throw new IllegalStateException(id + " failed to stop", e);
      } finally {
        die();
      }
      return this;
    }

    /**
     * Runs {@code action} with the service on this node's scheduler after {@code delay}, as a task
     * of the current incarnation (dropped if it crashes first).
     */
    public void schedule(Duration delay, Consumer<S> action) {
      requireUp("schedule()");
      S target = service;
      scheduler.schedule(delay, () -> action.accept(target));
    }

    private void die() {
      if (scheduler != null) {
        scheduler.kill();
      }
      network.detach(index);
      if (storage != null) {
        storage.abandon(); // a zombie reference to the old engine must not write any more
      }
      scheduler = null;
      storage = null;
      transport = null;
      service = null;
    }

    private void requireUp(String what) {
      if (!isUp()) {
        throw new IllegalStateException(what + ": " + id + " is down");
      }
    }

    @Override
    public String toString() {
      return id + (isUp() ? " up#" + incarnation : " down");
    }
  }

  /** Configuration of a {@link SimCluster}. */
  public static final class Builder<S> {
    private final NodeFactory<S> factory;
    private long seed;
    private int nodes = 3;
    private Duration baseLatency = Duration.ofMillis(1);
    private Duration jitter = Duration.ofNanos(500_000);
    private ToIntFunction<PeerMessage> sizer = m -> 0;
    private PeerProtocols protocols = DynamoNode.PROTOCOLS;
    private long maxEvents = 10_000_000L;
    private boolean failOnTaskException = true;

    private Builder(NodeFactory<S> factory) {
      this.factory = Objects.requireNonNull(factory);
    }

    /** The seed everything random derives from (default 0). */
    public Builder<S> seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Number of nodes created by {@link #build()} (default 3); more can be added later. */
    public Builder<S> nodes(int nodes) {
      if (nodes < 0) {
        throw new IllegalArgumentException("nodes must not be negative, found " + nodes);
      }
      this.nodes = nodes;
      return this;
    }

    /** Message latency, uniform in {@code base ± jitter} (default 1 ms ± 0.5 ms). */
    public Builder<S> latency(Duration base, Duration jitter) {
      this.baseLatency = base;
      this.jitter = jitter;
      return this;
    }

    /** Measures each message's size for the byte counters (default: 0 bytes). */
    public Builder<S> sizer(ToIntFunction<PeerMessage> sizer) {
      this.sizer = Objects.requireNonNull(sizer);
      return this;
    }

    /**
     * The protocols the network carries, encoding and decoding every message (default: a {@link
     * DynamoNode}'s, {@link DynamoNode#PROTOCOLS}).
     */
    public Builder<S> protocols(PeerProtocols protocols) {
      this.protocols = Objects.requireNonNull(protocols);
      return this;
    }

    /** See {@link Simulation#maxEvents(long)} (default 10 million). */
    public Builder<S> maxEvents(long maxEvents) {
      this.maxEvents = maxEvents;
      return this;
    }

    /** See {@link Simulation#failOnTaskException(boolean)} (default {@code true}). */
    public Builder<S> failOnTaskException(boolean fail) {
      this.failOnTaskException = fail;
      return this;
    }

    /** Builds the cluster with every node down; call {@link SimCluster#startAll()} next. */
    public SimCluster<S> build() {
      return new SimCluster<>(this);
    }
  }
}
