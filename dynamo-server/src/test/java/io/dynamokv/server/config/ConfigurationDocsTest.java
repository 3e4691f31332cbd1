/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/configuration.md documents exactly the settings of reference.conf. */
class ConfigurationDocsTest {
  private static final Path DOC = Path.of("..", "docs", "configuration.md");

  /** The first column of the settings tables: {@code | `dynamo.x.y` |}. */
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `(dynamo\\.[a-z0-9.-]+)` \\|");

  @Test
  void everySettingIsDocumentedAndEveryDocumentedSettingExists() throws Exception {
    Set<String> settings =
        new TreeSet<>(Overrides.environmentNames(ConfigLoader.reference()).values());
    Set<String> documented = new TreeSet<>();
    Matcher m = ROW.matcher(Files.readString(DOC));
    while (m.find()) {
      documented.add(m.group(1));
    }

    assertThat(settings).contains("dynamo.node.id", "dynamo.stores", "dynamo.metrics.port");
    assertThat(documented)
        .as("settings of reference.conf documented in %s", DOC)
        .containsExactlyElementsOf(settings);
  }
}
