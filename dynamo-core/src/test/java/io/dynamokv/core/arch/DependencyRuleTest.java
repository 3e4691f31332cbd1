/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.core.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hexagon's dependency rule (after buckpal's DependencyRuleTests): the domain depends on the
 * JDK and on itself, nothing else, so it can run in one deterministic thread and be reused as a
 * library.
 */
class DependencyRuleTest {
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.dynamokv.core");
  }

  @Test
  void coreDependsOnTheJdkOnly() {
    classes()
        .that()
        .resideInAPackage("io.dynamokv.core..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("io.dynamokv.core..", "java..", "javax.crypto..")
        .because(
            "dynamo-core is pure domain: technologies live in adapter modules (the JDK's own"
                + " HMAC, for signing contexts, is part of the JDK)")
        .check(core);
  }

  @Test
  void coreNeverReadsTheSystemClockOrSpawnsThreads() {
    noClasses()
        .that()
        .resideInAPackage("io.dynamokv.core..")
        .and()
        .resideOutsideOfPackage("io.dynamokv.core.spi..")
        .and()
        .resideOutsideOfPackage("io.dynamokv.core.storage..")
        .and()
        .resideOutsideOfPackage("io.dynamokv.core.runtime..")
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callConstructor(Thread.class, Runnable.class)
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.concurrent.ScheduledExecutorService")
        .because("time, scheduling and randomness reach the domain through the spi ports")
        .check(core);
  }

  @Test
  void theClientApiKnowsNothingOfTheServerSide() {
    noClasses()
        .that()
        .resideInAPackage("io.dynamokv.core.client..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.dynamokv.core.spi..", "io.dynamokv.core.node..", "io.dynamokv.core.storage..")
        .check(core);
  }

  /**
   * The layers: the pure packages are values, codecs and state machines that the node and
   * membership compose; they never reach up into either.
   */
  @Test
  void purePackagesNeverImportTheNodeOrMembership() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.dynamokv.core.ring..",
            "io.dynamokv.core.version..",
            "io.dynamokv.core.quorum..",
            "io.dynamokv.core.spi..",
            "io.dynamokv.core.wire..",
            "io.dynamokv.core.merkle..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.dynamokv.core.node..", "io.dynamokv.core.membership..")
        .because("pure packages sit below the node and membership, which compose them")
        .check(core);
  }

  /** Each peer protocol owns its package; the node composes them, never the other way round. */
  @Test
  void protocolsNeverImportTheNode() {
    noClasses()
        .that()
        .resideInAnyPackage("io.dynamokv.core.coordination..", "io.dynamokv.core.membership..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.dynamokv.core.node..")
        .check(core);
  }
}
