/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settings given outside the configuration file: {@code --set key=value}, {@code -Ddynamo.*} system
 * properties and {@code DYNAMO_*} environment variables.
 *
 * <p>Values are strings that Typesafe Config converts to the setting's type (numbers, booleans,
 * sizes, durations). A value starting with {@code [} or <code>{</code> is parsed as HOCON, so lists
 * and store sections can be given whole; for list settings a plain value is split at commas ({@code
 * --set dynamo.cluster.seeds=n1@h1:7000,n2@h2:7000}); {@code null} sets a nullable setting back to
 * its default.
 *
 * <p>An environment variable names a setting by its path without {@code dynamo.}, upper case, with
 * dots and hyphens as underscores: {@code DYNAMO_NODE_DATA_DIR} is {@code dynamo.node.data-dir}.
 * Every {@code DYNAMO_*} variable must name a setting, except {@value #JAVA_OPTS_VARIABLE} (JVM
 * options for {@code bin/dynamo}) and the CLI's {@link #CLI_TLS_VARIABLES}.
 */
final class Overrides {
  static final String ENV_PREFIX = "DYNAMO_";
  static final String JAVA_OPTS_VARIABLE = "DYNAMO_JAVA_OPTS";
  static final String ADMIN_TOKEN_VARIABLE = "DYNAMO_ADMIN_TOKEN";

  /** The CLI's TLS options ({@code put --tls-trust-store}), not settings of a node. */
  static final Set<String> CLI_TLS_VARIABLES =
      Set.of(
          "DYNAMO_TLS_TRUST_STORE",
          "DYNAMO_TLS_TRUST_STORE_PASSWORD",
          "DYNAMO_TLS_KEY_STORE",
          "DYNAMO_TLS_KEY_STORE_PASSWORD");

  private static final Set<String> RESERVED_ENV =
      union(Set.of(JAVA_OPTS_VARIABLE, ADMIN_TOKEN_VARIABLE), CLI_TLS_VARIABLES);

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  private final Config reference;
  private final List<ConfigProblem> problems;

  Overrides(Config reference, List<ConfigProblem> problems) {
    this.reference = reference;
    this.problems = problems;
  }

  /** {@code key=value} strings, later ones winning. */
  Config fromSets(List<String> sets) {
    Config result = ConfigFactory.empty();
    for (String set : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        problems.add(new ConfigProblem("--set " + set, "", "expected key=value"));
        continue;
      }
      String key = set.substring(0, eq).trim();
      result = with(result, key, set.substring(eq + 1), "--set " + key);
    }
    return result;
  }

  /** System properties whose names start with {@code dynamo.}. */
  Config fromSystemProperties(Properties properties) {
    Config result = ConfigFactory.empty();
    for (String name : new TreeMap<>(asMap(properties)).keySet()) {
      if (name.startsWith("dynamo.")) {
        result = with(result, name, properties.getProperty(name), "-D" + name);
      }
    }
    return result;
  }

  /** Environment variables already warned about in this process: each is named once. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private static final Logger log = LoggerFactory.getLogger(Overrides.class);

  /**
   * {@code DYNAMO_*} environment variables. A name near a setting's (a typo) is a problem; a name
   * far from every setting belongs to another program and is ignored with one warning.
   */
  Config fromEnvironment(Map<String, String> environment) {
    Map<String, String> names = environmentNames(reference);
    Config result = ConfigFactory.empty();
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV.contains(name)) {
        continue;
      }
      String path = names.get(name);
      if (path == null) {
        Optional<String> near =
            names.keySet().stream().filter(known -> KeyCheck.similar(name, known)).findFirst();
        if (near.isPresent()) {
          // A near miss of a real setting is surely a typo: refuse it rather than ignore it.
          problems.add(
              new ConfigProblem(
                  "env " + name,
                  "",
                  "no setting has this variable name (did you mean "
                      + near.get()
                      + "?); DYNAMO_* variables name settings"));
        } else if (WARNED.add(name)) {
          // Far from every setting: another program's variable that happens to share the prefix.
          log.warn(
              "ignoring environment variable {}: no setting has this name (DYNAMO_* variables"
                  + " name settings, e.g. DYNAMO_NODE_PORT for dynamo.node.port)",
              name);
        }
        continue;
      }
      result = with(result, path, e.getValue(), "env " + name);
    }
    return result;
  }

  /** Environment variable name to setting path, for every leaf of {@code reference}. */
  static Map<String, String> environmentNames(Config reference) {
    Map<String, String> names = new TreeMap<>();
    collectLeaves("", reference.root(), names);
    return names;
  }

  private static void collectLeaves(String prefix, ConfigObject object, Map<String, String> out) {
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().valueType() == ConfigValueType.OBJECT) {
        collectLeaves(path, (ConfigObject) e.getValue(), out);
      } else {
        out.put(environmentName(path), path);
      }
    }
  }

  static String environmentName(String path) {
    String rest = path.startsWith("dynamo.") ? path.substring("dynamo.".length()) : path;
    return ENV_PREFIX + rest.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private Config with(Config config, String key, String raw, String origin) {
    try {
      ConfigUtil.splitPath(key);
    } catch (ConfigException e) {
      problems.add(new ConfigProblem(origin, "", "not a valid setting name"));
      return config;
    }
    if (!key.equals("dynamo")
        && !key.startsWith("dynamo.")
        && reference.hasPathOrNull("dynamo." + key)) {
      problems.add(
          new ConfigProblem(origin, key, "unknown key (did you mean dynamo." + key + "?)"));
      return config;
    }
    ConfigValue value = value(key, raw.trim(), origin);
    return value == null ? config : config.withValue(key, value);
  }

  private ConfigValue value(String key, String raw, String origin) {
    if (raw.startsWith("[") || raw.startsWith("{")) {
      try {
        return ConfigFactory.parseString(
                "v = " + raw, ConfigParseOptions.defaults().setOriginDescription(origin))
            .root()
            .get("v");
      } catch (ConfigException e) {
        problems.add(new ConfigProblem(origin, key, "cannot parse the value: " + e.getMessage()));
        return null;
      }
    }
    if (raw.equals("null")) {
      return ConfigValueFactory.fromAnyRef(null, origin);
    }
    if (isList(key)) {
      List<String> items =
          Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
      return ConfigValueFactory.fromIterable(new ArrayList<>(items), origin);
    }
    return ConfigValueFactory.fromAnyRef(raw, origin);
  }

  private boolean isList(String key) {
    try {
      return reference.hasPath(key) && reference.getValue(key) instanceof ConfigList;
    } catch (ConfigException e) {
      return false;
    }
  }

  private static Map<String, String> asMap(Properties properties) {
    Map<String, String> map = new TreeMap<>();
    for (String name : properties.stringPropertyNames()) {
      map.put(name, properties.getProperty(name));
    }
    return map;
  }
}
