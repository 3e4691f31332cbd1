/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines for child JVMs running this JVM's classpath: the same {@code java}, the JVM flags
 * lmdbjava needs, and the flags JDK 23+ wants to run it without warnings (JDK 17 rejects those).
 */
public final class JavaCommand {
  private JavaCommand() {}

  /** The flags every dynamo JVM gets, for the running JDK's version. */
  public static List<String> lmdbFlags() {
    List<String> flags = new ArrayList<>();
    flags.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED"));
    flags.addAll(List.of("--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED"));
    if (Runtime.version().feature() >= 23) {
      flags.add("--enable-native-access=ALL-UNNAMED");
      flags.add("--sun-misc-unsafe-memory-access=allow");
    }
    return flags;
  }

  /**
   * {@code java <lmdb flags> <jvmOptions> -cp <this classpath> mainClass args...}.
   *
   * @param jvmOptions extra options such as {@code -Xmx256m}
   */
  public static List<String> of(Class<?> mainClass, List<String> jvmOptions, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(lmdbFlags());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    return command;
  }
}
