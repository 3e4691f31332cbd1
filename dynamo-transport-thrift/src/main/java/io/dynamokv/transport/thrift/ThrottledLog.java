/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A warning that is logged at most once per interval, however often its event happens: a client
 * that sends garbage in a loop must not fill the node's log. The next line after a quiet spell says
 * how many were left out, so the log still tells how often it happened; the exact count is a
 * metric.
 *
 * <p>Thread-safe.
 */
public final class ThrottledLog {
  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong nextAllowed;
  private final AtomicLong suppressed = new AtomicLong();

  ThrottledLog(Logger log, Duration interval, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.nextAllowed = new AtomicLong(nanoTime.getAsLong());
  }

  public ThrottledLog(Logger log, Duration interval) {
    this(log, interval, System::nanoTime);
  }

  /** Logs {@code message} (an SLF4J format) now, or counts it if a line went out recently. */
  public void warn(String message, Object... args) {
    long now = nanoTime.getAsLong();
    long next = nextAllowed.get();
    if (now - next < 0 || !nextAllowed.compareAndSet(next, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return;
    }
    long left = suppressed.getAndSet(0);
    if (left == 0) {
      log.warn(message, args);
    } else {
      log.warn(
          message + " ({} more like it since the last such line were not logged)",
          append(args, left));
    }
  }

  private static Object[] append(Object[] args, Object last) {
    Object[] all = new Object[args.length + 1];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = last;
    return all;
  }
}
