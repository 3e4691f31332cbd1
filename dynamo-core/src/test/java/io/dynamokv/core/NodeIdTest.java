/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NodeIdTest {
  @Test
  void acceptsOneTo64CharactersOfTheAllowedSet() {
    String all = "azAZ09._-";
    assertThat(NodeId.of(all).value()).isEqualTo(all);
    assertThat(NodeId.of("x").value()).isEqualTo("x");
    assertThat(NodeId.of("n".repeat(64)).value()).hasSize(64);
  }

  @Test
  void rejectsEverythingElseWithTheRule() {
    for (String bad :
        new String[] {"", "n".repeat(65), "a b", "a/b", "é", "a:1", "a@b", "[", "`", "{", "~"}) {
      assertThatThrownBy(() -> NodeId.of(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("node id must be 1 to 64 characters from [A-Za-z0-9._-], found: " + bad);
    }
    assertThatThrownBy(() -> NodeId.of(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("found: null");
  }
}
