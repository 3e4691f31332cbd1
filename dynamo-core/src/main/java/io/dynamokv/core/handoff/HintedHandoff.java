/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.StatusSection;
import io.dynamokv.core.StatusSection.Stat;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Hands hints back to their owners (paper §4.6, SPEC §5): the life of a hint after a stand-in
 * stored it.
 *
 * <ol>
 *   <li>Every {@link HandoffConfig#interval()}, the node looks at each owner it holds hints for. An
 *       owner is tried when its backoff has passed, whether or not the failure detector says it is
 *       up: the attempt is the probe (gossip alone can lag), and its outcome is what the node's
 *       reachability learns from.
 *   <li>One hint at a time per owner, in key order, is sent through the owner's replica path (a
 *       replica write, which merges it with {@code sync}). If the key's owners changed and the
 *       hint's owner is no longer one of them, it goes to every current owner instead; while the
 *       key's partition moves, to every node that takes its writes (owners and pending owners).
 *   <li>The hint is deleted only once every target acknowledged it and, at the end of the owner's
 *       turn, made what it acknowledged durable ({@link Delivery#flush}: under {@code
 *       write-no-sync} an acknowledgement does not survive the target's power failure, and the hint
 *       may be the only other copy), and only if it still holds what was sent ({@link
 *       Delivery#retire}); one merged into meanwhile is sent again. A flush vouches only for what
 *       the same run of the target acknowledged: the hint was sent after an earlier flush of the
 *       target answered the same incarnation epoch as this one (so no unclean stop came between);
 *       otherwise it is sent again in a later turn.
 *   <li>A failure ends the owner's turn and backs off: the wait doubles up to {@link
 *       HandoffConfig#maxBackoff()}, with jitter, and resets on the next success.
 *   <li>All owners share one rate: the node's {@link BackgroundRate} (of {@link
 *       HandoffConfig#bytesPerSecond()}), which anti-entropy draws from too.
 *   <li>A hint older than {@link HandoffConfig#maxAge()} (from its first write) is discarded, with
 *       every other hint of its key ({@link Delivery#expire}), counted and reported to the {@link
 *       Listener}; anti-entropy repairs past it.
 *   <li>While the node leaves the cluster, a hint whose targets fail is passed on to another node
 *       as a hint for the same owner ({@link Delivery#hint}), so that leaving does not wait for an
 *       owner that is down.
 * </ol>
 *
 * Runs on the node's scheduler. The counters and {@link #section()} may be read from any thread.
 */
public final class HintedHandoff {
  private static final int HINTS_PER_TURN = 64;

  /**
   * How hints reach other nodes: the node's replica path. Called and answering on the scheduler.
   */
  public interface Delivery {
    /**
     * Merges {@code siblings} (encoded) into {@code target}'s copy of {@code key} (a local merge
     * when {@code target} is this node); {@code done} receives {@code null} once it is
     * acknowledged, or the error.
     */
    void replicate(
        NodeId target, String store, byte[] key, byte[] siblings, Consumer<Throwable> done);

    /**
     * Deletes hint {@code id} once delivered, if it still holds exactly {@code stored}, keeping its
     * dots in another record of the key when the node holds one (see the node's replica).
     *
     * @return whether the hint was deleted
     */
    boolean retire(HintId id, byte[] stored);

    /**
     * Discards hint {@code id}, which expired, with whatever else must go with it (every hint of
     * its key); returns the ids discarded.
     */
    List<HintId> expire(HintId id);

    /**
     * What {@link #flush} answers for a target whose acknowledgements are taken as durable: this
     * node itself (its hints and data share one engine, flushed in order), or a member that cannot
     * be asked.
     */
    long UNCHECKED = Long.MIN_VALUE;

    /**
     * Asks {@code target} to make everything it acknowledged so far durable; {@code done} receives
     * the first epoch of the target's incarnation that answered (or {@link #UNCHECKED}), or the
     * error.
     */
    void flush(NodeId target, Flushed done);

    /** Asks {@code target} to hold {@code siblings} as a hint for {@code owner}. */
    void hint(
        NodeId target,
        NodeId owner,
        String store,
        byte[] key,
        byte[] siblings,
        Consumer<Throwable> done);
  }

  /** Receives the outcome of {@link Delivery#flush}. */
  @FunctionalInterface
  public interface Flushed {
    /** {@code error} is {@code null} when the target flushed; {@code epoch} is then set. */
    void flushed(long epoch, Throwable error);
  }

  /** Where a key lives now. */
  public interface Placement {
    /**
     * The nodes that take {@code key}'s writes in {@code store}: its current owners and, while its
     * partition moves, its pending owners, without nodes that left or were removed; an empty list
     * when this node cannot tell (no ring yet, or a store it no longer serves): the hint then
     * waits.
     */
    List<NodeId> ownersOf(String store, byte[] key);

    /** Whether {@code key}'s partition moves: {@link #ownersOf} then names its pending owners. */
    default boolean moving(String store, byte[] key) {
      return false;
    }

    /** The key's extended preference list: where a leaving node passes a hint on to. */
    List<NodeId> extendedOf(String store, byte[] key);
  }

  /** What the node reports of handoff. Runs on the scheduler. */
  public interface Listener {
    /** {@code hint}, {@code ageMillis} old, was discarded unsent. */
    void onExpired(HintId hint, long ageMillis);
  }

  /** Deliberately broken behaviours, for the simulation to catch. */
  public enum BrokenVariant {
    NONE,
    /** Deletes a hint as soon as it is sent, before its owner acknowledged it. */
    DELETE_BEFORE_ACK
  }

  private final NodeId self;
  private final HandoffConfig config;
  private final HintStore hints;
  private final Clock clock;
  private final Scheduler scheduler;
  private final RandomSource random;
  private final Predicate<NodeId> reachable;
  private final Placement placement;
  private final Delivery delivery;
  private final List<Listener> listeners = new ArrayList<>();
  private final Map<NodeId, OwnerState> states = new TreeMap<>();
  private final TreeSet<NodeId> everHeld = new TreeSet<>();
  private BrokenVariant broken = BrokenVariant.NONE;
  private BooleanSupplier leaving = () -> false;
  private Scheduler.Cancellable rounds;
  private final BackgroundRate rate;

  private volatile long delivered;
  private volatile long deliveredBytes;
  private volatile long failures;
  private volatile long expired;
  private volatile long passedOn;
  private volatile List<NodeId> owners = List.of();

  /** Where handoff stands with one owner. */
  private static final class OwnerState {
    final NodeId owner;
    long nextAttemptNanos;
    int failures;
    boolean busy;
    HintId cursor;
    final List<Sent> unflushed = new ArrayList<>();
    final java.util.Set<HintId> sentThisTurn = new java.util.HashSet<>();

    OwnerState(NodeId owner) {
      this.owner = owner;
    }
  }

  /**
   * A hint its targets acknowledged in this turn, deleted once they flushed; {@code epochs} maps
   * each target to the epoch its last flush had answered when the hint was sent.
   */
  private record Sent(HintStore.Hint hint, Map<NodeId, Long> epochs, boolean passedOn) {}

  /** Per target, the incarnation epoch its last flush answered. */
  private final Map<NodeId, Long> flushedEpochs = new TreeMap<>();

  public HintedHandoff(
      NodeId self,
      HandoffConfig config,
      HintStore hints,
      Clock clock,
      Scheduler scheduler,
      RandomSource random,
      Predicate<NodeId> reachable,
      Placement placement,
      Delivery delivery,
      BackgroundRate rate) {
    this.rate = Objects.requireNonNull(rate, "rate");
    this.self = Objects.requireNonNull(self, "self");
    this.config = Objects.requireNonNull(config, "config");
    this.hints = Objects.requireNonNull(hints, "hints");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.random = Objects.requireNonNull(random, "random");
    this.reachable = Objects.requireNonNull(reachable, "reachable");
    this.placement = Objects.requireNonNull(placement, "placement");
    this.delivery = Objects.requireNonNull(delivery, "delivery");
    everHeld.addAll(hints.owners());
  }

  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Switches on a broken behaviour; tests only. */
  public void breakForTests(BrokenVariant variant) {
    this.broken = Objects.requireNonNull(variant, "variant");
  }

  /** Tells handoff whether the node is leaving the cluster (then hints are passed on). */
  public void leavingWhen(BooleanSupplier leaving) {
    this.leaving = Objects.requireNonNull(leaving, "leaving");
  }

  /** Starts the delivery rounds. */
  public void start() {
    if (rounds == null) {
      Duration first = jittered(config.interval());
      rounds = scheduler.scheduleWithFixedDelay(first, config.interval(), this::round);
    }
  }

  public void stop() {
    if (rounds != null) {
      rounds.cancel();
    }
  }

  /**
   * {@code owner} became reachable (the failure detector or a direct call says so): its backoff is
   * over, and the next round tries it.
   */
  public void ownerReachable(NodeId owner) {
    OwnerState state = states.get(owner);
    if (state != null) {
      state.nextAttemptNanos = clock.nanoTime();
      state.failures = 0;
    }
  }

  /** Whether this node holds no hint: what a leaving node waits for. */
  public boolean drained() {
    return hints.isEmpty();
  }

  /** One round: expire old hints, then give each owner whose backoff passed its turn. */
  public void round() {
    expire();
    long now = clock.nanoTime();
    List<NodeId> held = hints.owners();
    everHeld.addAll(held);
    for (NodeId owner : held) {
      OwnerState state = states.computeIfAbsent(owner, OwnerState::new);
      if (!state.busy && now - state.nextAttemptNanos >= 0) {
        state.busy = true;
        next(owner, state, HINTS_PER_TURN);
      }
    }
    states.keySet().retainAll(held);
    hints.publish();
    owners = List.copyOf(everHeld);
  }

  private void expire() {
    long now = Math.max(0, clock.wallMillis());
    for (HintId id : hints.createdAtOrBefore(now - config.maxAge().toMillis())) {
      if (hints.get(id) == null) {
        continue; // discarded already, with an older hint of its key
      }
      byte[] key = id.key().toByteArray();
      Map<HintId, Long> ages = new TreeMap<>();
      for (NodeId owner : hints.ownersOf(id.store(), key)) {
        HintStore.Hint each = hints.get(HintId.of(id.store(), key, owner));
        if (each != null) {
          ages.put(each.id(), now - each.firstMillis());
        }
      }
      for (HintId gone : delivery.expire(id)) {
        expired++;
        for (Listener l : listeners) {
          l.onExpired(gone, ages.getOrDefault(gone, 0L));
        }
      }
    }
  }

  /** Runs a step of the owner's turn from a callback; a failure of this node's own backs it off. */
  private void guarded(OwnerState state, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures++;
      backOff(state);
    }
  }

  /** Sends the owner's next hint, or ends its turn; a failure of this node's own backs it off. */
  private void next(NodeId owner, OwnerState state, int left) {
    try {
      sendNext(owner, state, left);
    } catch (RuntimeException e) {
      failures++;
      backOff(state);
    }
  }

  /**
   * Sends the hint after the owner's cursor (which wraps around once it reaches the end and is kept
   * across turns, so a hint that keeps failing does not hold back the ones after it), or ends the
   * turn after {@code left} more hints.
   */
  private void sendNext(NodeId owner, OwnerState state, int left) {
    if (left == 0) {
      endTurn(state);
      return;
    }
    List<HintId> batch = hints.hintsFor(owner, state.cursor, 1);
    if (batch.isEmpty() && state.cursor != null) {
      state.cursor = null;
      batch = hints.hintsFor(owner, null, 1);
    }
    if (batch.isEmpty()) {
      endTurn(state);
      return;
    }
    HintId id = batch.get(0);
    if (state.sentThisTurn.contains(id)) {
      endTurn(state); // wrapped around to a hint sent in this turn: every hint had its go
      return;
    }
    HintId previous = state.cursor;
    state.cursor = id;
    HintStore.Hint hint = hints.get(id);
    if (hint == null) {
      next(owner, state, left - 1);
      return;
    }
    byte[] key = id.key().toByteArray();
    List<NodeId> current = placement.ownersOf(id.store(), key);
    if (current.isEmpty()) {
      next(owner, state, left - 1); // no ring, or a store this node no longer serves: it waits
      return;
    }
    boolean toOwner = current.contains(owner);
    // While the key moves, every node that takes its writes gets the hint, as a write would: a new
    // owner's stream may have passed the key before the hint reached the old one.
    List<NodeId> targets = toOwner && !placement.moving(id.store(), key) ? List.of(owner) : current;
    boolean known =
        epochsKnown(
            targets,
            () -> {
              state.cursor = previous; // this hint again, now that its targets' runs are known
              next(owner, state, left);
            },
            // as a failed delivery: the owner is backed off if it failed itself, or a leaving
            // node passes the hint on
            silent ->
                guarded(
                    state,
                    () ->
                        notDelivered(owner, state, hint, toOwner && silent.contains(owner), left)));
    if (!known) {
      return;
    }
    if (!takeTokens(hint.siblings().length)) {
      endTurn(state); // the rate is spent: the next round goes on from here
      return;
    }
    Map<NodeId, Long> epochs = epochsOf(targets);
    int[] waiting = {targets.size()};
    Throwable[] failure = {null};
    boolean[] ownerFailed = {false};
    if (broken == BrokenVariant.DELETE_BEFORE_ACK) {
      hints.delete(id);
    }
    for (NodeId target : targets) {
      delivery.replicate(
          target,
          id.store(),
          key,
          hint.siblings(),
          error -> {
            if (error != null && failure[0] == null) {
              failure[0] = error;
            }
            if (error != null && target.equals(owner)) {
              ownerFailed[0] = true;
            }
            if (--waiting[0] == 0) {
              Sent sent = new Sent(hint, epochs, false);
              // Only the owner's own failure backs its turn off; another target's (a moving key's
              // other owners) leaves the hint for a later turn and goes on with the next.
              boolean backOff = toOwner && ownerFailed[0];
              guarded(state, () -> delivered(owner, state, sent, failure[0], backOff, left));
            }
          });
    }
  }

  private void delivered(
      NodeId owner, OwnerState state, Sent sent, Throwable error, boolean toOwner, int left) {
    if (error == null) {
      state.sentThisTurn.add(sent.hint().id());
      state.unflushed.add(sent);
      next(owner, state, left - 1);
      return;
    }
    notDelivered(owner, state, sent.hint(), toOwner, left);
  }

  /** A hint its targets did not take (or could not be asked to): what happens next. */
  private void notDelivered(
      NodeId owner, OwnerState state, HintStore.Hint hint, boolean toOwner, int left) {
    state.sentThisTurn.add(hint.id());
    failures++;
    if (leaving.getAsBoolean()) {
      passOn(owner, state, hint, left);
    } else if (toOwner) {
      backOff(state);
    } else {
      // A hint whose key moved went to every current owner and one failed: that says nothing of
      // this owner, so the turn goes on with the next hint.
      next(owner, state, left - 1);
    }
  }

  /** A leaving node's last resort for a hint its targets did not take: another node holds it. */
  private void passOn(NodeId owner, OwnerState state, HintStore.Hint hint, int left) {
    byte[] key = hint.id().key().toByteArray();
    Optional<NodeId> to =
        placement.extendedOf(hint.id().store(), key).stream()
            .filter(n -> !n.equals(self) && !n.equals(owner) && reachable.test(n))
            .findFirst();
    if (to.isEmpty()) {
      backOff(state);
      return;
    }
    boolean known =
        epochsKnown(
            List.of(to.get()),
            () -> passOn(owner, state, hint, left), // now that the node's run is known
            silent -> {
              failures++;
              backOff(state);
            });
    if (!known) {
      return;
    }
    Map<NodeId, Long> epochs = epochsOf(List.of(to.get()));
    delivery.hint(
        to.get(),
        owner,
        hint.id().store(),
        key,
        hint.siblings(),
        error -> {
          if (error == null) {
            state.unflushed.add(new Sent(hint, epochs, true));
            next(owner, state, left - 1);
          } else {
            failures++;
            backOff(state);
          }
        });
  }

  /**
   * Ends the owner's turn: the targets of the hints acknowledged in it flush, then those hints are
   * deleted (the ones whose targets all flushed). A failed flush of the owner backs it off.
   */
  private void endTurn(OwnerState state) {
    finishTurn(state, false);
  }

  /** Ends the owner's turn after a failure: as {@link #endTurn}, then backs off. */
  private void backOff(OwnerState state) {
    finishTurn(state, true);
  }

  private void finishTurn(OwnerState state, boolean failed) {
    state.sentThisTurn.clear();
    if (state.unflushed.isEmpty()) {
      settleTurn(state, failed);
      return;
    }
    List<Sent> sent = List.copyOf(state.unflushed);
    state.unflushed.clear();
    TreeSet<NodeId> targets = new TreeSet<>();
    sent.forEach(h -> targets.addAll(h.epochs().keySet()));
    flushAll(
        targets,
        answered -> {
          failures += targets.size() - answered.size();
          retire(sent, answered);
          // Another target's failed flush (a moving key's other owners) keeps its hints for a later
          // turn without backing this owner off.
          boolean ownerSilent = targets.contains(state.owner) && !answered.containsKey(state.owner);
          settleTurn(state, failed || ownerSilent);
        });
  }

  /**
   * Whether every one of {@code targets} has answered a flush, so that the run its acknowledgements
   * come from is known. If not, the unknown ones are flushed first (returning false), and then
   * {@code retry} runs once all of them answered, {@code failed} otherwise, with the ones that did
   * not.
   */
  private boolean epochsKnown(
      List<NodeId> targets, Runnable retry, Consumer<java.util.Set<NodeId>> failed) {
    List<NodeId> unknown = targets.stream().filter(t -> !flushedEpochs.containsKey(t)).toList();
    if (unknown.isEmpty()) {
      return true;
    }
    flushAll(
        unknown,
        answered -> {
          if (answered.size() == unknown.size()) {
            retry.run();
          } else {
            java.util.Set<NodeId> silent = new java.util.TreeSet<>(unknown);
            silent.removeAll(answered.keySet());
            failed.accept(silent);
          }
        });
    return false;
  }

  /** Each of {@code targets} (every one known) with the epoch its last flush answered. */
  private Map<NodeId, Long> epochsOf(List<NodeId> targets) {
    Map<NodeId, Long> epochs = new TreeMap<>();
    targets.forEach(t -> epochs.put(t, flushedEpochs.get(t)));
    return Collections.unmodifiableMap(epochs);
  }

  /**
   * Flushes every target once and records the epochs they answered; {@code done} receives them (a
   * target that failed is left out).
   */
  private void flushAll(java.util.Collection<NodeId> targets, Consumer<Map<NodeId, Long>> done) {
    Map<NodeId, Long> answered = new TreeMap<>();
    if (targets.isEmpty()) {
      done.accept(answered);
      return;
    }
    int[] waiting = {targets.size()};
    for (NodeId target : targets) {
      Flushed flushed =
          (epoch, error) -> {
            if (error == null) {
              answered.put(target, epoch);
              flushedEpochs.put(target, epoch);
            }
            if (--waiting[0] == 0) {
              done.accept(answered);
            }
          };
      try {
        delivery.flush(target, flushed);
      } catch (RuntimeException e) {
        flushed.flushed(0, e);
      }
    }
  }

  /**
   * Deletes each hint (that still holds what was sent) whose every target flushed in the run that
   * acknowledged it: the epoch the target's flush answered is the one known when the hint was sent.
   * The others are sent again in a later turn.
   */
  private void retire(List<Sent> sent, Map<NodeId, Long> answered) {
    for (Sent h : sent) {
      boolean durable = true;
      for (Map.Entry<NodeId, Long> target : h.epochs().entrySet()) {
        Long epoch = answered.get(target.getKey());
        durable &=
            epoch != null && (epoch == Delivery.UNCHECKED || epoch.equals(target.getValue()));
      }
      if (!durable) {
        continue;
      }
      try {
        if (delivery.retire(h.hint().id(), h.hint().stored())) {
          if (h.passedOn()) {
            passedOn++;
          } else {
            delivered++;
            deliveredBytes += h.hint().siblings().length;
          }
        }
      } catch (RuntimeException e) {
        failures++; // kept: sent again later
      }
    }
  }

  private void settleTurn(OwnerState state, boolean failed) {
    if (!failed) {
      state.failures = 0;
      state.busy = false;
      return;
    }
    state.failures = Math.min(state.failures + 1, 30);
    long base = config.interval().toNanos();
    long cap = config.maxBackoff().toNanos();
    long wait = base;
    for (int i = 1; i < state.failures && wait < cap; i++) {
      wait *= 2;
    }
    wait = Math.min(wait, cap);
    wait = (long) (wait * (0.5 + random.nextDouble()));
    state.nextAttemptNanos = clock.nanoTime() + wait;
    state.busy = false;
  }

  private boolean takeTokens(int bytes) {
    return rate.tryTake(bytes);
  }

  private Duration jittered(Duration d) {
    return Duration.ofNanos((long) (d.toNanos() * (0.5 + random.nextDouble())));
  }

  /** Hints handed to their owners and deleted. */
  public long delivered() {
    return delivered;
  }

  /** Hints this node, leaving, passed on to another node because their owner was unreachable. */
  public long passedOn() {
    return passedOn;
  }

  /** Hints discarded because they outlived {@link HandoffConfig#maxAge()}. */
  public long expired() {
    return expired;
  }

  /** Calls of handoff that failed: deliveries, hints passed on, flushes. */
  public long failures() {
    return failures;
  }

  /**
   * The {@code handoff} status section: what this node holds (in total and per owner, every owner
   * it held hints for since it started staying listed, at 0 once drained) and what handoff did.
   *
   * @param stored hints this node stored (as a stand-in or for owners that missed a write)
   * @param refused hints this node refused or could not keep because its hints were at their cap
   */
  public StatusSection section(long stored, long refused) {
    long now = Math.max(0, clock.wallMillis());
    List<Stat> stats = new ArrayList<>();
    stats.add(Stat.gauge("hints", hints.count(), "Hints held for other nodes"));
    stats.add(Stat.gauge("hint.bytes", hints.bytes(), "Bytes of the hints held"));
    stats.add(Stat.gauge("cap.bytes", hints.maxBytes(), "The cap on the bytes of hints held"));
    stats.add(
        Stat.gauge(
            "at.cap", hints.hasRoom() ? 0 : 1, "1 while the hints are at their cap (no new ones)"));
    stats.add(Stat.counter("stored", stored, "Hints stored or merged into"));
    stats.add(Stat.counter("refused", refused, "Hints refused or not kept: the cap was reached"));
    stats.add(Stat.counter("delivered", delivered, "Hints handed to their owners and deleted"));
    stats.add(Stat.counter("delivered.bytes", deliveredBytes, "Bytes of hints handed off"));
    stats.add(
        Stat.counter(
            "delivery.failures",
            failures,
            "Hint deliveries, hints passed on and flushes that failed"));
    stats.add(Stat.counter("expired", expired, "Hints discarded unsent: older than max age"));
    stats.add(Stat.counter("passed.on", passedOn, "Hints a leaving node passed to another node"));
    Map<NodeId, HintStore.OwnerSummary> byOwner = new TreeMap<>();
    for (HintStore.OwnerSummary s : hints.summary()) {
      byOwner.put(s.owner(), s);
    }
    for (NodeId owner : owners) {
      HintStore.OwnerSummary s = byOwner.get(owner);
      String o = owner.value();
      stats.add(
          Stat.gauge("owner.hints", "owner", o, s == null ? 0 : s.hints(), "Hints held, by owner"));
      stats.add(
          Stat.gauge(
              "owner.bytes", "owner", o, s == null ? 0 : s.bytes(), "Bytes of hints, by owner"));
      stats.add(
          Stat.gauge(
              "owner.oldest.age.ms",
              "owner",
              o,
              s == null ? 0 : Math.max(0, now - s.oldestMillis()),
              "Age of the oldest hint held, by owner"));
    }
    return new StatusSection("handoff", stats);
  }
}
