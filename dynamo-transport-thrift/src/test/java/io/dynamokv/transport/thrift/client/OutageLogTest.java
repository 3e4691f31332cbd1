/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.client;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A failure repeating through an outage is logged once, then rarely, then once when it ends. */
class OutageLogTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private OutageLog outage;

  @BeforeEach
  void setUp() {
    Logger logger = new LoggerContext().getLogger("outage-test");
    logger.setLevel(Level.DEBUG);
    lines.start();
    logger.addAppender(lines);
    outage = new OutageLog(logger, "ring refresh", Duration.ofMinutes(1), now::get);
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  private List<String> messages() {
    return lines.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  @Test
  void tenFailuresASecondForTwoMinutesLogTwoLinesAndTheRecoveryOne() {
    for (int i = 0; i < 1200; i++) {
      outage.failed("no node answered");
      advance(Duration.ofMillis(100));
    }
    assertThat(messages())
        .hasSize(2)
        .allMatch(m -> m.startsWith("WARN ring refresh: "))
        .satisfies(m -> assertThat(m.get(1)).contains("still failing after 60 s (601 attempts)"));

    outage.succeeded("n1 answered");
    outage.succeeded("n1 answered");
    assertThat(messages())
        .hasSize(3)
        .last()
        .isEqualTo("INFO ring refresh: n1 answered again after 120 s and 1200 failed attempts");

    // A new outage is reported at once.
    outage.failed("no node answered");
    assertThat(messages()).hasSize(4).last().asString().startsWith("WARN ring refresh: no node");
  }

  @Test
  void successesWithoutAnOutageLogNothing() {
    outage.succeeded("n1 answered");
    assertThat(lines.list).isEmpty();
  }
}
