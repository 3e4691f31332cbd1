/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import java.util.List;

/**
 * A configuration could not be used: {@link #problems()} lists every problem found, one line each.
 * The message is those lines, joined by newlines.
 */
public final class ConfigValidationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<ConfigProblem> problems;

  public ConfigValidationException(List<ConfigProblem> problems) {
    super(String.join("\n", problems.stream().map(ConfigProblem::toString).toList()));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a validation failure needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  public List<ConfigProblem> problems() {
    return problems;
  }

  /** Users need the lines, not where in the loader they were found. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
