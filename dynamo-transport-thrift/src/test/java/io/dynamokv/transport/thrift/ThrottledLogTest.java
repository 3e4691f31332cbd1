/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledLogTest {
  @Test
  void logsOncePerIntervalAndSaysHowManyWereLeftOut() {
    Logger logger = (Logger) LoggerFactory.getLogger("throttled-log-test");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    AtomicLong now = new AtomicLong(1_000);
    ThrottledLog log = new ThrottledLog(logger, Duration.ofSeconds(10), now::get);

    for (int i = 0; i < 5; i++) {
      log.warn("bad frame from {}", "client-" + i);
    }
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    log.warn("bad frame from {}", "client-5");
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    log.warn("bad frame from {}", "client-6");

    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "bad frame from client-0",
            "bad frame from client-6 (5 more like it since the last such line were not logged)");
  }
}
