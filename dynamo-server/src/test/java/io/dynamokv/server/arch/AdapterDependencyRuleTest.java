/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.server.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point inward (STYLE.md, buckpal's DependencyRuleTests): each adapter depends on
 * dynamo-core and its own technology, never on another adapter nor on the server that wires them.
 * Checked here, where every adapter is on the class path.
 */
class AdapterDependencyRuleTest {
  private static final String LMDB = "io.dynamokv.storage.lmdb..";
  private static final String BDB = "io.dynamokv.storage.bdb..";
  private static final String THRIFT = "io.dynamokv.transport.thrift..";
  private static final String SERVER = "io.dynamokv.server..";
  private static JavaClasses adapters;

  @BeforeAll
  static void importAdapters() {
    adapters =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.dynamokv.storage", "io.dynamokv.transport");
  }

  @Test
  void everyAdapterIsImported() {
    assertThat(adapters.containPackage("io.dynamokv.storage.lmdb")).isTrue();
    assertThat(adapters.containPackage("io.dynamokv.storage.bdb")).isTrue();
    assertThat(adapters.containPackage("io.dynamokv.transport.thrift")).isTrue();
  }

  @Test
  void adaptersNeverImportEachOther() {
    rule(LMDB, BDB, THRIFT, SERVER);
    rule(BDB, LMDB, THRIFT, SERVER);
    rule(THRIFT, LMDB, BDB, SERVER);
  }

  private static void rule(String adapter, String... others) {
    noClasses()
        .that()
        .resideInAPackage(adapter)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(others)
        .because("adapters depend on dynamo-core only; the server wires them together")
        .check(adapters);
  }
}
