/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.dynamokv.core.DynamoException;
import io.dynamokv.core.InvalidRequestException;
import io.dynamokv.core.LimitExceededException;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.NodeShuttingDownException;
import io.dynamokv.core.NotAReplicaException;
import io.dynamokv.core.StoreNotFoundException;
import io.dynamokv.core.client.Context;
import io.dynamokv.core.client.RequestOptions;
import io.dynamokv.core.handoff.HandoffConfig;
import io.dynamokv.core.membership.ClusterView;
import io.dynamokv.core.membership.GossipMessage;
import io.dynamokv.core.membership.GossipRefusedException;
import io.dynamokv.core.membership.Membership;
import io.dynamokv.core.membership.MembershipCodec;
import io.dynamokv.core.membership.MembershipConfig;
import io.dynamokv.core.membership.MembershipView;
import io.dynamokv.core.membership.NodeState;
import io.dynamokv.core.membership.NodeStatus;
import io.dynamokv.core.membership.Removal;
import io.dynamokv.core.membership.RingState;
import io.dynamokv.core.merkle.AntiEntropyConfig;
import io.dynamokv.core.node.SetHistory.Outcome;
import io.dynamokv.core.ring.Ring;
import io.dynamokv.core.ring.RingCodec;
import io.dynamokv.core.ring.RingPlanner;
import io.dynamokv.core.ring.Token;
import io.dynamokv.core.sim.SimCluster;
import io.dynamokv.core.sim.SimNetwork;
import io.dynamokv.core.spi.Durability;
import io.dynamokv.core.spi.Keyspace;
import io.dynamokv.core.spi.PeerMessage;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * One seed of the whole-cluster simulation of request coordination: five {@link DynamoNode}s,
 * clients running a set workload of read-modify-writes, blind writes and deletes on a few contended
 * keys through random coordinators with random quorums and timeouts, faults chosen by the seed,
 * then a healed, quiet cluster read with R=N through every node and judged by {@link SetHistory}'s
 * causal oracle.
 *
 * <p>Between the workload and the final reads, most seeds run a handoff phase ({@link
 * #handoffPhase}): all but k >= W nodes go down or are cut off, writes through the survivors must
 * succeed, a stand-in holding hints may crash, and at the end every hint must have gone home and
 * every key's owners must hold the same versions ({@link #checkConvergence}). Ring changes while
 * hints are pending are not simulated: the core moves no data when the ring changes (that comes
 * with anti-entropy), so a new owner's copy could not converge without it.
 *
 * <p>Each node's durability is drawn per seed (sync, write-no-sync or no-sync, with a background
 * flush every {@link #FLUSH_INTERVAL} as real engines do). A crash under no-sync and a power
 * failure under anything but sync lose the commits since the node's last flush; an acknowledged
 * write is exempt from the oracle's "no acknowledged write lost" only when such a loss took the
 * last copy any node held of it (a loss the durability mode allows).
 */
final class CoordinationSimulation {
  static final String STORE = "sets";
  static final int NODES = 5;

  /** The STANDBY nodes a run with membership changes adds (n6, n7), which join during it. */
  static final int JOINERS = 2;

  static final Duration REQUEST_TIMEOUT = Duration.ofMillis(100);
  static final int FINAL_READ_ATTEMPTS = 5;
  static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);

  /** How often nodes try to hand their hints off: short, so that hints drain in little sim time. */
  static final Duration HANDOFF_INTERVAL = Duration.ofMillis(200);

  /** The handoff phase's client timeout: ten times the workload's default. */
  static final Duration PHASE_TIMEOUT = Duration.ofSeconds(1);

  /**
   * The messages the lossy-links fault may duplicate: all of them. Replica reads and writes are
   * idempotent; a duplicated {@link CoordinationMessage.ForwardedWrite} is recognised by its
   * request id and answered with the first one's outcome (before request ids, seed
   * -4330516166866236832 showed a duplicated forward become a duplicated sibling).
   */
  static final Predicate<PeerMessage> DUPLICABLE = m -> true;

  /** The faults a seed may inject during the workload. */
  enum Fault {
    /** A random node crashes and restarts a little later. */
    CRASH_RESTART,
    /** A node that is coordinating a W=1 write crashes within ~50 ms, then restarts. */
    CRASH_COORDINATOR,
    /** The nodes split into two sides, later healed. */
    PARTITION,
    /**
     * One or two nodes cannot send to the others (requests and answers), while the others' messages
     * still reach them; later healed.
     */
    ONE_WAY_PARTITION,
    /** Two nodes cannot talk to each other, while both still talk to the rest; later healed. */
    PARTIAL_PARTITION,
    /** Some links drop, duplicate and reorder messages for a while. */
    LOSSY_LINKS,
    /** Some nodes' wall clocks run ahead or behind. */
    CLOCK_SKEW,
    /**
     * A node's machine loses power, losing the commits its engine had not flushed (none under
     * sync), and boots again a little later with a new boot id.
     */
    POWER_FAILURE,
    /** A node stops cleanly and starts again a little later. */
    CLEAN_RESTART,
    /**
     * A node's disk is lost: the process dies and the node starts again later on an empty data
     * directory (its machine's lease record survives). Only with anti-entropy, which alone can
     * restore what it held.
     */
    WIPED_DISK,
    /**
     * Hostile gossip reaches random nodes (issue 15): the reviewer's reproductions (a ring that
     * does not decode at version 1000, a valid ring at version Long.MAX), random bytes, and
     * well-formed messages with out-of-range fields, illegal changes and invalid rings; and a node
     * restarts with a poisoned ring in its persisted state. Every message that must be refused is;
     * after the final reads every ring is valid everywhere, on disk too, and the claimant still
     * plans a new node into the ring ({@link #checkAfterHostileGossip}).
     */
    HOSTILE_GOSSIP
  }

  /** Which repairs the nodes run. */
  enum Repairs {
    /** Hinted handoff and read repair (anti-entropy off): the issue 18 setting. */
    HINTS_AND_READ_REPAIR,
    /** Anti-entropy alone: every replica must converge through it. */
    ANTI_ENTROPY_ONLY,
    /** Everything, with a short tombstone grace period so that purges happen within the run. */
    ALL_WITH_PURGES;

    boolean antiEntropy() {
      return this != HINTS_AND_READ_REPAIR;
    }

    boolean hintsAndReadRepair() {
      return this != ANTI_ENTROPY_ONLY;
    }
  }

  /** The tombstone grace period of {@link Settings#everythingOnWithPurges()}. */
  static final Duration GRACE = Duration.ofSeconds(2);

  /** The hints' maximum age there: shorter than the grace period, as start-up requires. */
  static final Duration HINT_MAX_AGE = Duration.ofMillis(1500);

  /**
   * What a run does.
   *
   * @param operations read-modify-write cycles, blind writes and deletes, over all clients
   * @param clients concurrent clients
   * @param keys size of the contended key set
   * @param broken the broken variant every node runs
   * @param w1Share how often a write asks for W=1
   * @param coordinatorCrashes crashes of W=1 coordinators when {@link Fault#CRASH_COORDINATOR} is
   *     drawn (the broken-variant hunts raise it)
   * @param faults the faults a seed may choose from; it picks at least one
   */
  record Settings(
      int operations,
      int clients,
      int keys,
      BrokenVariant broken,
      double w1Share,
      int coordinatorCrashes,
      int powerFailures,
      boolean lossyDisks,
      Set<Fault> faults,
      Handoff handoff,
      Repairs repairs,
      boolean changes) {
    static Settings ci() {
      return new Settings(
          200,
          3,
          4,
          BrokenVariant.NONE,
          0.25,
          1,
          1,
          false,
          EnumSet.complementOf(EnumSet.of(Fault.WIPED_DISK)),
          Handoff.CI,
          Repairs.HINTS_AND_READ_REPAIR,
          false);
    }

    /**
     * Hinted handoff and read repair off, anti-entropy on, disks that may be lost: after the heal,
     * anti-entropy alone must make every replica of every key identical (issue 19).
     */
    Settings repairedByAntiEntropyOnly() {
      EnumSet<Fault> all = EnumSet.copyOf(faults);
      all.add(Fault.WIPED_DISK);
      return new Settings(
          operations,
          clients,
          keys,
          broken,
          w1Share,
          coordinatorCrashes,
          powerFailures,
          lossyDisks,
          all,
          handoff.withShare(0),
          Repairs.ANTI_ENTROPY_ONLY,
          changes);
    }

    /**
     * Hinted handoff, read repair and anti-entropy all on, with a tombstone grace period of {@link
     * #GRACE} and hints that live {@link #HINT_MAX_AGE}: deletes, long outages and purges within
     * the run must keep the no-resurrection invariant (issue 19).
     */
    Settings everythingOnWithPurges() {
      EnumSet<Fault> all = EnumSet.copyOf(faults);
      all.add(Fault.WIPED_DISK);
      return new Settings(
          operations,
          clients,
          keys,
          broken,
          w1Share,
          coordinatorCrashes,
          powerFailures,
          lossyDisks,
          all,
          handoff.withHintMaxAge(HINT_MAX_AGE),
          Repairs.ALL_WITH_PURGES,
          changes);
    }

    Settings broken(BrokenVariant variant) {
      return new Settings(
          operations,
          clients,
          keys,
          variant,
          w1Share,
          coordinatorCrashes,
          powerFailures,
          lossyDisks,
          faults,
          handoff,
          repairs,
          changes);
    }

    Settings handoff(Handoff phase) {
      return new Settings(
          operations,
          clients,
          keys,
          broken,
          w1Share,
          coordinatorCrashes,
          powerFailures,
          lossyDisks,
          faults,
          phase,
          repairs,
          changes);
    }

    /**
     * Membership changes while clients write (issue 20): n6 (and, one seed in two, n7) start as
     * STANDBY members and join during the workload; one seed in three also has a node leave, one in
     * three a node crash for good and be removed. No handoff phase and no hostile gossip: both
     * assume the five original nodes.
     */
    Settings withChanges() {
      EnumSet<Fault> some = EnumSet.copyOf(faults);
      some.remove(Fault.HOSTILE_GOSSIP);
      return new Settings(
          operations,
          clients,
          keys,
          broken,
          w1Share,
          coordinatorCrashes,
          powerFailures,
          lossyDisks,
          some,
          handoff.withShare(0),
          repairs,
          true);
    }

    Settings huntingCoordinatorCrashes() {
      return new Settings(
          operations,
          clients,
          keys,
          broken,
          0.6,
          6,
          powerFailures,
          lossyDisks,
          EnumSet.of(Fault.CRASH_COORDINATOR),
          handoff,
          repairs,
          changes);
    }

    /**
     * Only power failures, several per seed, on nodes whose engines never sync every commit: what a
     * broken incarnation rule would meet most often.
     */
    Settings huntingRollbacks() {
      return new Settings(
          operations,
          clients,
          keys,
          broken,
          0.5,
          coordinatorCrashes,
          6,
          true,
          EnumSet.of(Fault.POWER_FAILURE),
          handoff,
          repairs,
          changes);
    }
  }

  /**
   * The hinted-handoff phase that follows the workload (issue 18), and the nodes' handoff settings.
   *
   * @param share the share of seeds that run the phase
   * @param writes the writes the phase issues through the survivors
   * @param hintCap every node's cap on the bytes of its hints
   * @param hintMaxAge every node's maximum hint age
   * @param outboundCuts whether the phase may cut a node off in the survivors' direction only (they
   *     still hear its gossip but cannot reach it): only reachability learnt from the survivors'
   *     own calls notices that. On in {@link #CI}
   */
  record Handoff(
      double share, int writes, long hintCap, Duration hintMaxAge, boolean outboundCuts) {
    static final Handoff CI =
        new Handoff(
            1.0, 8, HandoffConfig.DEFAULTS.maxBytes(), HandoffConfig.DEFAULTS.maxAge(), true);

    Handoff withHintCap(long bytes) {
      return new Handoff(share, writes, bytes, hintMaxAge, outboundCuts);
    }

    Handoff withHintMaxAge(Duration age) {
      return new Handoff(share, writes, hintCap, age, outboundCuts);
    }

    Handoff withOutboundCuts(boolean on) {
      return new Handoff(share, writes, hintCap, hintMaxAge, on);
    }

    Handoff withShare(double seeds) {
      return new Handoff(seeds, writes, hintCap, hintMaxAge, outboundCuts);
    }
  }

  /** What one seed's run observed. */
  record Result(
      long seed,
      long traceHash,
      Set<Fault> faults,
      List<String> violations,
      String excerpt,
      long requests,
      long forwarded,
      long quorumFailures,
      long okWrites,
      long failedWrites,
      long unknownWrites,
      long timedOutUnknown,
      long siblingReads,
      long crashes,
      long detectorSkips,
      long workloadMillis,
      long finalReadRetries,
      long events,
      long lostCommits,
      long exemptWrites,
      long freshIncarnations,
      Hints hints) {
    boolean passed() {
      return violations.isEmpty();
    }

    String describe() {
      return "seed "
          + seed
          + " faults="
          + faults
          + ": "
          + violations.size()
          + " violation(s)\n  "
          + String.join("\n  ", violations.subList(0, Math.min(10, violations.size())))
          + "\n"
          + excerpt;
    }
  }

  /**
   * Hint, handoff and repair counts of one run, summed over the nodes and their incarnations.
   *
   * @param stored hints stored or merged into (as a stand-in or for an owner that missed a write)
   * @param delivered hints handed to their owners and deleted
   * @param expired hints discarded past their maximum age
   * @param refused hints refused or not kept at the cap
   * @param standIns replica writes a stand-in acknowledged for an owner
   * @param readRepairs read-repair writes sent
   * @param phases runs of the handoff phase
   * @param availabilityWrites writes of the handoff phase that had to succeed
   * @param convergedKeys keys whose owners' copies were compared after quiescence
   * @param skippedConvergence keys not compared because a fault lost data, interrupted a
   *     coordination or a hint expired or was refused
   * @param purged tombstones dropped by purges, counted on every owner that dropped one
   */
  record Hints(
      long stored,
      long delivered,
      long expired,
      long refused,
      long standIns,
      long readRepairs,
      long phases,
      long availabilityWrites,
      long convergedKeys,
      long skippedConvergence,
      long purged) {
    static final Hints NONE = new Hints(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  private final long seed;
  private final Settings settings;
  private final DynamoSim sim;
  private final SimCluster<DynamoNode> cluster;
  private final RandomSource random;
  private final SetHistory history = new SetHistory();
  private final List<String> keys = new ArrayList<>();
  private final Set<Fault> faults = EnumSet.noneOf(Fault.class);
  private final List<SimNetwork.Filter> filters = new ArrayList<>();
  private final List<io.dynamokv.core.sim.Simulation.Event> faultEvents = new ArrayList<>();
  private final Chain[] chains; // by client
  private int issued;
  private int clientsDone;
  private int coordinatorCrashesLeft;
  private long armedFromNanos = Long.MAX_VALUE;
  private long forwardedBeforeCrash;
  private long quorumFailuresBeforeCrash;
  private long requestsBeforeCrash;
  private long crashes;
  private long workloadMillis;
  private long finalReadRetries;
  private long lostCommits;
  private long freshIncarnations;
  private long hintsStoredBefore;
  private long hintsDeliveredBefore;
  private long hintsExpiredBefore;
  private long hintsRefusedBefore;
  private long standInsBefore;
  private long readRepairsBefore;
  private long purgedBefore;
  private long phases;
  private long availabilityWrites;
  private long convergedKeys;
  private long skippedConvergence;

  /**
   * Why the owners of the workload's keys need not converge: a crash or stop while a write was in
   * flight takes the coordinator's memory of which owners missed it (only anti-entropy repairs
   * that), or a crash lost stored data. Null when they must converge.
   */
  private String noConvergenceBecause;

  /**
   * Nodes out for good: one that left (and stopped) or crashed and was removed. Nothing restarts
   * them, and their disks no longer count as copies.
   */
  private final Set<Integer> gone = new java.util.TreeSet<>();

  /** The membership changes a run made, for its description. */
  private final List<String> changesMade = new ArrayList<>();

  /** Changes scheduled but not run, leavers not yet stopped, dead nodes not yet removed. */
  private int changesToRun;

  private final Set<Integer> leaving = new java.util.TreeSet<>();
  private final Set<Integer> removing = new java.util.TreeSet<>();

  /** Data losses: {@code {nanos, node index}} of each crash that lost commits or a disk. */
  private final List<long[]> losses = new ArrayList<>();

  /** The keys only the handoff phase writes. */
  private final List<String> phaseKeys = new ArrayList<>();

  private CoordinationSimulation(long seed, Settings settings) {
    this.seed = seed;
    this.settings = settings;
    StoreDefinition store = new StoreDefinition(STORE, 3, 2, 2, 64, 64 * 1024, 64, 1 << 20, 4096);
    Handoff phase = settings.handoff();
    HandoffConfig handoff =
        HandoffConfig.DEFAULTS
            .withInterval(HANDOFF_INTERVAL)
            .withMaxBackoff(Duration.ofSeconds(2))
            .withMaxBytes(phase.hintCap())
            .withMaxAge(phase.hintMaxAge())
            .withEnabled(settings.repairs().hintsAndReadRepair());
    AntiEntropyConfig antiEntropy =
        AntiEntropyConfig.DEFAULTS
            .withEnabled(settings.repairs().antiEntropy())
            .withInterval(Duration.ofMillis(50))
            .withTombstoneGrace(
                settings.repairs() == Repairs.ALL_WITH_PURGES ? GRACE : Duration.ofDays(1));
    this.sim =
        new DynamoSim(
            seed,
            NODES + (settings.changes() ? JOINERS : 0),
            List.of(store),
            settings.broken(),
            REQUEST_TIMEOUT,
            b ->
                b.handoff(handoff)
                    .antiEntropy(antiEntropy)
                    .readRepair(settings.repairs().hintsAndReadRepair()),
            settings.changes() ? Set.of(NodeId.of("n6"), NodeId.of("n7")) : Set.of());
    this.cluster = sim.cluster;
    this.random = cluster.random();
    sim.onStart = this::exemptWhatExpiryTakes;
    cluster.services().forEach(this::exemptWhatExpiryTakes);
    this.chains = new Chain[settings.clients() + 1];
    for (int i = 0; i < settings.keys(); i++) {
      keys.add("set-" + i);
    }
    for (int i = 0; i < settings.keys(); i++) {
      phaseKeys.add("hinted-" + i);
    }
    Durability[] modes =
        settings.lossyDisks()
            ? new Durability[] {Durability.WRITE_NO_SYNC, Durability.NO_SYNC}
            : Durability.values();
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      n.directory().durability(modes[random.nextInt(modes.length)]);
    }
  }

  /**
   * A write that only expired hints held goes with them (a loss the maximum hint age allows): the
   * oracle no longer requires it. Such runs are not judged for convergence either.
   */
  private void exemptWhatExpiryTakes(DynamoNode node) {
    node.handoff()
        .addListener(
            (hint, age) -> {
              String key = new String(hint.key().toByteArray(), UTF_8);
              java.util.BitSet gone = history.acknowledgedOf(key);
              gone.andNot(heldEverywhere().getOrDefault(key, new java.util.BitSet()));
              history.lostWithTheirLastCopy(key, gone);
            });
  }

  /** Runs one seed and judges it. Never throws for an invariant violation: see the result. */
  static Result run(long seed, Settings settings) {
    CoordinationSimulation simulation = new CoordinationSimulation(seed, settings);
    try {
      return simulation.run();
    } catch (io.dynamokv.core.sim.Simulation.SimulationFailure failure) {
      return simulation.failed(failure);
    }
  }

  private Result run() {
    sim.formCluster();
    long start = cluster.now();
    flushPeriodically();
    chooseFaults();
    if (settings.changes()) {
      chooseChanges();
    }
    for (int c = 1; c <= settings.clients(); c++) {
      int client = c;
      cluster.schedule(
          Duration.ofMillis(random.nextInt(3)), "c" + client + " start", () -> next(client));
    }
    cluster
        .simulation()
        .runUntilOrFail(
            "clients finished", () -> clientsDone == settings.clients(), Duration.ofMinutes(2));
    workloadMillis = (cluster.now() - start) / 1_000_000;
    keys.addAll(phaseKeys); // judged like the workload's keys from here on
    quiesce();
    if (random.nextDouble() < settings.handoff().share()) {
      handoffPhase();
    }
    quiesceDrained();
    if (settings.changes()) {
      awaitChanges();
      quiesceDrained();
    }
    if (settings.repairs().antiEntropy()) {
      awaitAntiEntropy();
    }
    if (settings.repairs() == Repairs.ALL_WITH_PURGES) {
      if (Boolean.getBoolean("sim.debug")) {
        System.out.println("---- before the delete phase, t=" + cluster.now() / 1_000_000 + " ms");
        dumpReplicas();
      }
      deletePhase();
      // Every delete is past its grace period then; more passes purge and settle them.
      cluster.runFor(GRACE.plusMillis(500));
      awaitAntiEntropy();
      history.allowPurges();
    }
    if (Boolean.getBoolean("sim.debug")) {
      dumpReplicas();
    }
    checkHandoffReported();
    checkConvergence();
    finalReads();
    if (settings.changes()) {
      // Past the grace the old owners wait (every member on the final ring, a request timeout).
      cluster.runFor(REQUEST_TIMEOUT.plus(DynamoSim.GOSSIP.multipliedBy(5)));
      checkPlacement();
    }
    history.checkReadsAgainstOutcomes();
    if (settings.repairs() == Repairs.ANTI_ENTROPY_ONLY) {
      Ring ring = sim.node(1).ring().orElseThrow();
      history.checkReadsMeetAcknowledgedWrites(
          3,
          2,
          key -> {
            Set<Integer> owners = new java.util.TreeSet<>();
            if (settings.changes()) {
              // The owners changed during the run: a loss on any node may have been an owner's.
              cluster.nodes().forEach(n -> owners.add(n.index()));
              return owners;
            }
            for (NodeId owner : ring.preferenceList(Token.of(bytes(key)), 3)) {
              owners.add(cluster.node(owner).index());
            }
            return owners;
          },
          losses);
    }
    if (faults.contains(Fault.HOSTILE_GOSSIP)) {
      checkAfterHostileGossip();
    }
    return result();
  }

  // ---- faults ----

  private void chooseFaults() {
    List<Fault> allowed = new ArrayList<>(settings.faults());
    // Each allowed fault with probability 1/2, and at least one.
    for (Fault f : allowed) {
      if (random.nextInt(2) == 0) {
        faults.add(f);
      }
    }
    if (faults.isEmpty()) {
      faults.add(allowed.get(random.nextInt(allowed.size())));
    }
    // The workload lasts several simulated seconds; faults start within its first part.
    for (Fault f : faults) {
      Duration at = Duration.ofMillis(10 + random.nextInt(2000));
      switch (f) {
        case CRASH_RESTART -> {
          int victim = 1 + random.nextInt(NODES);
          Duration down = faultLength();
          fault(at, "fault crash n" + victim, () -> crashFor(victim, down));
        }
        case CRASH_COORDINATOR ->
            fault(
                at,
                "fault arm coordinator crash",
                () -> {
                  coordinatorCrashesLeft = settings.coordinatorCrashes();
                  armedFromNanos = cluster.now();
                });
        case PARTITION -> {
          List<Integer> order = shuffledNodes();
          int split = 1 + random.nextInt(2);
          Set<Integer> minority = new LinkedHashSet<>(order.subList(0, split));
          Set<Integer> majority = new LinkedHashSet<>(order.subList(split, NODES));
          Duration length = faultLength();
          fault(
              at,
              "fault partition " + minority + "|" + majority,
              () -> {
                SimNetwork.Filter p = cluster.partition(minority, majority);
                filters.add(p);
                fault(length, "fault heal partition", p::off);
              });
        }
        case ONE_WAY_PARTITION -> {
          List<Integer> order = shuffledNodes();
          int split = 1 + random.nextInt(2);
          int[] mute = order.subList(0, split).stream().mapToInt(Integer::intValue).toArray();
          int[] rest = order.subList(split, NODES).stream().mapToInt(Integer::intValue).toArray();
          Duration length = faultLength();
          fault(
              at,
              "fault one-way partition " + order.subList(0, split) + "->|",
              () -> {
                SimNetwork.Filter p = cluster.filters().from(mute).to(rest).drop();
                filters.add(p);
                fault(length, "fault heal one-way partition", p::off);
              });
        }
        case PARTIAL_PARTITION -> {
          List<Integer> order = shuffledNodes();
          int a = order.get(0);
          int b = order.get(1);
          Duration length = faultLength();
          fault(
              at,
              "fault partial partition n" + a + "|n" + b,
              () -> {
                List<SimNetwork.Filter> cut =
                    List.of(
                        cluster.filters().from(a).to(b).drop(),
                        cluster.filters().from(b).to(a).drop());
                filters.addAll(cut);
                fault(
                    length,
                    "fault heal partial partition",
                    () -> cut.forEach(SimNetwork.Filter::off));
              });
        }
        case LOSSY_LINKS -> {
          List<Integer> order = shuffledNodes();
          int from = order.get(0);
          int to = order.get(1);
          int other = order.get(2);
          Duration length = faultLength();
          fault(
              at,
              "fault lossy links",
              () -> {
                List<SimNetwork.Filter> lossy =
                    List.of(
                        cluster.filters().from(from).to(to, other).drop(0.2),
                        cluster.filters().from(to).to(from).matching(DUPLICABLE).duplicate(0.3),
                        cluster.filters().from(other).reorder(Duration.ofMillis(5)),
                        cluster.filters().to(other).matching(DUPLICABLE).duplicate(0.2));
                filters.addAll(lossy);
                fault(length, "fault heal links", () -> lossy.forEach(SimNetwork.Filter::off));
              });
        }
        case POWER_FAILURE -> {
          for (int i = 0; i < settings.powerFailures(); i++) {
            int victim = 1 + random.nextInt(NODES);
            Duration down = faultLength();
            fault(
                i == 0 ? at : Duration.ofMillis(10 + random.nextInt(4000)),
                "fault power failure n" + victim,
                () -> losing(() -> cluster.node(victim).powerFailure(), victim, down));
          }
        }
        case CLEAN_RESTART -> {
          int victim = 1 + random.nextInt(NODES);
          Duration down = faultLength();
          fault(
              at,
              "fault clean stop n" + victim,
              () -> {
                SimCluster<DynamoNode>.Instance node = cluster.node(victim);
                if (node.isUp()) {
                  countStats(node);
                  node.stop();
                  restartLater(victim, down);
                }
              });
        }
        case WIPED_DISK -> {
          int victim = 1 + random.nextInt(NODES);
          Duration down = faultLength();
          fault(
              at,
              "fault disk lost n" + victim,
              () -> losing(() -> (int) cluster.node(victim).wipe(), victim, down));
        }
        case HOSTILE_GOSSIP ->
            fault(at, "fault hostile gossip", () -> hostileGossip(HOSTILE_MESSAGES));
        case CLOCK_SKEW -> {
          int skewed = 1 + random.nextInt(NODES);
          int other = 1 + random.nextInt(NODES);
          long aheadMillis = 1 + random.nextInt(60_000);
          long behindMillis = 1 + random.nextInt(60_000);
          fault(
              at,
              "fault clock skew",
              () -> {
                cluster.node(skewed).clockSkew(Duration.ofMillis(aheadMillis));
                cluster.node(other).clockSkew(Duration.ofMillis(-behindMillis));
              });
        }
      }
    }
  }

  // ---- membership changes (issue 20) ----

  /**
   * n6 joins, and one seed in two n7 too, at random times in the workload's first part; one seed in
   * three a node of n2..n5 also leaves (and stops once LEFT), one in three one crashes for good and
   * is removed by an operator on another node once its failure detector agrees.
   */
  private void chooseChanges() {
    change(Duration.ofMillis(10 + random.nextInt(1500)), "join n6", () -> join(6));
    if (random.nextInt(2) == 0) {
      change(Duration.ofMillis(10 + random.nextInt(2500)), "join n7", () -> join(7));
    }
    int kind = random.nextInt(3);
    int victim = 2 + random.nextInt(NODES - 1);
    Duration at = Duration.ofMillis(10 + random.nextInt(2500));
    if (kind == 0) {
      change(at, "leave n" + victim, () -> leave(victim));
    } else if (kind == 1) {
      change(at, "crash n" + victim + " for good and remove it", () -> removeDead(victim));
    }
  }

  /** Schedules a membership change; unlike faults, quiescence does not cancel it. */
  private void change(Duration at, String label, Runnable action) {
    changesToRun++;
    cluster.schedule(
        at,
        "change " + label,
        () -> {
          changesToRun--;
          changesMade.add(label + " at " + cluster.now() / 1_000_000 + " ms");
          action.run();
        });
  }

  /** Runs until every change has run and completed: leavers stopped, dead nodes removed. */
  private void awaitChanges() {
    if (!cluster.runUntil(
        () -> changesToRun == 0 && leaving.isEmpty() && removing.isEmpty(),
        Duration.ofMinutes(3))) {
      history.violationOf(
          "-",
          "membership changes did not complete within 3 minutes of quiescence:" + clusterSummary());
    }
  }

  /** Tells node {@code index} to join, now or as soon as it is up. */
  private void join(int index) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    if (!node.isUp()) {
      cluster.schedule(Duration.ofMillis(200), "change retry join n" + index, () -> join(index));
      return;
    }
    node.service().join();
  }

  /** Has node {@code index} leave; once it is LEFT, it stops for good. */
  private void leave(int index) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    if (!node.isUp()) {
      cluster.schedule(Duration.ofMillis(200), "change retry leave n" + index, () -> leave(index));
      return;
    }
    node.service().membership().leave();
    leaving.add(index);
    stopWhenLeft(index);
  }

  /**
   * Stops node {@code index} once it is LEFT and every other live node knows it (as the server
   * does): a leaver that stopped before its peers heard it left would stay LEAVING in their views,
   * a member that holds back every later move.
   */
  private void stopWhenLeft(int index) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    // As the server does: it stops only holding no hint and coordinating no write.
    boolean known = node.isUp() && node.service().holdsNothingForOthers();
    for (SimCluster<DynamoNode>.Instance n : live()) {
      known &= !n.isUp() || n.service().membership().view().status(node.id()) == NodeStatus.LEFT;
    }
    NodeStatus own = node.isUp() ? node.service().membership().view().status(node.id()) : null;
    if (own != null && own.wantsRing()) {
      // The leave was lost with the node's state (a wiped disk): the operator runs it again.
      changesMade.add("leave n" + index + " again at " + cluster.now() / 1_000_000 + " ms");
      node.service().membership().leave();
    }
    if (known) {
      countStats(node);
      node.stop();
      gone.add(index);
      leaving.remove(index);
      changesMade.add("n" + index + " LEFT and stopped at " + cluster.now() / 1_000_000 + " ms");
      return;
    }
    cluster.schedule(Duration.ofMillis(200), "n" + index + " left?", () -> stopWhenLeft(index));
  }

  /**
   * Node {@code index} crashes and never comes back; the writes whose last copy it held are no
   * longer required. An operator removes it through another node once that node's failure detector
   * no longer reaches it.
   */
  private void removeDead(int index) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    java.util.Map<String, java.util.BitSet> before = heldEverywhere();
    history.heldAgain(before);
    if (node.isUp()) {
      countStats(node);
      crashes++;
      node.crash();
    }
    gone.add(index);
    removing.add(index);
    losses.add(new long[] {cluster.now(), index});
    java.util.Map<String, java.util.BitSet> after = heldEverywhere();
    before.forEach(
        (key, held) -> {
          java.util.BitSet lost = (java.util.BitSet) held.clone();
          lost.andNot(after.get(key));
          history.lostWithTheirLastCopy(key, lost);
        });
    if (noConvergenceBecause == null) {
      noConvergenceBecause = "n" + index + " crashed for good";
    }
    removeWhenDead(index);
  }

  private void removeWhenDead(int index) {
    NodeId dead = cluster.node(index).id();
    for (SimCluster<DynamoNode>.Instance n : live()) {
      if (n.isUp()) {
        n.service()
            .membership()
            .remove(dead)
            .whenComplete(
                (ok, error) ->
                    cluster.schedule(
                        Duration.ZERO,
                        "change remove n" + index + (error == null ? " done" : " refused"),
                        () -> {
                          if (error == null) {
                            changesMade.add("n" + index + " removed via " + n.id());
                            confirmRemoved(index);
                          } else {
                            cluster.schedule(
                                Duration.ofMillis(500),
                                "change retry remove n" + index,
                                () -> removeWhenDead(index));
                          }
                        }));
        return;
      }
    }
    cluster.schedule(
        Duration.ofMillis(500), "change retry remove n" + index, () -> removeWhenDead(index));
  }

  /**
   * A removal covers the generation the remover knew: if another node knew a newer one (the dead
   * node restarted shortly before), the operator removes it again, as one would on seeing it listed
   * as down rather than removed.
   */
  private void confirmRemoved(int index) {
    NodeId dead = cluster.node(index).id();
    cluster.schedule(
        Duration.ofSeconds(3),
        "change removed n" + index + "?",
        () -> {
          for (SimCluster<DynamoNode>.Instance n : live()) {
            if (n.isUp() && n.service().membership().view().status(dead) != NodeStatus.REMOVED) {
              removeWhenDead(index);
              return;
            }
          }
          removing.remove(index);
        });
  }

  /**
   * After quiescence every key's copies are exactly on its preference list under the final ring:
   * the old owners dropped what they gave up, and nothing else holds a copy.
   */
  private void checkPlacement() {
    Ring ring = sim.node(1).ring().orElseThrow();
    if (ring.moving()) {
      history.violationOf("-", "the ring still moves after quiescence: " + ring);
      return;
    }
    for (String key : keys) {
      List<NodeId> owners = ring.preferenceList(Token.of(bytes(key)), 3);
      for (SimCluster<DynamoNode>.Instance n : live()) {
        if (!n.isUp() || owners.contains(n.id())) {
          continue;
        }
        if (!n.service().dataOf(STORE, bytes(key)).isEmpty()) {
          history.violationOf(
              key,
              n.id()
                  + " still holds a copy, but the key's owners in the final ring are "
                  + owners
                  + (Boolean.getBoolean("sim.debug") ? clusterSummary() : ""));
        }
      }
    }
  }

  /** Short (under half a second) or, one time in three, long enough for failure detectors. */
  private Duration faultLength() {
    return Duration.ofMillis(
        random.nextInt(3) == 0 ? 2000 + random.nextInt(6000) : 50 + random.nextInt(400));
  }

  /** Schedules a fault action; those still pending when the workload ends never run. */
  private void fault(Duration at, String label, Runnable action) {
    faultEvents.add(cluster.schedule(at, label, action));
  }

  private List<Integer> shuffledNodes() {
    List<Integer> order = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      order.add(i);
    }
    for (int i = order.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      order.set(j, order.set(i, order.get(j)));
    }
    return order;
  }

  private void crashFor(int index, Duration down) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    if (!node.isUp()) {
      return;
    }
    losing(
        () -> {
          node.crash();
          return 0;
        },
        index,
        down);
  }

  /**
   * Runs a crash that may lose unflushed commits, exempts the acknowledged writes whose last copy
   * it took, and restarts the node after {@code down}.
   */
  private void losing(java.util.function.IntSupplier crash, int index, Duration down) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    if (node.isUp()) {
      countStats(node);
      crashes++;
    }
    long lostBefore = lostCommits;
    java.util.Map<String, java.util.BitSet> before = heldEverywhere();
    history.heldAgain(before);
    long commitsBefore = node.directory().commits();
    crash.getAsInt();
    if (commitsBefore > node.directory().commits()) {
      losses.add(new long[] {cluster.now(), index});
    }
    lostCommits += commitsBefore - node.directory().commits();
    if (lostCommits > lostBefore && noConvergenceBecause == null) {
      noConvergenceBecause = "n" + index + " lost " + (lostCommits - lostBefore) + " commits";
    }
    java.util.Map<String, java.util.BitSet> after = heldEverywhere();
    before.forEach(
        (key, held) -> {
          java.util.BitSet gone = (java.util.BitSet) held.clone();
          gone.andNot(after.get(key));
          history.lostWithTheirLastCopy(key, gone);
        });
    restartLater(index, down);
  }

  private void restartLater(int index, Duration down) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    fault(
        down,
        "fault restart n" + index,
        () -> {
          if (!node.isUp() && !gone.contains(index)) {
            node.start();
            if (node.service().incarnation().fresh()) {
              freshIncarnations++;
            }
          }
        });
  }

  /** Counts a node's figures before it goes down (a new incarnation counts from zero). */
  private void countStats(SimCluster<DynamoNode>.Instance node) {
    NodeStats stats = node.service().stats();
    forwardedBeforeCrash += stats.forwarded();
    quorumFailuresBeforeCrash += stats.quorumFailures();
    requestsBeforeCrash += stats.reads() + stats.writes();
    hintsStoredBefore += stats.hintsStored();
    hintsRefusedBefore += stats.hintsRefused();
    standInsBefore += stats.standIns();
    readRepairsBefore += stats.readRepairs();
    purgedBefore += node.service().antiEntropy().tombstonesPurged();
    hintsDeliveredBefore += node.service().handoff().delivered();
    hintsExpiredBefore += node.service().handoff().expired();
    noteInterruption(node.index());
  }

  /**
   * Records that the workload's owners need not converge when {@code index} goes down while a write
   * may still be in flight: a coordinator keeps hints for the owners that missed a write only at
   * the write's end, at most its timeout after it began.
   */
  private void noteInterruption(int index) {
    long window = REQUEST_TIMEOUT.plusMillis(150).toNanos();
    for (SetHistory.Write w : history.writes()) {
      if (w.outcome == Outcome.PENDING || cluster.now() - w.invokedNanos <= window) {
        if (noConvergenceBecause == null) {
          noConvergenceBecause = "n" + index + " went down while w" + w.id + " was in flight";
        }
        return;
      }
    }
  }

  /** A figure summed over the up nodes. */
  private long sum(java.util.function.ToLongFunction<DynamoNode> figure) {
    long total = 0;
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (n.isUp()) {
        total += figure.applyAsLong(n.service());
      }
    }
    return total;
  }

  private long hintsExpired() {
    return hintsExpiredBefore + sum(n -> n.handoff().expired());
  }

  private long hintsRefused() {
    return hintsRefusedBefore + sum(n -> n.stats().hintsRefused());
  }

  private long hintsHeld() {
    return sum(n -> n.hints().count());
  }

  /**
   * Per key, the writes some node's disk holds now, or that a held write has seen: what a crash
   * cannot have lost yet.
   */
  private java.util.Map<String, java.util.BitSet> heldEverywhere() {
    List<MemoryStorageEngine> engines = new ArrayList<>();
    List<io.dynamokv.core.handoff.HintStore> hints = new ArrayList<>();
    for (SimCluster<DynamoNode>.Instance n : live()) {
      MemoryStorageEngine engine = MemoryStorageEngine.open(n.directory());
      engines.add(engine);
      // A stand-in's hints are copies too (issue 18): a write may live only in them.
      hints.add(
          new io.dynamokv.core.handoff.HintStore(
              engine.keyspace(StorageEngine.HINTS), Long.MAX_VALUE));
    }
    java.util.Map<String, java.util.BitSet> held = new java.util.TreeMap<>();
    for (String key : keys) {
      java.util.BitSet ids = new java.util.BitSet();
      for (int i = 0; i < engines.size(); i++) {
        List<Versioned> versions = new ArrayList<>();
        byte[] stored =
            engines
                .get(i)
                .keyspace("data-" + STORE)
                .get(io.dynamokv.core.ring.StorageKeys.storageKey(bytes(key)));
        if (stored != null) {
          versions.addAll(io.dynamokv.core.version.VersionCodec.decodeSiblings(stored).values());
        }
        io.dynamokv.core.handoff.HintStore h = hints.get(i);
        for (NodeId owner : h.ownersOf(STORE, bytes(key))) {
          versions.addAll(
              h.read(io.dynamokv.core.handoff.HintId.of(STORE, bytes(key), owner)).values());
        }
        for (Versioned v : versions) {
          int id = SetHistory.writeIdOf(v);
          if (id > 0) {
            ids.set(id);
          }
        }
      }
      held.put(key, history.withWhatTheySaw(ids));
    }
    return held;
  }

  /** The engines' background flush: every node not on sync flushes now and then. */
  private void flushPeriodically() {
    cluster.schedule(
        FLUSH_INTERVAL,
        "background flush",
        () -> {
          if (clientsDone < settings.clients()) {
            for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
              if (n.isUp()) {
                n.directory().flush();
              }
            }
            flushPeriodically();
          }
        });
  }

  // ---- clients ----

  private void next(int client) {
    if (issued >= settings.operations()) {
      clientsDone++;
      return;
    }
    if (cluster.nodes().stream().noneMatch(SimCluster.Instance::isUp)) {
      // Every machine is down at once (several power failures): wait for one to come back.
      cluster.schedule(Duration.ofMillis(50), "c" + client + " waits", () -> next(client));
      return;
    }
    issued++;
    Chain chain = chains[client];
    if (chain != null && random.nextInt(6) == 0) {
      // Write again with the context the last acknowledged write returned (no read in between).
      boolean grew = !chain.returned().equals(chain.sent());
      write(
          client,
          chain.write().key,
          false,
          chain.returned(),
          (node, w, timeout) ->
              history.invokeChainedWrite(
                  client, chain.write().key, node, w, timeout, chain.write(), grew, cluster.now()));
      return;
    }
    String key = keys.get(random.nextInt(keys.size()));
    int kind = random.nextInt(10);
    if (kind == 0) {
      write(
          client,
          key,
          false,
          Context.EMPTY,
          (node, w, timeout) ->
              history.invokeWrite(
                  client, key, false, node, w, timeout, null, List.of(), cluster.now()));
      return;
    }
    boolean delete = kind == 1;
    int node = randomUpNode();
    int r = random.nextInt(4); // 0: the store's R
    SetHistory.Read read = history.invokeRead(client, key, node, r, cluster.now());
    call(
        client,
        cluster.node(node).service().read(STORE, bytes(key), options(r)),
        (result, error) -> {
          if (error != null) {
            history.readFailed(read, describe(error));
            think(client);
            return;
          }
          history.readReturned(read, result.versions(), cluster.now());
          TreeSet<Integer> elements = new TreeSet<>();
          for (Versioned v : result.versions()) {
            if (SetHistory.writeIdOf(v) > 0) {
              elements.addAll(SetHistory.elementsOf(v));
            }
          }
          write(
              client,
              key,
              delete,
              result.context(),
              (at, w, timeout) ->
                  history.invokeWrite(
                      client,
                      key,
                      delete,
                      at,
                      w,
                      timeout,
                      read,
                      new ArrayList<>(elements),
                      cluster.now()));
        });
  }

  /** Records a write in the history, given its coordinator, W and timeout. */
  @FunctionalInterface
  private interface Recorder {
    SetHistory.Write record(int node, int quorum, long timeoutMillis);
  }

  /** An acknowledged write, the context it carried and the context it returned. */
  private record Chain(SetHistory.Write write, Context sent, Context returned) {}

  private void write(int client, String key, boolean delete, Context context, Recorder recorder) {
    int node = randomUpNode();
    // Now and then W=4 > N: refused before anything is written, a definitely failed write.
    int w =
        random.nextInt(50) == 0
            ? 4
            : random.nextDouble() < settings.w1Share() ? 1 : random.nextInt(4);
    RequestOptions options = options(w);
    long timeoutMillis =
        (options.timeout() == null ? REQUEST_TIMEOUT : options.timeout()).toMillis();
    SetHistory.Write write = recorder.record(node, w, timeoutMillis);
    byte[] value = write.value;
    DynamoNode coordinator = cluster.node(node).service();
    maybeCrashCoordinator(node, key, w, coordinator);
    CompletionStage<Context> stage =
        delete
            ? coordinator.deleteMarked(STORE, bytes(key), value, context, options)
            : coordinator.put(STORE, bytes(key), value, context, options);
    call(
        client,
        stage,
        (ok, error) -> {
          chains[client] = null;
          if (error == null) {
            history.writeCompleted(write, Outcome.OK, "", cluster.now());
            chains[client] = new Chain(write, context, ok);
          } else {
            history.writeCompleted(
                write,
                definitelyNotApplied(error) ? Outcome.FAILED : Outcome.UNKNOWN,
                describe(error),
                cluster.now());
          }
          think(client);
        });
  }

  private void maybeCrashCoordinator(int node, String key, int w, DynamoNode coordinator) {
    if (w != 1 || coordinatorCrashesLeft == 0 || cluster.now() < armedFromNanos) {
      return;
    }
    if (coordinator.ring().isEmpty()) {
      return;
    }
    List<NodeId> owners = coordinator.ring().get().preferenceList(Token.of(bytes(key)), 3);
    NodeId target = owners.contains(coordinator.id()) ? coordinator.id() : owners.get(0);
    coordinatorCrashesLeft--;
    int index = cluster.node(target).index();
    Duration in = Duration.ofMillis(1 + random.nextInt(45));
    Duration down = Duration.ofMillis(200 + random.nextInt(800));
    fault(in, "fault crash coordinator n" + index, () -> crashFor(index, down));
  }

  private static byte[] bytes(String key) {
    return key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private RequestOptions options(int quorum) {
    int t = random.nextInt(10);
    Duration timeout =
        t == 0 ? Duration.ofMillis(1 + random.nextInt(4)) : t == 1 ? Duration.ofMillis(20) : null;
    return new RequestOptions(quorum, timeout);
  }

  private int randomUpNode() {
    List<Integer> up = new ArrayList<>();
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (n.isUp()) {
        up.add(n.index());
      }
    }
    return up.get(random.nextInt(up.size()));
  }

  private void think(int client) {
    // Mostly dense; now and then a longer pause, so that the workload spans several gossip
    // rounds and the failure detectors act on the faults while clients still run.
    Duration pause =
        random.nextInt(10) == 0
            ? Duration.ofMillis(200 + random.nextInt(1000))
            : Duration.ofMillis(random.nextInt(6));
    cluster.schedule(pause, "c" + client + " next", () -> next(client));
  }

  /**
   * Waits for {@code stage} as a client would: the continuation runs as a client event; a request
   * whose coordinator crashed never answers, so the client gives up after a deadline.
   */
  private <T> void call(int client, CompletionStage<T> stage, BiConsumer<T, Throwable> then) {
    boolean[] done = {false};
    io.dynamokv.core.sim.Simulation.Event deadline =
        cluster.schedule(
            REQUEST_TIMEOUT.plusSeconds(2),
            "c" + client + " gives up",
            () -> {
              if (!done[0]) {
                done[0] = true;
                then.accept(null, new DynamoException("client deadline: no answer"));
              }
            });
    stage.whenComplete(
        (value, error) ->
            cluster.schedule(
                Duration.ZERO,
                "c" + client + " answer",
                () -> {
                  if (!done[0]) {
                    done[0] = true;
                    deadline.cancel();
                    then.accept(value, error == null ? null : DynamoException.unwrap(error));
                  }
                }));
  }

  private static boolean definitelyNotApplied(Throwable error) {
    return error instanceof StoreNotFoundException
        || error instanceof LimitExceededException
        || error instanceof io.dynamokv.core.InvalidContextException
        || error instanceof InvalidRequestException
        || error instanceof NotAReplicaException
        || error instanceof NodeShuttingDownException;
  }

  private static String describe(Throwable error) {
    String message = String.valueOf(error.getMessage());
    return error.getClass().getSimpleName()
        + ": "
        + (message.length() > 160 ? message.substring(0, 160) + "..." : message);
  }

  // ---- the end ----

  private void quiesce() {
    faultEvents.forEach(io.dynamokv.core.sim.Simulation.Event::cancel);
    filters.forEach(SimNetwork.Filter::off);
    cluster.heal();
    coordinatorCrashesLeft = 0;
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (!n.isUp() && !gone.contains(n.index())) {
        n.start();
      }
    }
    if (!cluster.runUntil(() -> sim.formed() && allReachable(), Duration.ofMinutes(2))) {
      String summary = clusterSummary();
      cluster
          .simulation()
          .runUntilOrFail(
              "healed cluster formed and every node reachable from every node:" + summary,
              () -> false,
              Duration.ZERO);
    }
    cluster.runFor(Duration.ofSeconds(1));
    // A write exempted because a crash took the copies it had then, but which a copy in flight
    // brought back since, must survive like any other.
    history.heldAgain(heldEverywhere());
  }

  private boolean allReachable() {
    int live = cluster.nodes().size() - gone.size();
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (gone.contains(n.index())) {
        continue;
      }
      if (!n.isUp() || n.service().membership().reachability().reachableNodes().size() != live) {
        return false;
      }
    }
    return true;
  }

  /** Each node's status, ring and transfer progress, for a failure report. */
  private String clusterSummary() {
    StringBuilder sb = new StringBuilder("\n  changes: " + changesMade);
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      sb.append("\n  ").append(n.id());
      if (gone.contains(n.index())) {
        sb.append(" gone");
      }
      if (!n.isUp()) {
        sb.append(" down");
        continue;
      }
      DynamoNode node = n.service();
      sb.append(' ')
          .append(node.membership().view().status(n.id()))
          .append(" ring=")
          .append(node.ring().map(Ring::toString).orElse("none"))
          .append(" reaches=")
          .append(node.membership().reachability().reachableNodes());
      for (io.dynamokv.core.StatusSection section : node.status()) {
        if (section.name().equals("transfer")) {
          section
              .stats()
              .forEach(x -> sb.append(' ').append(x.name()).append('=').append(x.value()));
        }
      }
      if (!node.transferWaiting().isEmpty()) {
        sb.append(" waiting=").append(node.transferWaiting());
      }
    }
    return sb.toString();
  }

  /** The nodes not out for good. */
  private List<SimCluster<DynamoNode>.Instance> live() {
    List<SimCluster<DynamoNode>.Instance> live = new ArrayList<>();
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (!gone.contains(n.index())) {
        live.add(n);
      }
    }
    return live;
  }

  // ---- the handoff phase (issue 18) ----

  /**
   * Write availability under sloppy quorums, and hints that pile up and go home. All but {@code k
   * >= W} nodes go down (a crash that loses nothing: the node flushed first) or are cut off (both
   * ways, or only their messages to the survivors); once the survivors' failure detectors agree on
   * who is up, writes, deletes and concurrent pairs of them go through the survivors with the
   * store's W and a generous timeout, and every one must succeed unless some hint store reached its
   * cap. Then now and then a survivor holding hints crashes; the others come back, then it does.
   */
  private void handoffPhase() {
    phases++;
    List<Integer> order = shuffledNodes();
    int k = 2 + random.nextInt(NODES - 2);
    List<Integer> survivors = List.copyOf(order.subList(0, k));
    List<Integer> others = List.copyOf(order.subList(k, NODES));
    int[] s = survivors.stream().mapToInt(Integer::intValue).toArray();
    List<SimNetwork.Filter> cuts = new ArrayList<>();
    List<Integer> crashed = new ArrayList<>();
    StringBuilder how = new StringBuilder();
    for (int o : others) {
      int fate = random.nextInt(settings.handoff().outboundCuts() ? 4 : 3);
      switch (fate) {
        case 0 -> {
          crashLosingNothing(o);
          crashed.add(o);
          how.append(" n").append(o).append(" crashed");
        }
        case 1 -> {
          cuts.add(cluster.filters().from(o).to(s).drop());
          cuts.add(cluster.filters().from(s).to(o).drop());
          how.append(" n").append(o).append(" cut off");
        }
        case 2 -> {
          cuts.add(cluster.filters().from(o).to(s).drop());
          how.append(" n").append(o).append(" cannot send to the survivors");
        }
        default -> {
          cuts.add(cluster.filters().from(s).to(o).drop());
          how.append(" n").append(o).append(" cannot be reached by the survivors");
        }
      }
    }
    String scenario = "survivors " + survivors + ";" + how;
    java.util.SortedSet<NodeId> up = new java.util.TreeSet<>();
    survivors.forEach(i -> up.add(cluster.node(i).id()));
    java.util.function.BooleanSupplier agreed =
        () ->
            survivors.stream()
                .allMatch(
                    i ->
                        cluster
                            .node(i)
                            .service()
                            .membership()
                            .reachability()
                            .reachableNodes()
                            .equals(up));
    if (!cluster.runUntil(agreed, Duration.ofMinutes(1))) {
      StringBuilder views = new StringBuilder();
      for (int i : survivors) {
        views
            .append(" n")
            .append(i)
            .append(" reaches ")
            .append(cluster.node(i).service().membership().reachability().reachableNodes());
      }
      history.violationOf(
          "-",
          "the survivors' failure detectors did not agree on who is up within a minute ("
              + scenario
              + "):"
              + views);
    }
    cluster.runFor(Duration.ofSeconds(1)); // settled: they still agree after a while
    int client = settings.clients() + 1;
    for (int i = 0; i < settings.handoff().writes(); i++) {
      String key = phaseKeys.get(random.nextInt(phaseKeys.size()));
      int at = survivors.get(random.nextInt(k));
      ReadResult read = null;
      SetHistory.Read r = null;
      if (random.nextInt(4) != 0) {
        r = history.invokeRead(client, key, at, 0, cluster.now());
        CompletableFuture<ReadResult> f =
            sim.await(
                cluster
                    .node(at)
                    .service()
                    .read(STORE, bytes(key), new RequestOptions(0, PHASE_TIMEOUT)));
        read = f.handle((ok, e) -> e == null ? ok : null).join();
        if (read == null) {
          history.readFailed(r, describe(DynamoException.unwrap(f.handle((ok, e) -> e).join())));
          r = null;
        } else {
          history.readReturned(r, read.versions(), cluster.now());
        }
      }
      List<Integer> elements = new ArrayList<>();
      if (read != null) {
        TreeSet<Integer> e = new TreeSet<>();
        for (Versioned v : read.versions()) {
          if (SetHistory.writeIdOf(v) > 0) {
            e.addAll(SetHistory.elementsOf(v));
          }
        }
        elements.addAll(e);
      }
      Context context = read == null ? Context.EMPTY : read.context();
      // Now and then a delete and a put from the same read, through two survivors at once.
      int kind = random.nextInt(6);
      List<Boolean> deletes = kind == 0 ? List.of(true, false) : List.of(kind == 1 && read != null);
      List<SetHistory.Write> writes = new ArrayList<>();
      List<CompletableFuture<Context>> stages = new ArrayList<>();
      for (boolean delete : deletes) {
        int via = writes.isEmpty() ? at : survivors.get(random.nextInt(k));
        SetHistory.Write w =
            history.invokeWrite(
                client, key, delete, via, 0, PHASE_TIMEOUT.toMillis(), r, elements, cluster.now());
        DynamoNode node = cluster.node(via).service();
        RequestOptions options = new RequestOptions(0, PHASE_TIMEOUT);
        writes.add(w);
        stages.add(
            (delete
                    ? node.deleteMarked(STORE, bytes(key), w.value, context, options)
                    : node.put(STORE, bytes(key), w.value, context, options))
                .toCompletableFuture());
      }
      cluster
          .simulation()
          .runUntilOrFail(
              "handoff phase writes completed",
              () -> stages.stream().allMatch(CompletableFuture::isDone),
              Duration.ofMinutes(1));
      for (int j = 0; j < writes.size(); j++) {
        SetHistory.Write w = writes.get(j);
        Throwable error = stages.get(j).handle((ok, e) -> e).join();
        availabilityWrites++;
        if (error == null) {
          history.writeCompleted(w, Outcome.OK, "", cluster.now());
          continue;
        }
        Throwable cause = DynamoException.unwrap(error);
        history.writeCompleted(
            w,
            definitelyNotApplied(cause) ? Outcome.FAILED : Outcome.UNKNOWN,
            describe(cause),
            cluster.now());
        if (hintsRefused() == 0) {
          history.violationOf(
              key,
              "write availability: w"
                  + w.id
                  + " via n"
                  + w.node
                  + " failed with "
                  + k
                  + " >= W nodes up and reaching each other ("
                  + scenario
                  + "): "
                  + describe(cause));
        }
      }
    }
    // Every write's end passes (its coordinator keeps its hints then) before anything crashes.
    cluster.runFor(PHASE_TIMEOUT.plusMillis(200));
    Integer standIn = null;
    if (random.nextInt(2) == 0) {
      List<Integer> holders =
          survivors.stream().filter(i -> cluster.node(i).service().hints().count() > 0).toList();
      if (!holders.isEmpty()) {
        standIn = holders.get(random.nextInt(holders.size()));
        crashLosingNothing(standIn);
        cluster.runFor(Duration.ofMillis(random.nextInt(3000)));
      }
    }
    cuts.forEach(SimNetwork.Filter::off);
    for (int o : crashed) {
      cluster.node(o).start();
    }
    if (standIn != null) {
      // The owners are back; the stand-in holding their hints comes back later.
      cluster.runFor(Duration.ofMillis(500 + random.nextInt(3000)));
      cluster.node(standIn).start();
    }
  }

  /**
   * Crashes a node that flushed first: its engine loses nothing whatever its durability, so the run
   * stays one whose replicas must converge (unless a write was in flight at the node).
   */
  private void crashLosingNothing(int index) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    if (!node.isUp()) {
      return;
    }
    countStats(node);
    crashes++;
    node.directory().flush();
    long commits = node.directory().commits();
    node.crash();
    if (node.directory().commits() != commits) {
      history.violationOf("-", "n" + index + " lost commits in a crash after a flush");
    }
  }

  /**
   * Runs until the healed cluster formed, every node reaches every node, and every hint went home
   * (or expired).
   */
  /**
   * Deletes about half of the keys, each with the context of a read through a random node, so that
   * sets of deletes only exist once the grace period has passed: what purges take.
   */
  private void deletePhase() {
    int client = settings.clients() + 2;
    for (String key : keys) {
      if (random.nextInt(2) == 0) {
        continue;
      }
      int at = 1 + random.nextInt(NODES);
      SetHistory.Read r = history.invokeRead(client, key, at, 3, cluster.now());
      CompletableFuture<ReadResult> f =
          sim.await(
              cluster
                  .node(at)
                  .service()
                  .read(STORE, bytes(key), new RequestOptions(3, PHASE_TIMEOUT)));
      ReadResult read = f.handle((ok, e) -> e == null ? ok : null).join();
      if (read == null) {
        history.readFailed(r, describe(DynamoException.unwrap(f.handle((ok, e) -> e).join())));
        continue;
      }
      history.readReturned(r, read.versions(), cluster.now());
      SetHistory.Write w =
          history.invokeWrite(
              client, key, true, at, 0, PHASE_TIMEOUT.toMillis(), r, List.of(), cluster.now());
      CompletableFuture<Context> done =
          sim.await(
              cluster
                  .node(at)
                  .service()
                  .deleteMarked(
                      STORE,
                      bytes(key),
                      w.value,
                      read.context(),
                      new RequestOptions(0, PHASE_TIMEOUT)));
      Throwable error = done.handle((ok, e) -> e).join();
      if (error == null) {
        history.writeCompleted(w, Outcome.OK, "", cluster.now());
      } else {
        Throwable cause = DynamoException.unwrap(error);
        history.writeCompleted(
            w,
            definitelyNotApplied(cause) ? Outcome.FAILED : Outcome.UNKNOWN,
            describe(cause),
            cluster.now());
      }
    }
  }

  /**
   * Runs until every node has completed two full anti-entropy passes that started after the heal
   * (three completions: the pass in progress at the heal may have started before it): one pass
   * exchanges each pair of replicas once, in some order, so a value may need a second pass to reach
   * a replica whose exchanges came first.
   */
  private void awaitAntiEntropy() {
    Map<NodeId, Long> before = new TreeMap<>();
    for (SimCluster<DynamoNode>.Instance n : live()) {
      before.put(n.id(), n.service().antiEntropy().fullPasses());
    }
    if (!cluster.runUntil(
        () ->
            live().stream()
                .allMatch(
                    n ->
                        n.isUp()
                            && n.service().antiEntropy().fullPasses() >= before.get(n.id()) + 3),
        Duration.ofMinutes(5))) {
      history.violationOf("-", "anti-entropy did not complete two full passes in 5 minutes");
    }
  }

  private void quiesceDrained() {
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (!n.isUp() && !gone.contains(n.index())) {
        n.start();
      }
    }
    if (!cluster.runUntil(
        () -> sim.formed() && allReachable() && hintsHeld() == 0, Duration.ofMinutes(2))) {
      StringBuilder held = new StringBuilder();
      for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
        held.append(' ')
            .append(n.id())
            .append('=')
            .append(n.isUp() ? n.service().hints().summary() : "down");
      }
      history.violationOf(
          "-",
          "hints were not handed off within 2 minutes of heal (formed="
              + sim.formed()
              + ", all reachable="
              + allReachable()
              + "):"
              + held);
    }
  }

  /**
   * Every node's {@code handoff} status section reports what it did: the hints it refused at the
   * cap, those that expired, and whether it is at its cap now.
   */
  private void checkHandoffReported() {
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (!n.isUp()) {
        continue;
      }
      DynamoNode node = n.service();
      io.dynamokv.core.StatusSection section =
          node.status().stream().filter(x -> x.name().equals("handoff")).findFirst().orElse(null);
      if (section == null) {
        history.violationOf("-", n.id() + " has no handoff status section");
        continue;
      }
      Map<String, Long> shown = new TreeMap<>();
      section.stats().stream()
          .filter(x -> x.tags().isEmpty())
          .forEach(x -> shown.put(x.name(), x.value()));
      Map<String, Long> expected =
          Map.of(
              "refused", node.stats().hintsRefused(),
              "expired", node.handoff().expired(),
              "stored", node.stats().hintsStored(),
              "hints", node.hints().count(),
              "at.cap", node.hints().hasRoom() ? 0L : 1L);
      expected.forEach(
          (name, value) -> {
            if (!value.equals(shown.get(name))) {
              history.violationOf(
                  "-",
                  n.id()
                      + "'s handoff status shows "
                      + name
                      + "="
                      + shown.get(name)
                      + ", the node counts "
                      + value);
            }
          });
    }
  }

  /**
   * Replicas converge: after heal and quiescence (hints drained) every owner of every key holds the
   * same versions, with no anti-entropy, for the keys of a run that lost no stored data, in which
   * no write's coordination was cut short by a crash, and no hint expired or was refused. The
   * handoff phase's keys are judged on their own: that phase never crashes a node with a write in
   * flight or before it flushed.
   */
  private void checkConvergence() {
    String always = null;
    if (settings.repairs().antiEntropy()) {
      // Anti-entropy repairs whatever hints never saw: every key must converge.
      noConvergenceBecause = null;
    } else if (hintsExpired() > 0) {
      always = hintsExpired() + " hints expired";
    } else if (hintsRefused() > 0) {
      always = hintsRefused() + " hints were refused at the cap";
    }
    for (String key : keys) {
      boolean phaseKey = phaseKeys.contains(key);
      String excused = always != null ? always : phaseKey ? null : noConvergenceBecause;
      if (excused != null) {
        skippedConvergence++;
        continue;
      }
      convergedKeys++;
      List<NodeId> owners =
          sim.node(1).ring().orElseThrow().preferenceList(Token.of(bytes(key)), 3);
      Map<NodeId, List<Integer>> copies = new TreeMap<>();
      for (NodeId owner : owners) {
        List<Integer> ids = new ArrayList<>();
        for (Versioned v : cluster.node(owner).service().dataOf(STORE, bytes(key)).values()) {
          ids.add(SetHistory.writeIdOf(v));
        }
        ids.sort(null);
        copies.put(owner, ids);
        history.checkNoResurrection(key, ids, owner + "'s own copy");
      }
      if (new java.util.HashSet<>(copies.values()).size() > 1) {
        history.violationOf(
            key,
            "replicas diverge after heal and quiescence with every hint handed off: " + copies);
      }
    }
  }

  /** For debugging a seed ({@code -Dsim.debug=true}): every node's stored set of every key. */
  private void dumpReplicas() {
    for (String key : keys) {
      List<NodeId> owners =
          sim.node(1).ring().orElseThrow().preferenceList(Token.of(bytes(key)), 3);
      System.out.println("key " + key + " owners " + owners);
      for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
        byte[] stored =
            io.dynamokv.core.storage.MemoryStorageEngine.open(n.directory())
                .keyspace("data-" + STORE)
                .get(io.dynamokv.core.ring.StorageKeys.storageKey(bytes(key)));
        System.out.println(
            "  "
                + n.id()
                + ": "
                + (stored == null
                    ? "-"
                    : io.dynamokv.core.version.VersionCodec.decodeSiblings(stored)));
      }
    }
    history.writes().forEach(w -> System.out.println(w));
  }

  /**
   * Reads every key with R=N through every node. A read that fails is retried a few times: right
   * after long faults a failure detector may still suspect a live peer for a moment, which is
   * unavailability, not inconsistency. With read repair on, a first read of each key settles what
   * it repairs before the compared reads: replicas that still differ (a hint expired, say) are
   * repaired by the first compared read otherwise, and a replica stores the repaired set pruned to
   * its clock's limit, so the reads after it would name fewer entries than the reads before it.
   */
  private void finalReads() {
    if (settings.repairs().hintsAndReadRepair()) {
      for (String key : keys) {
        sim.await(sim.node(live().get(0).index()).read(STORE, bytes(key), RequestOptions.quorum(3)))
            .handle((r, e) -> null)
            .join();
      }
      cluster.runFor(Duration.ofSeconds(2));
    }
    for (String key : keys) {
      List<List<Versioned>> perNode = new ArrayList<>();
      List<byte[]> contexts = new ArrayList<>();
      for (SimCluster<DynamoNode>.Instance via : live()) {
        int i = via.index();
        Throwable error = null;
        ReadResult result = null;
        for (int attempt = 0; attempt < FINAL_READ_ATTEMPTS && result == null; attempt++) {
          if (attempt > 0) {
            finalReadRetries++;
            cluster.runFor(Duration.ofSeconds(2));
          }
          CompletableFuture<ReadResult> f =
              sim.await(
                  sim.node(i)
                      .read(STORE, bytes(key), new RequestOptions(3, Duration.ofSeconds(1))));
          result = f.handle((r, e) -> e == null ? r : null).join();
          error = f.handle((r, e) -> e).join();
        }
        if (result == null) {
          perNode.add(List.of());
          contexts.add(new byte[] {-1});
          history.violationOf(
              key,
              "final R=N read via n"
                  + i
                  + " failed "
                  + FINAL_READ_ATTEMPTS
                  + " times on a healed cluster: "
                  + describe(DynamoException.unwrap(error)));
          if (Boolean.getBoolean("sim.debug")) {
            System.out.println(cluster.simulation().recentEvents());
          }
          continue;
        }
        perNode.add(result.versions());
        contexts.add(result.context().toBytes());
      }
      history.checkFinal(key, perNode, contexts);
    }
  }

  private Result result() {
    long forwarded = forwardedBeforeCrash;
    long quorumFailures = quorumFailuresBeforeCrash;
    long requests = requestsBeforeCrash;
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      if (!n.isUp()) {
        continue; // out for good: counted when it went down
      }
      NodeStats stats = n.service().stats();
      forwarded += stats.forwarded();
      quorumFailures += stats.quorumFailures();
      requests += stats.reads() + stats.writes();
    }
    for (String report : sim.reissuedDots) {
      String key = report.substring(report.indexOf('/') + 1);
      history.violationOf(
          key, "a dot was issued twice: " + report + " holds two values under one dot");
    }
    long ok = 0;
    long failed = 0;
    long unknown = 0;
    long timedOut = 0;
    for (SetHistory.Write w : history.writes()) {
      switch (w.outcome) {
        case OK -> ok++;
        case FAILED -> failed++;
        case UNKNOWN -> {
          unknown++;
          if (w.timedOut) {
            timedOut++;
          }
        }
        case PENDING -> history.violationOf(w.key, "write w" + w.id + " never completed");
      }
    }
    return new Result(
        seed,
        cluster.traceHash(),
        EnumSet.copyOf(faults),
        List.copyOf(history.violations()),
        (changesMade.isEmpty() ? "" : "membership changes: " + changesMade + "\n")
            + history.excerpt(30),
        requests,
        forwarded,
        quorumFailures,
        ok,
        failed,
        unknown,
        timedOut,
        history.readsWithSiblings(),
        crashes,
        history.writes().stream().filter(w -> w.error.contains("failure detector")).count()
            + history.reads().stream().filter(r -> r.error.contains("failure detector")).count(),
        workloadMillis,
        finalReadRetries,
        cluster.simulation().eventCount(),
        lostCommits,
        history.exemptWrites(),
        freshIncarnations,
        hints());
  }

  private Hints hints() {
    return new Hints(
        hintsStoredBefore + sum(n -> n.stats().hintsStored()),
        hintsDeliveredBefore + sum(n -> n.handoff().delivered()),
        hintsExpired(),
        hintsRefused(),
        standInsBefore + sum(n -> n.stats().standIns()),
        readRepairsBefore + sum(n -> n.stats().readRepairs()),
        phases,
        availabilityWrites,
        convergedKeys,
        skippedConvergence,
        purgedBefore + sum(n -> n.antiEntropy().tombstonesPurged()));
  }

  // ---- hostile gossip (issue 15) ----

  /** How many hostile messages one {@link Fault#HOSTILE_GOSSIP} sends. */
  static final int HOSTILE_MESSAGES = 30;

  private static final byte[] VIEW_KEY = "membership/view".getBytes(UTF_8);

  /**
   * Sends {@code left} hostile messages, one every 10 to 200 ms, each to a random up node; once in
   * two activations also crashes a node and poisons its persisted ring before it restarts.
   */
  private void hostileGossip(int left) {
    if (cluster.nodes().stream().noneMatch(SimCluster.Instance::isUp)) {
      fault(Duration.ofMillis(50), "fault hostile gossip waits", () -> hostileGossip(left));
      return;
    }
    if (left == HOSTILE_MESSAGES && random.nextInt(2) == 0) {
      int victim = randomUpNode();
      crashFor(victim, faultLength());
      poisonPersistedState(victim);
    }
    if (left == 0) {
      return;
    }
    if (cluster.nodes().stream().noneMatch(SimCluster.Instance::isUp)) {
      // The crash above took the last node that was up (seed -3411069039498838337): skip this one.
      fault(Duration.ofMillis(50), "fault hostile gossip waits", () -> hostileGossip(left - 1));
      return;
    }
    int target = randomUpNode();
    Hostile hostile = hostileMessage(target);
    NodeId from =
        random.nextInt(4) == 0 ? NodeId.of("x9") : cluster.ids().get(random.nextInt(NODES));
    cluster
        .node(target)
        .service()
        .membership()
        .handle(from, hostile.message())
        .whenComplete(
            (answer, error) -> {
              Throwable e = error == null ? null : DynamoException.unwrap(error);
              if (hostile.mustBeRefused() && !(e instanceof GossipRefusedException)) {
                history.violationOf(
                    "gossip",
                    "n"
                        + target
                        + " did not refuse hostile gossip ("
                        + hostile.kind()
                        + "): "
                        + (e == null ? "accepted" : e.toString()));
              }
            });
    fault(
        Duration.ofMillis(10 + random.nextInt(190)),
        "fault hostile gossip",
        () -> hostileGossip(left - 1));
  }

  /** One hostile message and whether validation must refuse it. */
  private record Hostile(String kind, GossipMessage message, boolean mustBeRefused) {}

  private Hostile hostileMessage(int target) {
    Membership membership = cluster.node(target).service().membership();
    MembershipView view = membership.view();
    RingState ring = view.ring();
    // Another member: others' gossip about the receiver itself is only ever a reason to raise
    // its generation, which a forged state within the bound legitimately does.
    NodeId member = cluster.ids().get((target + random.nextInt(NODES - 1)) % NODES);
    MembershipView.Member known = view.members().get(member);
    NodeId author = cluster.ids().get(random.nextInt(NODES));
    int kind = random.nextInt(11);
    if (ring == null || known == null) {
      kind = 2; // a node without a ring yet (it restarted with a poisoned one): bytes only
    }
    switch (kind) {
      case 0:
        return new Hostile(
            "ring {1,2,3} at version 1000",
            new GossipMessage.Ack2(List.of(), new RingState(new byte[] {1, 2, 3}, 1000, author)),
            true);
      case 1:
        return new Hostile(
            "a valid ring at version Long.MAX",
            new GossipMessage.Ack2(
                List.of(), new RingState(ring.ring(), ring.epoch(), Long.MAX_VALUE, author)),
            true);
      case 2:
        byte[] bytes = new byte[random.nextInt(48)];
        for (int i = 0; i < bytes.length; i++) {
          bytes[i] = (byte) random.nextInt(256);
        }
        // Random bytes may, rarely, decode to a harmless valid message.
        return new Hostile("random bytes", new GossipMessage.Encoded(bytes), false);
      case 3:
        return new Hostile(
            "generation Long.MAX",
            new GossipMessage.Ack2(List.of(state(known, Long.MAX_VALUE, 0, known.address())), null),
            true);
      case 4:
        return new Hostile(
            "heartbeat beyond the jump",
            new GossipMessage.Ack2(
                List.of(
                    state(
                        known,
                        known.generation(),
                        known.version() + MembershipConfig.DEFAULT_MAX_VERSION_JUMP + 1000,
                        known.address())),
                null),
            true);
      case 5:
        return new Hostile(
            "address changed within a generation",
            new GossipMessage.Ack2(
                List.of(state(known, known.generation(), known.version() + 1000, "evil:1")), null),
            true);
      case 6:
        NodeId self = cluster.node(target).id();
        long own = view.members().get(self).generation();
        return new Hostile(
            "a removal of the receiver beyond its generation",
            syn(new Removal(self, own + 1 + random.nextInt(1000), author)),
            true);
      case 7:
        return new Hostile(
            "a removal far beyond the member's generation",
            syn(
                new Removal(
                    member,
                    known.generation() + MembershipConfig.DEFAULT_MAX_GENERATION_JUMP + 1,
                    author)),
            true);
      case 8:
        return new Hostile(
            "a response sent as a request",
            new GossipMessage.Ack(List.of(), null, new TreeMap<>(), new TreeSet<>(), false),
            true);
      case 9:
        {
          Ring current = RingCodec.decode(ring.ring());
          TreeSet<NodeId> owners = new TreeSet<>(current.nodes());
          owners.add(NodeId.of("x9"));
          Ring next =
              RingPlanner.fixedPartitions(current.partitionCount(), 3)
                  .next(current, owners, Map.of());
          return new Hostile(
              "a well-formed ring owned in part by a stranger",
              new GossipMessage.Ack2(
                  List.of(),
                  new RingState(RingCodec.encode(next), next.epoch(), next.version(), author)),
              true);
        }
      default:
        {
          Ring current = RingCodec.decode(ring.ring());
          Ring other =
              RingPlanner.fixedPartitions(current.partitionCount() * 2, 3)
                  .fresh(current.epoch(), current.nodes(), Map.of());
          Ring at = Ring.ofPartitions(current.version() + 1, other.owners(), Map.of());
          return new Hostile(
              "a ring of another partition count",
              new GossipMessage.Ack2(
                  List.of(),
                  new RingState(
                      RingCodec.encode(at.withEpoch(current.epoch())),
                      current.epoch(),
                      at.version(),
                      author)),
              true);
        }
    }
  }

  private static NodeState state(
      MembershipView.Member m, long generation, long version, String address) {
    return new NodeState(m.id(), generation, version, m.status(), address, m.zone(), 0);
  }

  private static GossipMessage.Syn syn(Removal removal) {
    return new GossipMessage.Syn(
        new TreeMap<>(), 0, null, new TreeMap<>(Map.of(removal.node(), removal)));
  }

  /**
   * Writes the reviewer's ring ({1,2,3} at version 1000) into a crashed node's persisted view, as a
   * node that persisted it before validation existed: at its restart it must ignore it and get the
   * ring back from its peers.
   */
  private void poisonPersistedState(int index) {
    SimCluster<DynamoNode>.Instance node = cluster.node(index);
    if (node.isUp()) {
      return;
    }
    MemoryStorageEngine engine = MemoryStorageEngine.open(node.directory());
    Keyspace metadata = engine.keyspace(StorageEngine.METADATA);
    byte[] bytes = metadata.get(VIEW_KEY);
    if (bytes != null) {
      ClusterView view = MembershipCodec.decodeView(bytes);
      RingState poison = new RingState(new byte[] {1, 2, 3}, 1000, NodeId.of("n1"));
      metadata.put(
          VIEW_KEY, MembershipCodec.encode(new ClusterView(view.nodes(), view.removals(), poison)));
    }
    engine.abandon(); // like any write of the node: durable only once flushed
  }

  /**
   * After hostile gossip: every node is NORMAL at its own address, routes by the ring its
   * membership holds, which is valid for the cluster's planner, of epoch 0 (no node had to plan a
   * fresh ring: its peers held valid ones), and persisted as such; and the claimant still plans: a
   * sixth node joins and every node adopts a ring with it.
   */
  private void checkAfterHostileGossip() {
    RingPlanner planner = RingPlanner.fixedPartitions(64, 3);
    for (SimCluster<DynamoNode>.Instance n : cluster.nodes()) {
      String who = n.id().toString();
      MembershipView view = n.service().membership().view();
      MembershipView.Member self = view.members().get(n.id());
      if (self == null
          || self.status() != NodeStatus.NORMAL
          || !self.address().equals(n.id() + ":7000")) {
        history.violationOf("gossip", who + "'s own entry is not intact: " + self);
      }
      RingState state = view.ring();
      if (state == null) {
        history.violationOf("gossip", who + " has no ring");
        continue;
      }
      try {
        Ring ring = RingCodec.decode(state.ring());
        planner.verify(ring);
        if (!n.service().ring().equals(java.util.Optional.of(ring))) {
          history.violationOf("gossip", who + " routes by another ring than its membership's");
        }
        if (!view.members().keySet().containsAll(ring.nodes())) {
          history.violationOf("gossip", who + "'s ring has owners that are not members");
        }
      } catch (RuntimeException e) {
        history.violationOf("gossip", who + " holds an invalid ring " + state + ": " + e);
      }
      if (state.epoch() != 0) {
        history.violationOf(
            "gossip", who + " holds a fresh ring epoch although its peers had valid rings");
      }
      MemoryStorageEngine engine = MemoryStorageEngine.open(n.directory());
      try {
        RingState persisted =
            MembershipCodec.decodeView(engine.keyspace(StorageEngine.METADATA).get(VIEW_KEY))
                .ring();
        if (!state.equals(persisted)) {
          history.violationOf("gossip", who + " persisted ring " + persisted + ", holds " + state);
        }
      } catch (RuntimeException e) {
        history.violationOf("gossip", who + "'s persisted view does not decode: " + e);
      }
    }
    SimCluster<DynamoNode>.Instance joiner = cluster.addNode();
    joiner.start();
    if (!cluster.runUntil(sim::formed, Duration.ofMinutes(2))) {
      history.violationOf(
          "gossip", "the claimant did not plan " + joiner.id() + " into the ring within 2 minutes");
    }
  }

  /** A seed whose simulation failed (an event threw): its violations so far, and the failure. */
  private Result failed(io.dynamokv.core.sim.Simulation.SimulationFailure failure) {
    String first = String.valueOf(failure.getMessage()).lines().findFirst().orElse("");
    if (failure.getCause() != null) {
      // Where it threw, for the report (a violation carries only text).
      var trace = new java.io.StringWriter();
      failure.getCause().printStackTrace(new java.io.PrintWriter(trace));
      first +=
          "\n"
              + trace
                  .toString()
                  .lines()
                  .limit(40)
                  .collect(java.util.stream.Collectors.joining("\n"));
    }
    history.violationOf("-", "the simulation failed: " + first);
    return new Result(
        seed,
        cluster.traceHash(),
        EnumSet.copyOf(faults),
        List.copyOf(history.violations()),
        history.excerpt(30) + "\n" + failure.getMessage(),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        crashes,
        0,
        workloadMillis,
        finalReadRetries,
        cluster.simulation().eventCount(),
        lostCommits,
        history.exemptWrites(),
        freshIncarnations,
        Hints.NONE);
  }
}
