/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.merkle;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs tasks one at a time, in submission order, each as its own task of a delegate, without ever
 * running one inside another. An exchange's steps chain through their replies: with a delegate that
 * runs tasks inline and a remote that answers at once, each step would otherwise run inside the
 * previous one, and a long exchange would overflow the stack. A task submitted while another runs
 * waits for it; when the delegate runs the next one inline, the loop here runs it instead.
 *
 * <p>Thread-safe: tasks may be submitted from any thread (a transport's reply thread). A delegate
 * must not reject tasks: one it rejects leaves the tasks behind it unrun, and the stage they would
 * complete incomplete (the node's scheduler drops tasks only once closed, when no exchange
 * matters).
 */
final class Trampoline implements Executor {
  private final Executor delegate;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicReference<Loop> running = new AtomicReference<>();

  /** One run of the loop below, on one thread. */
  private static final class Loop {
    final Thread thread = Thread.currentThread();
    boolean calledInline; // only this loop's thread reads or writes it
  }

  Trampoline(Executor delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(Objects.requireNonNull(task, "task"));
    if (pending.getAndIncrement() == 0) {
      delegate.execute(this::runNext);
    }
  }

  private void runNext() {
    Loop current = running.get();
    if (current != null && current.thread == Thread.currentThread()) {
      current.calledInline = true; // the delegate ran the next task inline: the loop runs it
      return;
    }
    Loop me = new Loop();
    running.set(me);
    try {
      boolean more;
      do {
        try {
          tasks.poll().run();
        } catch (RuntimeException | Error e) {
          running.compareAndSet(me, null);
          if (pending.decrementAndGet() != 0) {
            delegate.execute(this::runNext);
          }
          throw e;
        }
        more = pending.decrementAndGet() != 0;
        me.calledInline = false;
        if (more) {
          delegate.execute(this::runNext);
        }
      } while (more && me.calledInline);
    } finally {
      running.compareAndSet(me, null);
    }
  }
}
