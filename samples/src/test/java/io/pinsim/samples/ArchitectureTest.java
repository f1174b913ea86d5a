package io.pinsim.samples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of DESIGN.md §2 and README "Layout", as rules the build enforces (ArchUnit). Each test
 * is one sentence of the design. It runs here because this module sees every other module's
 * classes.
 */
class ArchitectureTest {
    private static JavaClasses pinsim;

    @BeforeAll
    static void importClasses() {
        // Not the runtime's own tests, which ModelCoherenceTest runs from the runtime's test jar: they
        // may reach into the implementation and use JUnit, as tests do.
        pinsim = new ClassFileImporter()
                .withImportOption(location -> !location.contains("pinsim-runtime") || !location.contains("-tests.jar"))
                .withImportOption(location -> !location.contains("/runtime/target/test-classes/"))
                .importPackages("io.pinsim");
        assertThat(pinsim.stream().map(c -> c.getPackageName()).distinct())
                .as("the importer sees every module")
                .contains("io.pinsim.runtime", "io.pinsim.runtime.internal.mm", "io.pinsim.devices", "io.pinsim.dsl", "io.pinsim.junit", "io.pinsim.samples");
    }

    @Test
    void packagesDoNotFormCycles() {
        slices().matching("io.pinsim.(**)").should().beFreeOfCycles().check(pinsim);
    }

    @Test
    void theModuleArrowsRunOneWayFromRuntimeToSamples() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("runtime").definedBy("io.pinsim.runtime..")
                .layer("devices").definedBy("io.pinsim.devices..")
                .layer("dsl").definedBy("io.pinsim.dsl..")
                .layer("junit-extension").definedBy("io.pinsim.junit..")
                .layer("samples").definedBy("io.pinsim.samples..")
                .whereLayer("samples").mayNotBeAccessedByAnyLayer()
                .whereLayer("junit-extension").mayOnlyBeAccessedByLayers("samples")
                .whereLayer("dsl").mayOnlyBeAccessedByLayers("junit-extension", "samples")
                .whereLayer("devices").mayOnlyBeAccessedByLayers("dsl", "junit-extension", "samples")
                .check(pinsim);
    }

    @Test
    void onlyTheRuntimeUsesItsImplementationPackages() {
        noClasses().that().resideOutsideOfPackage("io.pinsim.runtime..")
                .should().dependOnClassesThat().resideInAPackage("io.pinsim.runtime.internal..")
                .because("devices, the DSL, the extension and the samples use the public API and the driver SPI only")
                .check(pinsim);
    }

    @Test
    void thePublicApiDoesNotDependOnItsImplementation() {
        noClasses().that().resideInAnyPackage("io.pinsim.runtime", "io.pinsim.runtime.model..", "io.pinsim.runtime.trace..", "io.pinsim.runtime.spi..",
                        "io.pinsim.runtime.explore..", "io.pinsim.runtime.lockdep..")
                .should().dependOnClassesThat().resideInAPackage("io.pinsim.runtime.internal..")
                .because("Kernel.builder() finds the implementation through ServiceLoader and drivers attach through spi.DriverHost")
                .check(pinsim);
    }

    @Test
    void theImplementationIsLayeredLikeTheKernelsCallGraph() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("locking").definedBy("io.pinsim.runtime.internal.locking..")
                .layer("mm").definedBy("io.pinsim.runtime.internal.mm..")
                .layer("dma_buf").definedBy("io.pinsim.runtime.internal.dma_buf..")
                .layer("iommu").definedBy("io.pinsim.runtime.internal.iommu..")
                .layer("block").definedBy("io.pinsim.runtime.internal.block..")
                .layer("fs").definedBy("io.pinsim.runtime.internal.fs..")
                .layer("io_uring").definedBy("io.pinsim.runtime.internal.io_uring..")
                .layer("kernel").definedBy("io.pinsim.runtime.internal.kernel..")
                .whereLayer("kernel").mayNotBeAccessedByAnyLayer()
                .whereLayer("dma_buf").mayOnlyBeAccessedByLayers("kernel")
                .whereLayer("iommu").mayOnlyBeAccessedByLayers("kernel")
                .whereLayer("mm").mayOnlyBeAccessedByLayers("block", "fs", "io_uring", "kernel", "dma_buf", "iommu")
                .whereLayer("io_uring").mayOnlyBeAccessedByLayers("kernel")
                .whereLayer("fs").mayOnlyBeAccessedByLayers("io_uring", "kernel")
                .whereLayer("block").mayOnlyBeAccessedByLayers("fs", "io_uring", "kernel")
                .because("mm reaches files through AddressSpace.Host and processes through MmOwner, as the kernel reaches them through function pointers")
                .check(pinsim);
    }

    @Test
    void runtimeAndDevicesDependOnNothingButTheJdkAndSlf4j() {
        classes().that().resideInAnyPackage("io.pinsim.runtime..", "io.pinsim.devices..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "org.slf4j..", "io.pinsim.runtime..", "io.pinsim.devices..")
                .because("the model is embeddable anywhere: JUnit, AssertJ, Hamcrest and ByteBuddy never reach runtime or devices")
                .check(pinsim);
    }

    @Test
    void noMainSourceFileIsOver500Lines() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> tooLong;
        try (Stream<Path> files = Files.walk(root)) {
            tooLong = files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
                    .filter(p -> lines(p) > 500)
                    .map(p -> root.relativize(p) + " (" + lines(p) + " lines)")
                    .sorted()
                    .toList();
        }
        assertThat(tooLong).as("main source files over 500 lines: split them by concern").isEmpty();
    }

    private static long lines(Path p) {
        try (Stream<String> s = Files.lines(p)) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
