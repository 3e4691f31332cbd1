/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.handoff;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.spi.Clock;
import io.dynamokv.core.spi.RandomSource;
import io.dynamokv.core.spi.Scheduler;
import io.dynamokv.core.spi.StorageEngine;
import io.dynamokv.core.storage.MemoryStorageEngine;
import io.dynamokv.core.version.Actor;
import io.dynamokv.core.version.Siblings;
import io.dynamokv.core.version.VectorClock;
import io.dynamokv.core.version.Versioned;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * One stand-in's handoff to one owner, with a scripted owner: what is sent, when a hint is deleted.
 */
class HintedHandoffTest {
  private static final NodeId SELF = NodeId.of("stand-in");
  private static final NodeId OWNER = NodeId.of("owner");
  private static final NodeId NEW_OWNER = NodeId.of("new");

  private long nanos;
  private final Clock clock =
      new Clock() {
        @Override
        public long nanoTime() {
          return nanos;
        }

        @Override
        public long wallMillis() {
          return 1_000_000 + nanos / 1_000_000;
        }
      };
  private final HintStore hints =
      new HintStore(MemoryStorageEngine.create().keyspace(StorageEngine.HINTS), 1 << 20);

  /** The owner: acknowledges writes, answers flushes with the epoch of its current run. */
  private final class Owner implements HintedHandoff.Delivery {
    final List<String> calls = new ArrayList<>();
    long epoch = 7;
    boolean flushFails;
    boolean writeFails;

    /** Runs after the owner acknowledged a write, before the stand-in hears of it. */
    final ArrayDeque<Runnable> afterNextAck = new ArrayDeque<>();

    @Override
    public void replicate(
        NodeId target, String store, byte[] key, byte[] siblings, Consumer<Throwable> done) {
      calls.add("write " + new String(key, UTF_8) + (target.equals(OWNER) ? "" : " to " + target));
      if (failing.contains(target)) {
        done.accept(new IllegalStateException(target + " down"));
        return;
      }
      if (writeFails) {
        done.accept(new IllegalStateException("owner down"));
        return;
      }
      while (!afterNextAck.isEmpty()) {
        afterNextAck.poll().run(); // after the acknowledgement left the owner
      }
      done.accept(null);
    }

    @Override
    public boolean retire(HintId id, byte[] stored) {
      return hints.deleteIfUnchanged(id, stored);
    }

    @Override
    public List<HintId> expire(HintId id) {
      hints.delete(id);
      return List.of(id);
    }

    @Override
    public void flush(NodeId target, HintedHandoff.Flushed done) {
      calls.add("flush" + (target.equals(OWNER) ? "" : " " + target));
      if (failingFlushes.contains(target)) {
        done.flushed(0, new IllegalStateException(target + " down"));
        return;
      }
      if (flushFails) {
        done.flushed(0, new IllegalStateException("flush refused"));
      } else {
        done.flushed(epoch, null);
      }
    }

    @Override
    public void hint(
        NodeId target,
        NodeId owner,
        String store,
        byte[] key,
        byte[] siblings,
        Consumer<Throwable> done) {
      throw new AssertionError("not leaving");
    }
  }

  /** Whether the hints' keys move to {@link #NEW_OWNER} (a pending owner beside the owner). */
  private boolean moving;

  /** Targets whose writes fail. */
  private final java.util.Set<NodeId> failing = new java.util.HashSet<>();

  /** Targets whose flushes fail. */
  private final java.util.Set<NodeId> failingFlushes = new java.util.HashSet<>();

  private final Owner owner = new Owner();
  private final HintedHandoff handoff =
      new HintedHandoff(
          SELF,
          HandoffConfig.DEFAULTS.withInterval(Duration.ofSeconds(1)),
          hints,
          clock,
          new Scheduler() {
            @Override
            public void execute(Runnable task) {
              task.run();
            }

            @Override
            public Cancellable schedule(Duration delay, Runnable task) {
              throw new AssertionError("rounds run by the test");
            }

            @Override
            public Cancellable scheduleWithFixedDelay(
                Duration initialDelay, Duration period, Runnable task) {
              throw new AssertionError("rounds run by the test");
            }

            @Override
            public void close() {}
          },
          RandomSource.seeded(1),
          node -> true,
          new HintedHandoff.Placement() {
            @Override
            public List<NodeId> ownersOf(String store, byte[] key) {
              return moving ? List.of(OWNER, NEW_OWNER) : List.of(OWNER);
            }

            @Override
            public boolean moving(String store, byte[] key) {
              return moving;
            }

            @Override
            public List<NodeId> extendedOf(String store, byte[] key) {
              return List.of(OWNER);
            }
          },
          owner,
          new BackgroundRate(clock, 1 << 30));

  private void hint(String key) {
    hints.update(
        HintId.of("s", key.getBytes(UTF_8), OWNER),
        clock.wallMillis(),
        local ->
            Siblings.sync(
                local,
                Siblings.empty()
                    .update(
                        VectorClock.empty(),
                        Versioned.of(key.getBytes(UTF_8), 1),
                        new Actor(SELF, 1))));
  }

  /** The next round, once every backoff has passed. */
  private void nextRound() {
    nanos += Duration.ofMinutes(5).toNanos();
    handoff.round();
  }

  @Test
  void eachHintIsSentOncePerTurnAndDeletedAfterTheOwnersFlush() {
    hint("a");
    hint("b");
    nextRound();
    assertThat(owner.calls)
        .as("a flush first learns the owner's run; one write per hint; a flush ends the turn")
        .containsExactly("flush", "write a", "write b", "flush");
    assertThat(hints.isEmpty()).isTrue();
    assertThat(handoff.delivered()).isEqualTo(2);
  }

  /**
   * While its key moves, a hint for an owner that stays goes to the pending owner too (whose stream
   * may have passed the key), and is deleted only once both acknowledged and flushed. A pending
   * owner's failure does not back the owner's turn off: the next hint still goes.
   */
  @Test
  void whileItsKeyMovesAHintGoesToThePendingOwnerToo() {
    moving = true;
    failing.add(NEW_OWNER);
    hint("a");
    hint("b");
    nextRound();
    assertThat(owner.calls)
        .as("both hints tried in one turn although the pending owner failed each")
        .containsExactly(
            "flush", "flush new", "write a", "write a to new", "write b", "write b to new");
    assertThat(hints.count()).as("kept: the pending owner has not taken them").isEqualTo(2);

    owner.calls.clear();
    failing.clear();
    nextRound();
    assertThat(owner.calls)
        .as("then both targets flush, in either order")
        .hasSize(6)
        .startsWith("write a", "write a to new", "write b", "write b to new")
        .contains("flush", "flush new");
    assertThat(hints.isEmpty()).isTrue();
  }

  /**
   * A pending owner that does not answer the flush that learns its run: the owner's turn goes on
   * with the next hint instead of backing off.
   */
  @Test
  void aPendingOwnersFailedFlushDoesNotBackTheOwnerOff() {
    moving = true;
    failingFlushes.add(NEW_OWNER);
    hint("a");
    hint("b");
    nextRound();
    assertThat(owner.calls)
        .as("hint b tried in the same turn: no back-off")
        .containsExactly("flush", "flush new", "flush new");
    assertThat(hints.count()).isEqualTo(2);

    owner.calls.clear();
    failingFlushes.clear();
    nextRound();
    assertThat(owner.calls)
        .startsWith("flush new", "write a", "write a to new", "write b", "write b to new");
    assertThat(hints.isEmpty()).isTrue();
  }

  /**
   * A pending owner that takes the hint but fails the flush ending the turn: the hint stays, and
   * the owner is not backed off (its next turn comes at once).
   */
  @Test
  void aPendingOwnersFailedEndOfTurnFlushDoesNotBackTheOwnerOff() {
    moving = true;
    hint("a");
    nextRound(); // learns both runs, delivers and retires a
    assertThat(hints.isEmpty()).isTrue();

    failingFlushes.add(NEW_OWNER);
    hint("b");
    owner.calls.clear();
    nextRound();
    assertThat(owner.calls).hasSize(4).startsWith("write b", "write b to new");
    assertThat(hints.count()).as("kept: the pending owner's flush failed").isEqualTo(1);

    owner.calls.clear();
    handoff.round(); // no time passed: only an owner that was not backed off gets a turn
    assertThat(owner.calls).startsWith("write b", "write b to new");
  }

  @Test
  void aHintAcknowledgedByARunThatEndedBeforeTheFlushIsSentAgain() {
    hint("a");
    owner.afterNextAck.add(() -> owner.epoch = 8); // lost power after acknowledging, restarted
    nextRound();
    assertThat(owner.calls).containsExactly("flush", "write a", "flush");
    assertThat(hints.count()).as("kept: the flush came from a later run").isEqualTo(1);

    owner.calls.clear();
    nextRound();
    assertThat(owner.calls).containsExactly("write a", "flush");
    assertThat(hints.isEmpty()).isTrue();
  }

  @Test
  void aHintStaysWhileTheOwnerDoesNotFlushAndTheWaitGrows() {
    hint("a");
    nextRound(); // learns the epoch, delivers, flushes
    hint("b");
    owner.flushFails = true;
    owner.calls.clear();
    nextRound();
    assertThat(owner.calls).containsExactly("write b", "flush");
    assertThat(hints.count()).isEqualTo(1);

    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long before = owner.calls.size();
      long start = nanos;
      while (owner.calls.size() == before) {
        nanos += Duration.ofMillis(100).toNanos();
        handoff.round();
      }
      waits.add((nanos - start) / 1_000_000);
    }
    // doubling from the interval, times jitter in [0.5, 1.5): the fourth wait is at least 4 s
    assertThat(waits.get(3)).as("waits between turns: %s", waits).isGreaterThan(waits.get(0) * 2);
    assertThat(hints.count()).isEqualTo(1);
  }

  @Test
  void anOwnerBackAsANewRunIsSentTheTurnsHintsAgain() {
    hint("a");
    nextRound();
    assertThat(hints.isEmpty()).isTrue();

    hint("b");
    owner.writeFails = true; // down: lost power
    owner.calls.clear();
    nextRound();
    assertThat(owner.calls).containsExactly("write b");

    owner.writeFails = false;
    owner.epoch = 8; // back, as a new run
    owner.calls.clear();
    nextRound();
    assertThat(owner.calls).containsExactly("write b", "flush");
    assertThat(hints.count()).as("kept: sent while the run known was the one before").isEqualTo(1);
    owner.calls.clear();
    nextRound();
    assertThat(owner.calls).containsExactly("write b", "flush");
    assertThat(hints.isEmpty()).isTrue();
  }
}
