/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dynamokv.core.NodeId;
import io.dynamokv.core.handoff.HintId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Expired hints are logged at WARN, one by one up to a limit, the rest summed up per owner. */
class HandoffEventLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(HandoffEventLog.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final AtomicLong now = new AtomicLong(5_000);
  private final HandoffEventLog events = new HandoffEventLog(Duration.ofHours(3), now::get);

  @BeforeEach
  void capture() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void release() {
    logger.detachAppender(logged);
  }

  private static HintId hint(String owner, String key) {
    return HintId.of("default", key.getBytes(UTF_8), NodeId.of(owner));
  }

  @Test
  void anExpiredHintIsLoggedWithItsOwnerStoreKeyAndAge() {
    events.onExpired(hint("n2", "k"), Duration.ofHours(3).plusSeconds(4).toMillis());

    assertThat(logged.list)
        .singleElement()
        .extracting(ILoggingEvent::getLevel)
        .isEqualTo(Level.WARN);
    assertThat(logged.list.get(0).getFormattedMessage())
        .isEqualTo(
            "hint for n2 of store default key 6b discarded unsent: 3h4s old, over"
                + " dynamo.handoff.max-age (3h); only anti-entropy brings this write to n2 now");
  }

  @Test
  void manyExpiredHintsAreSummedUpPerOwnerOncePerWindow() {
    int many = HandoffEventLog.LINES_PER_WINDOW + 25;
    for (int i = 0; i < many; i++) {
      events.onExpired(hint(i % 2 == 0 ? "n2" : "n3", "k" + i), 11_000_000L + i);
    }
    assertThat(logged.list).hasSize(HandoffEventLog.LINES_PER_WINDOW);

    events.flush();
    assertThat(logged.list).hasSize(HandoffEventLog.LINES_PER_WINDOW + 1);
    assertThat(logged.list.get(HandoffEventLog.LINES_PER_WINDOW).getFormattedMessage())
        .isEqualTo(
            "25 more hints discarded unsent, over dynamo.handoff.max-age (3h), not logged one by"
                + " one (by owner: n2: 13, n3: 12; the oldest 3h3m20s old);"
                + " dynamo_handoff_expired_total counts them all");

    // A new window logs one by one again; a flush with nothing left out says nothing.
    events.flush();
    events.onExpired(hint("n4", "x"), 11_000_000L);
    assertThat(logged.list).hasSize(HandoffEventLog.LINES_PER_WINDOW + 2);
    assertThat(logged.list.get(logged.list.size() - 1).getFormattedMessage())
        .startsWith("hint for n4");
  }

  @Test
  void aWindowThatPassedEndsAtTheNextExpiredHintEvenBeforeItsFlush() {
    for (int i = 0; i < HandoffEventLog.LINES_PER_WINDOW + 1; i++) {
      events.onExpired(hint("n2", "k" + i), 11_000_000L);
    }
    now.addAndGet(HandoffEventLog.WINDOW.toNanos());
    events.onExpired(hint("n2", "late"), 11_000_000L);

    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .endsWith(
            "1 more hints discarded unsent, over dynamo.handoff.max-age (3h), not logged one by"
                + " one (by owner: n2: 1; the oldest 3h3m20s old);"
                + " dynamo_handoff_expired_total counts them all",
            "hint for n2 of store default key 6c617465 discarded unsent: 3h3m20s old, over"
                + " dynamo.handoff.max-age (3h); only anti-entropy brings this write to n2 now");
  }
}
