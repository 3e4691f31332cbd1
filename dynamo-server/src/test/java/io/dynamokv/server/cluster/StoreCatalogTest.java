/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dynamokv.core.NodeId;
import io.dynamokv.core.node.StoreDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoreCatalogTest {
  private static final NodeId PEER = NodeId.of("n2");
  private final StoreDefinition a = StoreDefinition.of("a");
  private final StoreDefinition b = StoreDefinition.of("b", 5, 3, 3);

  @Test
  void theFingerprintIgnoresDeclarationOrder() {
    assertThat(StoreCatalog.of(List.of(a, b)).fingerprint())
        .isEqualTo(StoreCatalog.of(List.of(b, a)).fingerprint())
        .hasSize(32);
    assertThat(StoreCatalog.of(List.of(a, b))).isEqualTo(StoreCatalog.of(List.of(b, a)));
  }

  @Test
  void theFingerprintIsStableAcrossVersions() {
    // A change here breaks mixed-version clusters: bump FORMAT on purpose, never by accident.
    assertThat(StoreCatalog.of(List.of(StoreDefinition.of("default"))).canonical())
        .isEqualTo(
            "dynamo-stores/1\ndefault N=3 R=2 W=2 max-key-bytes=256 max-value-bytes=1048576"
                + " max-siblings=25 max-bytes-per-key=5242880 max-context-bytes=65536\n");
    assertThat(StoreCatalog.of(List.of(StoreDefinition.of("default"))).fingerprint())
        .isEqualTo("f07dfc8a83168735fa8329bc4f0d5737");
  }

  @Test
  void anyFieldChangesTheFingerprint() {
    String base = StoreCatalog.of(List.of(a)).fingerprint();
    List<StoreDefinition> variants =
        List.of(
            StoreDefinition.of("a", 3, 1, 2),
            StoreDefinition.of("a", 3, 2, 1),
            StoreDefinition.of("a", 4, 2, 2),
            new StoreDefinition("a", 3, 2, 2, 255, 1 << 20, 25, 5 << 20, 64 << 10),
            new StoreDefinition("a", 3, 2, 2, 256, 1 << 20, 24, 5 << 20, 64 << 10),
            StoreDefinition.of("c"));
    assertThat(variants)
        .allSatisfy(v -> assertThat(StoreCatalog.of(List.of(v)).fingerprint()).isNotEqualTo(base));
  }

  @Test
  void disagreementNamesThePeerAndWhatToCompare() {
    StoreCatalog here = StoreCatalog.of(List.of(a));
    StoreCatalog there = StoreCatalog.of(List.of(StoreDefinition.of("a", 3, 1, 1), b));

    assertThat(here.checkAgreement(PEER, here.fingerprint())).isEmpty();
    assertThat(here.checkAgreement(PEER, there.fingerprint()))
        .get()
        .asString()
        .startsWith("node n2 declares different stores (fingerprint " + there.fingerprint())
        .contains("compare dynamo.stores");
    assertThat(here.differences(PEER, there))
        .containsExactly(
            "store a: here N=3 R=2 W=2 max-key-bytes=256 max-value-bytes=1048576 max-siblings=25"
                + " max-bytes-per-key=5242880 max-context-bytes=65536, on n2 N=3 R=1 W=1"
                + " max-key-bytes=256 max-value-bytes=1048576 max-siblings=25"
                + " max-bytes-per-key=5242880 max-context-bytes=65536",
            "store b is declared on n2 but not here");
    assertThat(here.differences(PEER, here)).isEmpty();
  }

  @Test
  void duplicateNamesAreRefused() {
    assertThatThrownBy(() -> StoreCatalog.of(List.of(a, StoreDefinition.of("a", 1, 1, 1))))
        .hasMessage("store a is declared twice");
  }
}
