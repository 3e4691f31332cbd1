/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Walks a resolved configuration against {@code reference.conf}: every key must exist there, and
 * sections must stay sections. Typos get a "did you mean". The elements of {@code dynamo.stores}
 * are checked against {@code dynamo.store-defaults} plus {@code name}.
 */
final class KeyCheck {
  static final String STORES = "dynamo.stores";
  static final String STORE_DEFAULTS = "dynamo.store-defaults";

  private final ConfigObject reference;
  private final List<ConfigProblem> unknown = new ArrayList<>();
  private final List<ConfigProblem> structural = new ArrayList<>();

  private KeyCheck(ConfigObject reference) {
    this.reference = reference;
  }

  /** Checks {@code config} (resolved, with the reference as fallback) against {@code reference}. */
  static KeyCheck run(ConfigObject config, ConfigObject reference) {
    KeyCheck check = new KeyCheck(reference);
    check.walk("", config, reference);
    return check;
  }

  /** Keys that reference.conf does not have. */
  List<ConfigProblem> unknownKeys() {
    return unknown;
  }

  /** Values that should have been sections (or lists of store sections) and are not. */
  List<ConfigProblem> structuralProblems() {
    return structural;
  }

  private void walk(String prefix, ConfigObject config, ConfigObject ref) {
    for (Map.Entry<String, ConfigValue> e : new TreeMap<>(config).entrySet()) {
      String key = e.getKey();
      String path = prefix.isEmpty() ? quote(key) : prefix + "." + quote(key);
      ConfigValue value = e.getValue();
      ConfigValue expected = ref.get(key);
      if (expected == null) {
        unknown.add(
            ConfigProblem.at(value.origin(), path, "unknown key" + suggestion(prefix, key, ref)));
      } else if (expected.valueType() == ConfigValueType.OBJECT) {
        if (value.valueType() != ConfigValueType.OBJECT) {
          structural.add(
              ConfigProblem.at(
                  value.origin(),
                  path,
                  "expected a section { ... }, found " + Values.describe(value)));
        } else {
          walk(path, (ConfigObject) value, (ConfigObject) expected);
        }
      } else if (path.equals(STORES)) {
        walkStores(value);
      }
    }
  }

  private void walkStores(ConfigValue value) {
    if (value.valueType() != ConfigValueType.LIST) {
      structural.add(
          ConfigProblem.at(
              value.origin(),
              STORES,
              "expected a list of stores [{ name = ... }, ...], found " + Values.describe(value)));
      return;
    }
    ConfigObject storeKeys = storeKeys();
    ConfigList list = (ConfigList) value;
    for (int i = 0; i < list.size(); i++) {
      ConfigValue element = list.get(i);
      String path = STORES + "[" + i + "]";
      if (element.valueType() != ConfigValueType.OBJECT) {
        structural.add(
            ConfigProblem.at(
                element.origin(),
                path,
                "expected a store { name = ..., replicas = ... }, found "
                    + Values.describe(element)));
      } else {
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>((ConfigObject) element).entrySet()) {
          if (!storeKeys.containsKey(e.getKey())) {
            unknown.add(
                ConfigProblem.at(
                    e.getValue().origin(),
                    path + "." + quote(e.getKey()),
                    "unknown store setting" + suggestion(path, e.getKey(), storeKeys)));
          }
        }
      }
    }
  }

  /** {@code name} plus the keys of {@code store-defaults}. */
  private ConfigObject storeKeys() {
    ConfigObject defaults =
        (ConfigObject) ((ConfigObject) reference.get("dynamo")).get("store-defaults");
    return defaults.withValue("name", ConfigValueFactory.fromAnyRef("name"));
  }

  /** " (did you mean x?)" for a near key at the same level or the same key elsewhere, else "". */
  private String suggestion(String prefix, String key, ConfigObject siblings) {
    Optional<String> near =
        siblings.keySet().stream()
            .filter(candidate -> similar(key, candidate))
            .min((a, b) -> Integer.compare(distance(key, a), distance(key, b)));
    if (near.isPresent()) {
      return " (did you mean " + (prefix.isEmpty() ? "" : prefix + ".") + near.get() + "?)";
    }
    List<String> elsewhere = new ArrayList<>();
    collectPaths("", reference, key, elsewhere);
    return elsewhere.isEmpty() ? "" : " (did you mean " + String.join(" or ", elsewhere) + "?)";
  }

  private static void collectPaths(String prefix, ConfigObject ref, String key, List<String> out) {
    for (Map.Entry<String, ConfigValue> e : new TreeMap<>(ref).entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (similar(key, e.getKey())) {
        out.add(path);
      }
      if (e.getValue().valueType() == ConfigValueType.OBJECT) {
        collectPaths(path, (ConfigObject) e.getValue(), key, out);
      }
    }
  }

  /** Same words in another spelling (data_dir, dataDir), or a small typo. */
  static boolean similar(String typed, String candidate) {
    String a = normalize(typed);
    String b = normalize(candidate);
    if (a.equals(b)) {
      return true;
    }
    int allowed = Math.min(a.length(), b.length()) >= 6 ? 2 : 1;
    return distance(a, b) <= allowed;
  }

  private static String normalize(String key) {
    return key.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
  }

  /** Edit distance counting an adjacent transposition as one edit. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** A key as it would be written in a path: quoted when it holds characters paths reserve. */
  private static String quote(String key) {
    return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key.replace("\"", "\\\"") + "\"";
  }
}
