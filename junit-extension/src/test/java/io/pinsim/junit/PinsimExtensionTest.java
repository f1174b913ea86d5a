package io.pinsim.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.EventConditions.displayName;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.cause;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.StepFailedException;
import io.pinsim.runtime.model.KernelModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
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
    void theConfigurationParameterPinsimModelsRunsOnlyTheInvocationsItNames() {
        Events events = run(ExtensionTestCases.PerModel.class, Map.of("pinsim.models", "LINUX_5_10,5.9-rc1"));
        events.assertStatistics(s -> s.started(3).succeeded(3));
        events.assertThatEvents().haveExactly(2, event(test(), displayName("LINUX_5_10"), finishedSuccessfully()))
                .haveExactly(1, event(test(), displayName("5.9-rc1"), finishedSuccessfully()));
    }

    /** pinsim.proposals adds every proposal model to a test of all models (not to one that lists its models); pinsim.models may name one. */
    @Test
    void theConfigurationParameterPinsimProposalsAddsTheProposalModels() {
        Events events = run(ExtensionTestCases.PerModel.class, Map.of("pinsim.proposals", "true"));
        events.assertStatistics(s -> s.started(8 + KernelModel.proposals().size()).succeeded(8 + KernelModel.proposals().size()));
        for (KernelModel p : KernelModel.proposals()) {
            events.assertThatEvents().haveExactly(1, event(test(), displayName(p.name()), finishedSuccessfully()));
        }
        Events one = run(ExtensionTestCases.PerModel.class, Map.of("pinsim.models", "PROPOSAL_FORK_COPY_GUP_PAGES"));
        one.assertStatistics(s -> s.started(1).succeeded(1));
        one.assertThatEvents().haveExactly(1, event(test(), displayName("PROPOSAL_FORK_COPY_GUP_PAGES"), finishedSuccessfully()));
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

    void knownBugsPassWhereTheyReproduceAsDocumentedAndFailOnAnUnexpectedPass() {
        Events events = run(ExtensionTestCases.KnownBugs.class, Map.of());
        events.assertStatistics(s -> s.started(6).succeeded(5).failed(1));
        events.assertThatEvents()
                .haveExactly(1, event(test("wrongClaim"), finishedWithFailure(instanceOf(BugDidNotReproduceError.class),
                        message(m -> m.startsWith("The documented bug did not reproduce on LINUX_6_6") && m.contains("DATA_CORRUPTION")
                                && m.contains("a wrong claim")))));
        List<Map<String, String>> reproduced = entries(events, ReportEntries.OUTCOME, Outcome.BUG_REPRODUCED.name());
        assertThat(reproduced).hasSize(2).allSatisfy(e -> {
            assertThat(e).containsEntry(ReportEntries.BUG_KIND, BugKind.DEVICE_DATA_LOST.name());
            assertThat(e.get(ReportEntries.BUG_BECAUSE)).contains("copied frame #1");
            assertThat(e.get(ReportEntries.SUMMARY)).matches("\\[LINUX_(4_19|5_8)\\] known bug reproduced \\(70e806e4e645\\)");
        });
        assertThat(entries(events, ReportEntries.OUTCOME, Outcome.OK.name())).hasSize(3);
        assertThat(entries(events, ReportEntries.OUTCOME, Outcome.UNEXPECTED_PASS.name())).hasSize(1);
    }

    /** @Explore configures forkRacingPin's exploration; a known bug reproduces when the failing schedule fails as documented. */
    @Test
    void exploreConfiguresTheRacingStepsAndAFailureSaysHowToRerunIt() {
        Events events = run(ExtensionTestCases.Explored.class, Map.of());
        events.assertStatistics(s -> s.started(4).succeeded(3).failed(1));
        assertThat(entries(events, ReportEntries.OUTCOME, Outcome.BUG_REPRODUCED.name())).hasSize(2)
                .allSatisfy(e -> assertThat(e.get(ReportEntries.BUG_BECAUSE)).contains("up to 1 preemption(s)").contains("rerun it with @Explore(schedule = \""));
        events.assertThatEvents().haveExactly(1, event(test("replaysOneSchedule"), finishedWithFailure(
                message(m -> unwrapped(m).contains("replayed the schedule T2*3,T1*7 of forkRacingPin(RDMA) (@Explore(schedule = \"T2*3,T1*7\")): FAILED")))));
    }

    /**
     * The extension publishes what a test explored (schedules, failures, how) with its outcome, for
     * the catalogue; @Explore(pct = ..) explores with PCT; a test's own explorer runs through its
     * Exploration parameter; a schedule with PCT is refused, naming the fix.
     */
    @Test
    void exploreWithPctAndOwnExplorersPublishTheCounts() {
        Events events = run(ExtensionTestCases.ExploredPct.class, Map.of());
        events.assertStatistics(s -> s.started(3).succeeded(2).failed(1));
        assertThat(entries(events, ReportEntries.EXPLORE_SEARCH, "PCT depth 2, 20 runs")).singleElement().satisfies(e -> {
            assertThat(e.get(ReportEntries.OUTCOME)).isEqualTo(Outcome.OK.name());
            assertThat(e.get(ReportEntries.EXPLORED)).isEqualTo("20");
            assertThat(e.get(ReportEntries.EXPLORE_FAILED)).isEqualTo("0");
        });
        assertThat(entries(events, ReportEntries.EXPLORE_SEARCH, "up to 1 preemption")).singleElement()
                .satisfies(e -> assertThat(e.get(ReportEntries.EXPLORED)).isEqualTo("2"));
        events.assertThatEvents().haveExactly(1, event(test("scheduleAndPct"), finishedWithFailure(
                message(m -> m.contains("@Explore(schedule = \"T1\", pct = @Pct(runs = 5)): a replay runs one schedule; drop pct to replay it")))));
    }

    /** On a model @KnownBug names, only an assertion of the expected kind with the because fragment is the bug; anything else fails the test. */
    @Test
    void aWrongFailureOnAKnownBugModelFailsTheTest() {
        Events events = run(ExtensionTestCases.WrongFailures.class, Map.of());
        events.assertStatistics(s -> s.started(5).succeeded(0).failed(5));
        events.assertThatEvents()
                .haveExactly(1, event(test("stepCannotRun"), finishedWithFailure(instanceOf(NotTheDocumentedBugError.class),
                        cause(instanceOf(StepFailedException.class)),
                        message(m -> m.startsWith("Not the documented bug: @KnownBug(a step that cannot run) expects DATA_CORRUPTION")
                                && unwrapped(m).contains("but the test failed with StepFailedException, not with an assertion")
                                && m.contains("Step madvise(MADV_PAGEOUT) failed:\n  EINVAL")))))
                .haveExactly(1, event(test("wrongKind"), finishedWithFailure(instanceOf(NotTheDocumentedBugError.class),
                        message(m -> m.startsWith("Not the documented bug: @KnownBug(a wrong kind) expects DEVICE_DATA_LOST")
                                && unwrapped(m).contains("but a STALE_PIN assertion failed")))))
                .haveExactly(1, event(test("wrongBecause"), finishedWithFailure(instanceOf(NotTheDocumentedBugError.class),
                        message(m -> unwrapped(m).contains("whose because: contains \"reused frame\" on LINUX_5_8; the DEVICE_DATA_LOST assertion failed, but because: at step 8")))))
                .haveExactly(1, event(test("plainAssertion"), finishedWithFailure(instanceOf(NotTheDocumentedBugError.class),
                        message(m -> unwrapped(m).contains("but the test failed with AssertionError, an assertion that names no pinsim BugKind")))))
                .haveExactly(1, event(test("crashes"), finishedWithFailure(instanceOf(NotTheDocumentedBugError.class),
                        cause(instanceOf(IllegalStateException.class)))));
        var wrongKind = events.failed().stream().map(e -> e.getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow())
                .filter(t -> t.getMessage().contains("a wrong kind")).findFirst().orElseThrow();
        assertThat(wrongKind).isInstanceOfSatisfying(NotTheDocumentedBugError.class, e -> {
            assertThat(e.expectedKind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
            assertThat(e.getExpected().getValue()).isEqualTo("DEVICE_DATA_LOST");
            assertThat((String) e.getActual().getValue()).startsWith("STALE_PIN because: ");
        });
        assertThat(entries(events, ReportEntries.OUTCOME, Outcome.UNEXPECTED_FAILURE.name())).extracting(e -> e.get(ReportEntries.FAILURE))
                .containsExactlyInAnyOrder("StepFailedException", "STALE_PIN", "DEVICE_DATA_LOST", "AssertionError", "IllegalStateException");
    }

    /** A message with its wrapped sentences joined again (continuation lines start with two spaces). */
    private static String unwrapped(String m) {
        return m.replace("\n  ", " ");
    }

    /** The mismatch sentence and the "did not reproduce" sentence wrap at 120 columns; nothing of them is lost. */
    @Test
    void theKnownBugSentencesWrapAt120Columns() throws NoSuchMethodException {
        KnownBug kb = ExtensionTestCases.WrongFailures.class.getDeclaredMethod("stepCannotRun", io.pinsim.dsl.Scenario.class).getAnnotation(KnownBug.class);
        String why = PinsimExtension.mismatch(kb, "LINUX_4_19", new AssertionError("x"));
        String wrapped = TraceReport.wrapped(why);
        assertThat(why).hasSizeGreaterThan(120);
        assertThat(wrapped.lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(120)).hasSizeGreaterThan(1);
        assertThat(unwrapped(wrapped)).isEqualTo(why);
        // in the thrown messages: the sentence (its first line and the indented lines after it) fits the console
        Events events = run(ExtensionTestCases.WrongFailures.class, Map.of());
        assertThat(events.failed().list()).hasSize(5).allSatisfy(e -> {
            List<String> lines = e.getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow().getMessage().lines().toList();
            assertThat(lines.get(0)).startsWith("Not the documented bug: ");
            for (int i = 0; i == 0 || lines.get(i).startsWith("  "); i++) {
                assertThat(lines.get(i).length()).as(lines.get(i)).isLessThanOrEqualTo(120);
            }
        });
    }

    /** The report entries published during the run whose key has this value. */
    private static List<Map<String, String>> entries(Events events, String key, String value) {
        return events.reportingEntryPublished().stream().map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs())
                .filter(kv -> value.equals(kv.get(key))).toList();
    }

    @Test
    void aFailureCarriesTheModelTheSeedTheRerunCommandAndTheTraceTable(@TempDir Path dir) throws Exception {
        Events events = run(ExtensionTestCases.Failing.class, Map.of("pinsim.reportDir", dir.toString()));
        events.assertStatistics(s -> s.started(4).succeeded(1).failed(3));
        events.assertThatEvents().haveExactly(1, event(test("parentLosesDma"), finishedWithFailure(instanceOf(AssertionFailedError.class), message(m ->
                m.contains("Expecting process \"A\" at 0x7f0000000000 (1 page) to see:")
                        && m.contains("pinsim: io.pinsim.junit.ExtensionTestCases$Failing#parentLosesDma [LINUX_5_8]\n"
                                + "kernel model LINUX_5_8 (5.8: GUP breaks COW even for reads), seed 3")
                        && m.contains("rerun with:\n  mvn test -Dtest=io.pinsim.junit.ExtensionTestCases$Failing#parentLosesDma -Dpinsim.model=LINUX_5_8 -Dpinsim.seed=3")
                        && m.indexOf("Expecting process") == m.lastIndexOf("Expecting process")
                        && m.contains(" step | kernel ") && m.contains("| A ")
                        && m.contains("full trace and timeline:\n  ")))));
        events.assertThatEvents().haveExactly(1, event(test("neverAsserted"), finishedWithFailure(message(m -> m.startsWith("The scenario ran 3 step(s) but never reached an assertion")))))
                .haveExactly(1, event(test("onlyLeavesTheChain"), finishedWithFailure(message(m -> m.startsWith("The scenario ran 3 step(s) but never reached an assertion")
                        && m.contains("(then() is not one)")))));
        Path failed = dir.resolve("io.pinsim.junit.ExtensionTestCases_Failing.parentLosesDma");
        assertThat(Files.readString(failed.resolve("trace.txt"))).startsWith("pinsim: io.pinsim.junit.ExtensionTestCases$Failing#parentLosesDma [LINUX_5_8]")
                .contains("failed: io.pinsim.dsl.PinsimAssertionError: \nExpecting process \"A\"").contains("COW_COPY").contains("rerun with:");
        assertThat(Files.readString(failed.resolve("timeline.html"))).containsPattern("<th data-lane=\"\\d+\">rdma0</th>").contains("Who holds which frame")
                // after the parent's write, the pinned frame is the child's alone: the snapshot rows say so, and what it was before
                .contains("mapped by A-child 0x7f0000000000 ro; held by PIN by rdma0")
                .contains("mapped by A 0x7f0000000000 ro, A-child 0x7f0000000000 ro; held by PIN by rdma0")
                .contains("<i>(before, after step ");
        assertThat(dir.resolve("io.pinsim.junit.ExtensionTestCases_Failing.passesAndKeepsItsTrace").resolve("timeline.html")).exists();
        assertThat(dir.resolve("io.pinsim.junit.ExtensionTestCases_Failing.neverAsserted")).doesNotExist();
    }

    /** The console message: no line over 120 columns, a long trace message whole (wrapped), the failure once; the files link to each other. */
    @Test
    void theFailureMessageFitsAConsoleAndTheFilesLinkToEachOther(@TempDir Path dir) throws Exception {
        Path platform = dir.resolve("platform");
        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(ExtensionTestCases.WideTrace.class))
                .configurationParameters(Map.of("pinsim.reportDir", dir.resolve("r").toString()))
                .outputDirectoryCreator(new org.junit.platform.engine.OutputDirectoryCreator() {
                    @Override
                    public Path getRootDirectory() {
                        return platform;
                    }

                    @Override
                    public Path createOutputDirectory(org.junit.platform.engine.TestDescriptor descriptor) throws java.io.IOException {
                        return Files.createDirectories(platform.resolve(descriptor.getUniqueId().getLastSegment().getValue().replaceAll("[^A-Za-z0-9.]", "_")));
                    }
                }).execute().testEvents();
        events.assertStatistics(s -> s.started(1).failed(1));
        String m = events.failed().stream().findFirst().orElseThrow().getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow().getMessage();
        String reportDir = dir.resolve("r").toAbsolutePath().toString();
        // what pinsim adds (the assertion's own because: line is the DSL's, one line, left as it is)
        String added = m.substring(m.indexOf("\npinsim: "));
        assertThat(added.lines().filter(l -> !l.contains(reportDir))).as(m).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(120));
        assertThat(added).contains(" step | ").contains("END-OF-THE-MESSAGE");
        // the wrapped message, read back column by column, is the message
        String lane = m.lines().filter(l -> l.contains("INFO a very long")).findFirst().orElseThrow();
        int from = lane.indexOf("INFO a very long");
        int to = lane.indexOf('|', from);
        StringBuilder whole = new StringBuilder();
        boolean started = false;
        for (String l : m.lines().toList()) {
            if (l.equals(lane)) {
                started = true;
            } else if (started && !l.startsWith("      |")) {
                break;
            }
            if (started && l.length() >= to) {
                whole.append(whole.length() > 0 ? " " : "").append(l.substring(from, to).strip());
            }
        }
        assertThat(whole.toString().strip()).isEqualTo("INFO " + ExtensionTestCases.WideTrace.LONG);
        assertThat(m.indexOf("Expecting process")).as("the failure is printed once").isEqualTo(m.lastIndexOf("Expecting process"));
        Path files = dir.resolve("r").resolve("io.pinsim.junit.ExtensionTestCases_WideTrace.longMessage");
        assertThat(Files.readString(files.resolve("trace.txt"))).startsWith("pinsim: io.pinsim.junit.ExtensionTestCases$WideTrace#longMessage [LINUX_5_8]\n"
                + "kernel model LINUX_5_8 (5.8: GUP breaks COW even for reads), seed 3\nfailed: ").contains("Expecting process \"A\"")
                .contains("timeline: timeline.html");
        assertThat(Files.readString(files.resolve("timeline.html"))).contains("<title>io.pinsim.junit.ExtensionTestCases$WideTrace#longMessage [LINUX_5_8]</title>")
                .contains("<a href=\"trace.txt\">").contains("failed: ");
        // JUnit 5.12+ publishes them through the platform's output directory as well
        assertThat(events.fileEntryPublished().count()).isEqualTo(1);
        try (var found = Files.walk(dir.resolve("platform"))) {
            assertThat(found.map(p -> p.getFileName().toString())).contains("trace.txt", "timeline.html");
        }
    }

    /** A lockdep report is in the failure message (after the header, before the trace table), in trace.txt and in timeline.html. */
    @Test
    void lockdepReportsAreInTheFailureMessageTheTraceAndTheTimeline(@TempDir Path dir) throws Exception {
        Events events = run(ExtensionTestCases.Lockdep.class, Map.of("pinsim.reportDir", dir.toString()));
        events.assertStatistics(s -> s.started(1).failed(1));
        String m = events.failed().stream().findFirst().orElseThrow().getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow().getMessage();
        String added = m.substring(m.indexOf("\npinsim: "));
        assertThat(added).contains("lockdep at step ").contains("possible circular locking dependency detected:\n"
                + "  dma_fence_map -> fs_reclaim -> mmu_notifier_invalidate_range_start -> dma_fence_map")
                .contains("  | Chain exists of:");
        assertThat(added.indexOf("lockdep at step")).as("before the trace table").isLessThan(added.indexOf(" step | "));
        assertThat(added.lines().filter(l -> !l.contains(dir.toString()))).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(120));
        Path files = dir.resolve("io.pinsim.junit.ExtensionTestCases_Lockdep.splat");
        assertThat(Files.readString(files.resolve("trace.txt"))).contains("lockdep at step ").contains("lockdep: possible circular locking dependency detected: dma_fence_map -> fs_reclaim");
        assertThat(Files.readString(files.resolve("timeline.html"))).contains("<section id=\"lockdep\"><h3>Lockdep: 1 report(s)</h3>")
                .contains("dma_fence_map \u2192 fs_reclaim \u2192 mmu_notifier_invalidate_range_start \u2192 dma_fence_map")
                .contains("lockdep: possible circular");
    }

    @Test
    void aTestThatLeaksFailsWithWhatLeakedAndWhoAllocatedIt(@TempDir Path dir) {
        Events events = run(ExtensionTestCases.Leaking.class, Map.of("pinsim.reportDir", dir.toString()));
        events.assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        events.assertThatEvents().haveExactly(1, event(test("aSwapCountWithoutItsPte"), finishedWithFailure(instanceOf(AssertionFailedError.class), message(m ->
                m.startsWith("pinsim's leak check (the model's kmemleak, Kernel.leaks()) found 1 object(s)")
                        && m.contains("swap slot 0: swap count 2 but 1 swap PTE(s) refer to it (swap_map drift)")
                        && m.contains("pinsim.leakCheck=false") && m.contains(" step | kernel ")))));
        Events off = run(ExtensionTestCases.Leaking.class, Map.of("pinsim.leakCheck", "false"));
        off.assertStatistics(s -> s.started(2).succeeded(2));
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
