/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

/**
 * Ends a command with {@link #exitCode()} and a message printed as is to standard error (one line
 * per problem). No stack trace, even with {@code --verbose}: the message says it all.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
