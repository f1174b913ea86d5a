package io.pinsim.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.EventConditions.displayName;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.opentest4j.AssertionFailedError;

/** The extension's behaviour, tested through the JUnit Platform EngineTestKit on the fixtures in {@link ExtensionTestCases}. */
class PinsimExtensionTest {

    private static Events run(Class<?> fixture, Map<String, String> config) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).configurationParameters(config).execute().testEvents();
    }

    @Test
    void injectsAKernelScenarioModelAndDevicesOnOneKernel() {
        run(ExtensionTestCases.Injection.class, Map.of()).assertStatistics(s -> s.started(3).succeeded(3));
    }

    @Test
    void modelAndSeedComeFromTheConfigurationWhenTheAnnotationIsSilent() {
        run(ExtensionTestCases.FromConfiguration.class, Map.of("pinsim.model", "LINUX_6_1", "pinsim.seed", "7")).assertStatistics(s -> s.succeeded(1));
    }

    @Test
    void runsOncePerModelNamedAfterIt() {
        Events events = run(ExtensionTestCases.PerModel.class, Map.of());
        events.assertStatistics(s -> s.started(8).succeeded(8));
        for (String name : new String[] {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6", "5.9-rc1"}) {
            events.assertThatEvents().haveAtLeastOne(event(test(), displayName(name), finishedSuccessfully()));
        }
    }

    @Test
    void aModelVariantAppliesItsValuesTogether() {
        Events events = run(ExtensionTestCases.Variants.class, Map.of());
        events.assertStatistics(s -> s.started(3).succeeded(3));
        events.assertThatEvents().haveExactly(1, event(test(), displayName("6.6-share-pinned"), finishedSuccessfully()));
    }

    @Test
    void theConfiguredVariantChangesEveryModelAndRefusalsFailTheirInvocation() {
        Events events = run(ExtensionTestCases.Variants.class, Map.of("pinsim.variant", "GupFastVsFork.UNSERIALIZED"));
        events.assertStatistics(s -> s.started(3).succeeded(3));
        for (String name : new String[] {"LINUX_5_10+GupFastVsFork.UNSERIALIZED", "LINUX_6_6+GupFastVsFork.UNSERIALIZED", "6.6-share-pinned+GupFastVsFork.UNSERIALIZED"}) {
            events.assertThatEvents().haveExactly(1, event(test(), displayName(name), finishedSuccessfully()));
        }
        Events refused = run(ExtensionTestCases.Variants.class, Map.of("pinsim.variant", "CowReuse.REFCOUNT_EQ_1"));
        refused.assertStatistics(s -> s.started(3).succeeded(1).failed(2));
        refused.assertThatEvents()
                .haveExactly(1, event(test(), displayName("LINUX_5_10"), finishedSuccessfully()))
                .haveExactly(1, event(test(), displayName("LINUX_6_6+CowReuse.REFCOUNT_EQ_1"), finishedWithFailure(instanceOf(IllegalArgumentException.class),
                        message(m -> m.startsWith("LINUX_6_6 with CowReuse.REFCOUNT_EQ_1 is not a coherent kernel model:")))));
        // @PinsimTest too: the fixture expects LINUX_6_1 itself and gets the variant
        run(ExtensionTestCases.FromConfiguration.class, Map.of("pinsim.model", "LINUX_6_1", "pinsim.seed", "7", "pinsim.variant", "GupFastVsFork.UNSERIALIZED"))
                .assertStatistics(s -> s.failed(1));
    }

    @Test
    void knownBugsPassWhereTheyReproduceAndFailOtherwise() {
        Events events = run(ExtensionTestCases.KnownBugs.class, Map.of());
        events.assertStatistics(s -> s.started(7).succeeded(5).failed(2));
        events.assertThatEvents()
                .haveExactly(1, event(test("wrongClaim"), finishedWithFailure(instanceOf(AssertionFailedError.class),
                        message(m -> m.startsWith("The documented bug did not reproduce on LINUX_6_6") && m.contains("a wrong claim")))))
                .haveExactly(1, event(test("crashes"), finishedWithFailure(instanceOf(IllegalStateException.class))));
        var reproduced = events.list().stream().filter(e -> e.getTestDescriptor().getDisplayName().equals("LINUX_4_19")).count();
        assertThat(reproduced).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aFailureCarriesTheModelTheSeedTheRerunCommandAndTheTraceTable(@TempDir Path dir) throws Exception {
        Events events = run(ExtensionTestCases.Failing.class, Map.of("pinsim.reportDir", dir.toString()));
        events.assertStatistics(s -> s.started(3).succeeded(1).failed(2));
        events.assertThatEvents().haveExactly(1, event(test("parentLosesDma"), finishedWithFailure(instanceOf(AssertionFailedError.class), message(m ->
                m.contains("Expecting process \"A\" at 0x7f0000000000 (1 page) to see:")
                        && m.contains("pinsim: kernel model LINUX_5_8 (5.8: GUP breaks COW even for reads), seed 3")
                        && m.contains("rerun with: -Dpinsim.model=LINUX_5_8 -Dpinsim.seed=3")
                        && m.contains(" step | kernel ") && m.contains("| A ")
                        && m.contains("full trace and timeline: ")))));
        events.assertThatEvents().haveExactly(1, event(test("neverAsserted"), finishedWithFailure(message(m -> m.startsWith("The scenario ran 3 step(s) but never reached an assertion")))));
        Path failed = dir.resolve("Failing.parentLosesDma");
        assertThat(Files.readString(failed.resolve("trace.txt"))).contains("COW_COPY").contains("rerun with:");
        assertThat(Files.readString(failed.resolve("timeline.html"))).contains("<th>rdma0</th>").contains("Who holds which frame")
                // after the parent's write, the pinned frame is the child's alone: the snapshot rows say so, and what it was before
                .contains("mapped by A-child 0x7f0000000000 ro; held by PIN by rdma0")
                .contains("mapped by A 0x7f0000000000 ro, A-child 0x7f0000000000 ro; held by PIN by rdma0")
                .contains("<i>(before, after step ");
        assertThat(dir.resolve("Failing.passesAndKeepsItsTrace").resolve("timeline.html")).exists();
        assertThat(dir.resolve("Failing.neverAsserted")).doesNotExist();
    }

    @Test
    void injectsFaultsIntoDrivers() {
        Events events = run(ExtensionTestCases.FaultInjection.class, Map.of());
        events.assertStatistics(s -> s.started(4).succeeded(3).failed(1));
        events.assertThatEvents().haveExactly(1, event(test("unknownMethod"), finishedWithFailure(
                message(m -> m.contains("has no method \"nothingLikeThis\"")))));
    }

    @Test
    void twoHundredTestsInParallelEachOnItsOwnKernel() {
        Events events = run(ExtensionTestCases.Parallel.class, Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent"));
        events.assertStatistics(s -> s.started(200).succeeded(200));
    }
}
