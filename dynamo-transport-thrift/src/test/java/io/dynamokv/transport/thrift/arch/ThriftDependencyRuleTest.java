/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Thrift module by role (buckpal's DependencyRuleTests): the client library ships without the
 * server or the peer transport, the shared wire pieces at the root depend on no role, and the
 * server and the peer transport meet only through the generated services.
 */
class ThriftDependencyRuleTest {
  private static final String ROOT = "io.dynamokv.transport.thrift";
  private static JavaClasses thrift;

  @BeforeAll
  static void importModule() {
    thrift =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
  }

  @Test
  void theClientNeverImportsTheServerOrPeerSide() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".client..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ROOT + ".server..", ROOT + ".peer..")
        .because("applications embed the client library without a node's server or transport")
        .check(thrift);
  }

  @Test
  void sharedWirePiecesDependOnNoRole() {
    noClasses()
        .that()
        .resideInAPackage(ROOT)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ROOT + ".client..", ROOT + ".server..", ROOT + ".peer..")
        .check(thrift);
  }

  @Test
  void serverAndPeerTransportStayApart() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".server..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ROOT + ".peer..", ROOT + ".client..")
        .check(thrift);
    noClasses()
        .that()
        .resideInAPackage(ROOT + ".peer..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ROOT + ".server..", ROOT + ".client..")
        .check(thrift);
  }

  @Test
  void theTransportNeverImportsAStorageAdapter() {
    noClasses()
        .that()
        .resideInAPackage(ROOT + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.dynamokv.storage..")
        .because("adapters never import each other")
        .check(thrift);
  }
}
