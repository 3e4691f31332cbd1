/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Applies {@code dynamo.log.level} to Logback's root logger. */
public final class LogLevels {
  private LogLevels() {}

  /**
   * Sets the root level to {@code level} (trace, debug, info, warn or error, any case). Does
   * nothing when SLF4J is bound to something other than Logback.
   */
  public static void apply(String level) {
    if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
      root.setLevel(Level.toLevel(level, Level.INFO));
    }
  }
}
