/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.runtime.ThreadScheduler;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread's turn at a batch of work: one selector wake-up (what it reads in one go, and the node
 * work it runs inline for it), or a run of the node's queued tasks on its scheduler thread. Peer
 * requests sent during a turn are held and written when the turn ends, one write per connection
 * (sooner if another thread writes on that connection first: a thread outside a turn, or another
 * turn that ends first), so that the requests several client requests make of one peer leave in one
 * system call and reach the peer in one read (whose replies its listener writes back in one write).
 *
 * <p>A selector loop brackets each wake-up with {@link #begin} and {@link #end} (in a {@code
 * finally}); a node's scheduler thread makes each run of its queued tasks a turn ({@link
 * #forRuns}). Threads outside a turn send at once. Nothing in a turn may wait for the reply of a
 * request it sent: the request would not leave before the wait ends. The node's logic never waits
 * for a peer (its calls are asynchronous), and the servers that wait for the node's answer on their
 * own threads (the TLS client server) do not open turns. A turn's work may block otherwise (a group
 * commit's fsync on the node's thread): what the turn holds waits for it.
 *
 * <p>Not thread-safe: a turn belongs to the thread that began it.
 */
public final class Turn {
  /** Something that holds writes until the turn ends. */
  public interface Held {
    /**
     * Writes what was held (unless another thread wrote it meanwhile). Runs on the turn's thread
     * when it ends; MUST NOT throw for an I/O failure (it fails the calls concerned instead).
     */
    void turnEnded();
  }

  private static final Logger log = LoggerFactory.getLogger(Turn.class);
  private static final ThreadLocal<Turn> TURNS = new ThreadLocal<>();

  private final List<Held> held = new ArrayList<>();
  private boolean open;

  private Turn() {}

  /**
   * Begins a turn on this thread; null if one is open already (the outer turn then covers this
   * one's sends, and only its end writes).
   */
  public static Turn begin() {
    Turn turn = TURNS.get();
    if (turn == null) {
      turn = new Turn();
      TURNS.set(turn);
    } else if (turn.open) {
      return null;
    }
    turn.open = true;
    return turn;
  }

  /**
   * Turns for the runs of one {@link ThreadScheduler}: each run of the node's queued tasks is a
   * turn on the scheduler's thread.
   */
  public static ThreadScheduler.Runs forRuns() {
    return new ThreadScheduler.Runs() {
      private Turn turn; // the scheduler's thread only

      @Override
      public void begin() {
        turn = Turn.begin();
      }

      @Override
      public void end() {
        if (turn != null) {
          turn.end();
          turn = null;
        }
      }
    };
  }

  /** The turn open on this thread, or null. */
  public static Turn current() {
    Turn turn = TURNS.get();
    return turn != null && turn.open ? turn : null;
  }

  /**
   * Has {@code writes} write when this turn ends; holding the same (identical) holder again in the
   * same turn changes nothing. A turn holds a few connections at most: a linear search is enough.
   */
  public void hold(Held writes) {
    for (int i = 0; i < held.size(); i++) {
      if (held.get(i) == writes) {
        return;
      }
    }
    held.add(writes);
  }

  /**
   * Ends the turn: every holder writes, in the order it was first held. A holder that fails (a bug,
   * or no heap) is logged and keeps neither the others from writing nor the selector that ends the
   * turn from going on.
   */
  public void end() {
    open = false;
    try {
      // A holder's write may fail calls whose callbacks send: outside any turn now, so at once.
      for (int i = 0; i < held.size(); i++) {
        try {
          held.get(i).turnEnded();
        } catch (RuntimeException | OutOfMemoryError e) {
          log.error("writing the peer requests held in a turn failed", e);
        }
      }
    } finally {
      held.clear();
    }
  }
}
