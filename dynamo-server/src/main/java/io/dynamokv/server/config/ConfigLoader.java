/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Loads and validates a node's configuration.
 *
 * <p>Layers, the first that sets a key wins:
 *
 * <ol>
 *   <li>{@code --set key=value} ({@link #withSets});
 *   <li>{@code -Ddynamo.*} system properties;
 *   <li>{@code DYNAMO_*} environment variables ({@code DYNAMO_NODE_DATA_DIR} sets {@code
 *       dynamo.node.data-dir});
 *   <li>the configuration file (HOCON; JSON and properties syntax work too);
 *   <li>{@code reference.conf}, which holds every setting with its default.
 * </ol>
 *
 * <p>{@link #load()} reports every problem at once in a {@link ConfigValidationException}, one line
 * each, naming the file and line (or the override) and the key: syntax errors, unknown keys (with a
 * "did you mean"), wrong types and impossible values. It does not touch the file system beyond
 * reading the file: {@link io.dynamokv.server.runtime.StartupChecks} checks directories and ports.
 *
 * <p>Immutable; the {@code with} methods return copies.
 */
public final class ConfigLoader {
  private static final String REFERENCE = "reference.conf";

  private final Path file;
  private final List<String> sets;
  private final Map<String, String> environment;
  private final Properties systemProperties;
  private final Path workingDirectory;

  private ConfigLoader(
      Path file,
      List<String> sets,
      Map<String, String> environment,
      Properties systemProperties,
      Path workingDirectory) {
    this.file = file;
    this.sets = List.copyOf(sets);
    this.environment = Map.copyOf(environment);
    this.systemProperties = systemProperties;
    this.workingDirectory = workingDirectory;
  }

  /** A loader reading this process's environment and system properties, and no file yet. */
  public static ConfigLoader forThisProcess() {
    return new ConfigLoader(
        null,
        List.of(),
        System.getenv(),
        (Properties) System.getProperties().clone(),
        Path.of("").toAbsolutePath());
  }

  /** A loader that sees no environment variables and no system properties: for tests. */
  public static ConfigLoader isolated(Path workingDirectory) {
    return new ConfigLoader(null, List.of(), Map.of(), new Properties(), workingDirectory);
  }

  /** Reads {@code file} (which must exist) under the overrides. */
  public ConfigLoader withFile(Path file) {
    return new ConfigLoader(
        Objects.requireNonNull(file, "file"),
        sets,
        environment,
        systemProperties,
        workingDirectory);
  }

  /** {@code key=value} overrides, later ones winning. */
  public ConfigLoader withSets(List<String> sets) {
    return new ConfigLoader(file, sets, environment, systemProperties, workingDirectory);
  }

  public ConfigLoader withEnvironment(Map<String, String> environment) {
    return new ConfigLoader(file, sets, environment, systemProperties, workingDirectory);
  }

  public ConfigLoader withSystemProperties(Properties systemProperties) {
    return new ConfigLoader(file, sets, environment, systemProperties, workingDirectory);
  }

  /**
   * The validated configuration.
   *
   * @throws ConfigValidationException listing every problem, one line each
   */
  public ServerConfig load() {
    List<ConfigProblem> problems = new ArrayList<>();
    Config resolved = resolve(problems);
    ServerConfig config =
        resolved == null
            ? null
            : new ServerConfigReader(resolved, workingDirectory, file, problems).read();
    if (!problems.isEmpty()) {
      List<ConfigProblem> distinct = new ArrayList<>(new LinkedHashSet<>(problems));
      distinct.sort(
          Comparator.comparing(ConfigProblem::source).thenComparingInt(ConfigProblem::line));
      throw new ConfigValidationException(distinct);
    }
    return config;
  }

  /** The defaults of {@code reference.conf} (the {@code dynamo} tree only), with their origins. */
  public static Config reference() {
    return ConfigFactory.parseResources(
            ConfigLoader.class.getClassLoader(),
            REFERENCE,
            ConfigParseOptions.defaults().setAllowMissing(false))
        .withOnlyPath("dynamo");
  }

  /** All layers merged and resolved, or {@code null} with the problems recorded. */
  private Config resolve(List<ConfigProblem> problems) {
    Config reference = reference();
    Config fromFile = ConfigFactory.empty();
    if (file != null) {
      fromFile = parseFile(problems);
      if (fromFile == null) {
        return null;
      }
    }
    Overrides overrides = new Overrides(reference, problems);
    Config user =
        overrides
            .fromSets(sets)
            .withFallback(overrides.fromSystemProperties(systemProperties))
            .withFallback(overrides.fromEnvironment(environment))
            .withFallback(fromFile);
    Config resolved;
    try {
      resolved = user.withFallback(reference).resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      problems.add(fromException(e));
      return null;
    }
    KeyCheck keys = KeyCheck.run(resolved.root(), reference.root());
    problems.addAll(keys.structuralProblems());
    problems.addAll(keys.unknownKeys());
    return keys.structuralProblems().isEmpty() ? resolved : null;
  }

  private Config parseFile(List<ConfigProblem> problems) {
    Path absolute = file.toAbsolutePath();
    if (!Files.isRegularFile(absolute)) {
      problems.add(
          new ConfigProblem(
              file.toString(),
              "",
              Files.exists(absolute) ? "not a regular file" : "no such configuration file"));
      return null;
    }
    if (!Files.isReadable(absolute)) {
      problems.add(new ConfigProblem(file.toString(), "", "not readable by this process"));
      return null;
    }
    try {
      ConfigParseOptions options = ConfigParseOptions.defaults().setAllowMissing(false);
      if (!absolute.getFileName().toString().matches(".*\\.(conf|json|properties)")) {
        options = options.setSyntax(ConfigSyntax.CONF);
      }
      return ConfigFactory.parseFile(absolute.toFile(), options);
    } catch (ConfigException e) {
      problems.add(fromException(e));
      return null;
    }
  }

  /** One line from a Typesafe exception: its origin, then its message without the origin. */
  static ConfigProblem fromException(ConfigException e) {
    String message = e.getMessage();
    if (e.origin() != null) {
      String prefix = e.origin().description() + ": ";
      if (message.startsWith(prefix)) {
        message = message.substring(prefix.length());
      }
      return ConfigProblem.at(e.origin(), "", message);
    }
    return new ConfigProblem("configuration", "", message);
  }
}
