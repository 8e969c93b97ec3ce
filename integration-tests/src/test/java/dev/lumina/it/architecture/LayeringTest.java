package dev.lumina.it.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering of the modules, checked on the production classes of every module: who may use the
 * tensor library, which roles may know which, and no package cycles. A failure names the offending
 * class and the dependency.
 */
@AnalyzeClasses(packages = "dev.lumina", importOptions = LayeringTest.ProductionClasses.class)
class LayeringTest {

  /** Main classes only, whatever the build folder is called ({@code -Dlumina.build.dir}). */
  static final class ProductionClasses implements ImportOption {
    @Override
    public boolean includes(Location location) {
      return !location.contains("/test-classes/");
    }
  }

  @ArchTest
  static final ArchRule onlyTheEngineAndTrainingUseDjl =
      noClasses()
          .that()
          .resideOutsideOfPackages("dev.lumina.engine..", "dev.lumina.training..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.djl..")
          .because(
              "the engine's public API speaks plain Java; only it and the trainer touch tensors");

  @ArchTest
  static final ArchRule pytorchSpecificsStayInOnePackage =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.lumina.engine.pytorch..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.djl.pytorch..")
          .because(
              "PyTorch specifics live in dev.lumina.engine.pytorch; the rest uses DJL's"
                  + " engine-neutral API");

  @ArchTest
  static final ArchRule theEngineKnowsNoTransport =
      noClasses()
          .that()
          .resideInAPackage("dev.lumina.engine..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.apache.kafka..", "io.grpc..")
          .because("the engine runs a model; Kafka and gRPC belong to the roles");

  @ArchTest
  static final ArchRule theEngineKnowsNoRole =
      noClasses()
          .that()
          .resideInAPackage("dev.lumina.engine..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.lumina.worker..",
              "dev.lumina.training..",
              "dev.lumina.gateway..",
              "dev.lumina.scheduler..");

  @ArchTest
  static final ArchRule gatewayAndSchedulerNeverTouchTheModel =
      noClasses()
          .that()
          .resideInAnyPackage("dev.lumina.gateway..", "dev.lumina.scheduler..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.lumina.worker..", "dev.lumina.engine..", "dev.lumina.training..")
          .because("the roles meet on Kafka and gRPC, not in code");

  @ArchTest
  static final ArchRule servingNeverNeedsTraining =
      noClasses()
          .that()
          .resideInAnyPackage(
              "dev.lumina.worker..", "dev.lumina.gateway..", "dev.lumina.scheduler..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.lumina.training..");

  @ArchTest
  static final ArchRule nothingImportsTheLauncher =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.lumina.deploy..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.lumina.deploy..")
          .because("deploy is the one composition root: it knows every role, none knows it");

  @ArchTest
  static final ArchRule theContractsImportNoRole =
      noClasses()
          .that()
          .resideInAPackage("dev.lumina.proto..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.lumina.artifacts..",
              "dev.lumina.gateway..",
              "dev.lumina.scheduler..",
              "dev.lumina.worker..",
              "dev.lumina.engine..",
              "dev.lumina.training..",
              "dev.lumina.deploy..");

  @ArchTest
  static final ArchRule theArtifactStoreImportsNoRole =
      noClasses()
          .that()
          .resideInAPackage("dev.lumina.artifacts..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.lumina.gateway..",
              "dev.lumina.scheduler..",
              "dev.lumina.worker..",
              "dev.lumina.engine..",
              "dev.lumina.training..",
              "dev.lumina.deploy..",
              "org.apache.kafka..",
              "io.grpc..")
          .because("workers write and gateways read the same store: it belongs to neither");

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("dev.lumina.(**)").should().beFreeOfCycles();
}
