/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.handoff.HintId;
import io.dynamokv.core.handoff.HintedHandoff;
import io.dynamokv.core.node.DynamoNode;
import io.dynamokv.core.spi.Scheduler;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every hint a node discards unsent because it outlived {@code dynamo.handoff.max-age}, at
 * WARN, naming owner, store, key and age: such a write reaches its owner only through anti-entropy.
 * At most {@link #LINES_PER_WINDOW} hints are logged one by one per {@link #WINDOW}; the rest of a
 * window are summed up per owner in one line when the window ends ({@link #flush}), so a node
 * discarding a large backlog cannot flood its log and none goes unreported ({@code
 * dynamo_handoff_expired_total} holds the exact count).
 *
 * <p>Not thread-safe: runs on the node's scheduler, as handoff's listeners do; {@link #flush} is
 * scheduled there too.
 */
final class HandoffEventLog implements HintedHandoff.Listener {
  private static final Logger log = LoggerFactory.getLogger(HandoffEventLog.class);

  /** How often the hints left out are summed up. */
  static final Duration WINDOW = Duration.ofSeconds(10);

  /** Expired hints logged one by one per window. */
  static final int LINES_PER_WINDOW = 10;

  /** Hex digits of a key shown; longer keys are cut. */
  private static final int KEY_HEX_SHOWN = 64;

  private final Duration maxAge;
  private final LongSupplier nanoTime;
  private long windowStart;
  private int logged;
  private final Map<NodeId, Long> leftOut = new TreeMap<>();
  private long oldestLeftOutMillis;

  HandoffEventLog(Duration maxAge, LongSupplier nanoTime) {
    this.maxAge = maxAge;
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  /** Starts logging {@code node}'s expired hints; the window ends on {@code scheduler}. */
  static void attach(DynamoNode node, Scheduler scheduler, Duration maxAge) {
    HandoffEventLog events = new HandoffEventLog(maxAge, System::nanoTime);
    node.addHandoffListener(events);
    scheduler.scheduleWithFixedDelay(WINDOW, WINDOW, events::flush);
  }

  @Override
  public void onExpired(HintId hint, long ageMillis) {
    if (nanoTime.getAsLong() - windowStart >= WINDOW.toNanos()) {
      flush();
    }
    if (logged < LINES_PER_WINDOW) {
      logged++;
      log.warn(
          "hint for {} of store {} key {} discarded unsent: {} old, over dynamo.handoff.max-age"
              + " ({}); only anti-entropy brings this write to {} now",
          hint.owner(),
          hint.store(),
          hex(hint.key().toByteArray()),
          age(ageMillis),
          age(maxAge.toMillis()),
          hint.owner());
      return;
    }
    leftOut.merge(hint.owner(), 1L, Long::sum);
    oldestLeftOutMillis = Math.max(oldestLeftOutMillis, ageMillis);
  }

  /** Sums up the hints left out of the log since the last flush, and starts a new window. */
  void flush() {
    if (!leftOut.isEmpty()) {
      long total = leftOut.values().stream().mapToLong(Long::longValue).sum();
      StringJoiner byOwner = new StringJoiner(", ");
      leftOut.forEach((owner, n) -> byOwner.add(owner + ": " + n));
      log.warn(
          "{} more hints discarded unsent, over dynamo.handoff.max-age ({}), not logged one by one"
              + " (by owner: {}; the oldest {} old); dynamo_handoff_expired_total counts them all",
          total,
          age(maxAge.toMillis()),
          byOwner,
          age(oldestLeftOutMillis));
      leftOut.clear();
      oldestLeftOutMillis = 0;
    }
    logged = 0;
    windowStart = nanoTime.getAsLong();
  }

  private static String hex(byte[] key) {
    String hex = HexFormat.of().formatHex(key);
    return hex.length() <= KEY_HEX_SHOWN ? hex : hex.substring(0, KEY_HEX_SHOWN) + "...";
  }

  /** {@code 3h5m}, {@code 42s}, {@code 0s}: a duration to the second. */
  static String age(long millis) {
    return Duration.ofMillis(millis)
        .truncatedTo(ChronoUnit.SECONDS)
        .toString()
        .substring(2)
        .toLowerCase(Locale.ROOT);
  }
}
