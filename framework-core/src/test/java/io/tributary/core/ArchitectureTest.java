package io.tributary.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The rules that keep framework-core the dependency-free API every service compiles against. */
class ArchitectureTest {
  private static final JavaClasses CORE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.tributary.core");
  private static final JavaClasses TESTS = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
      .importPackages("io.tributary.core");

  @Test
  void coreIsFreeOfInfrastructure() {
    noClasses().should().dependOnClassesThat()
        .resideInAnyPackage("org.apache.kafka..", "kafka..", "org.rocksdb..", "io.grpc..", "io.micronaut..",
            "io.lettuce..", "co.elastic..", "io.netty..")
        .because("framework-core is the API services compile against; infrastructure lives in the runtime modules")
        .check(CORE);
  }

  @Test
  void coreDependsOnProtobufAndJSpecifyOnly() {
    classes().should().onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "com.google.protobuf..", "org.jspecify..", "io.tributary.core..")
        .because("framework-core depends on protobuf-java and JSpecify only (docs/adr/0001-module-layout.md)")
        .check(CORE);
  }

  @Test
  void corePackagesHaveNoCycles() {
    slices().matching("io.tributary.core.(*)..").should().beFreeOfCycles().check(CORE);
  }

  @Test
  void testClassesAreNamedSoTheBuildRunsThem() {
    methods().that().areAnnotatedWith(org.junit.jupiter.api.Test.class)
        .or().areAnnotatedWith(net.jqwik.api.Property.class)
        .should().beDeclaredInClassesThat().haveSimpleNameEndingWith("Test")
        .orShould().beDeclaredInClassesThat().haveSimpleNameEndingWith("IT")
        .because("surefire and failsafe run only *Test and *IT classes; any other name is silently skipped")
        .check(TESTS);
  }
}
