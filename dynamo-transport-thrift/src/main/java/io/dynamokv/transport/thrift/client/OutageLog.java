/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * What the client logs about a failure that repeats for as long as an outage lasts (a ring refresh
 * that no node answers): one warning when it starts, then one at most every {@code reminder} while
 * it lasts, then one line when it ends. A client retrying ten times a second must not write ten
 * lines a second. Thread-safe.
 */
final class OutageLog {
  private final Logger log;
  private final String what;
  private final long reminderNanos;
  private final LongSupplier nanoTime;
  private boolean down;
  private long since;
  private long nextReminder;
  private long failures;

  /**
   * @param what the failing action, as a log line names it, e.g. {@code "ring refresh"}
   */
  OutageLog(Logger log, String what, Duration reminder, LongSupplier nanoTime) {
    this.log = log;
    this.what = what;
    this.reminderNanos = reminder.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Another failure: logged if it starts an outage or a reminder is due, otherwise counted. */
  synchronized void failed(String detail) {
    long now = nanoTime.getAsLong();
    failures++;
    if (!down) {
      down = true;
      since = now;
      nextReminder = now + reminderNanos;
      log.warn(
          "{}: {}; logging this again at most every {} s while it lasts",
          what,
          detail,
          reminderNanos / 1_000_000_000);
    } else if (now - nextReminder >= 0) {
      nextReminder = now + reminderNanos;
      log.warn(
          "{}: still failing after {} s ({} attempts): {}",
          what,
          (now - since) / 1_000_000_000,
          failures,
          detail);
    }
  }

  /** A success: ends an outage (one line), otherwise does nothing. */
  synchronized void succeeded(String detail) {
    if (!down) {
      return;
    }
    long now = nanoTime.getAsLong();
    log.info(
        "{}: {} again after {} s and {} failed attempts",
        what,
        detail,
        (now - since) / 1_000_000_000,
        failures);
    down = false;
    failures = 0;
  }
}
