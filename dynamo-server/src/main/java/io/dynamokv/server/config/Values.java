/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Locale;

/** How problems show the values they complain about. */
final class Values {
  private static final int MAX_SHOWN = 60;

  private Values() {}

  /** {@code string "abc"}, {@code number 5}, {@code list [1,2]}, {@code null}. */
  static String describe(ConfigValue value) {
    if (value == null || value.valueType() == ConfigValueType.NULL) {
      return "null";
    }
    String type = value.valueType().name().toLowerCase(Locale.ROOT);
    if (value.valueType() == ConfigValueType.OBJECT) {
      type = "section";
    }
    String rendered = value.render(ConfigRenderOptions.concise());
    if (rendered.length() > MAX_SHOWN) {
      rendered = rendered.substring(0, MAX_SHOWN) + "...";
    }
    return type + " " + rendered;
  }
}
