/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's {@code %ex} folded onto the event's line: {@code " | "} before the exception and
 * between its lines, so every event stays one line (logback.xml's {@code %ex1}).
 */
public final class OneLineThrowableConverter extends ThrowableProxyConverter {
  @Override
  public String convert(ILoggingEvent event) {
    String trace = super.convert(event).strip();
    return trace.isEmpty() ? "" : " | " + trace.replaceAll("[\\r\\n]+\\s*", " | ");
  }
}
