package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.ClassNameFilter.excludeClassNamePatterns;
import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.SignalException;
import io.pinsim.runtime.TestModels;
import io.pinsim.runtime.model.DirtyWithoutBuffersWriteback;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.Switch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Issue 12, "model variants that cannot crash": every single-switch variant of every predefined
 * model (for each model M, each switch S and each value v of S that M does not have:
 * {@code M.with(v)}) is either refused by {@code with()} with a message naming the requirement it
 * breaks, or runs every sample and every runtime test without a {@link KernelBugException}. The
 * tests' assertions may fail - a variant changes what the kernel does - and a syscall may be refused
 * or a process killed ({@link ErrnoException}, {@link SignalException}, also as the cause of a DSL
 * step that failed), or a synchronous call the
 * variant makes sleep be refused as such (the {@code IllegalStateException} "X sleeps: ... use
 * startX(..)" of a truncate that waits for a pin, as on fs-DAX), but nothing else may be thrown.
 *
 * <p>Per switch value v (one JUnit launch each, two at a time) the samples run with
 * {@code pinsim.variant=v} (each @PinsimModels invocation on {@code M.with(v)}), and the runtime's
 * tests inside {@link TestModels#with} (their kernels on {@code M.with(v)}); a test that would only
 * repeat the normal build, on a model that already has v, is skipped. A run is an invocation that
 * built a kernel on a variant. The test prints the counts.
 */
class ModelCoherenceTest {

    /** What one test invocation did on a variant. */
    private enum Outcome { PASSED, ASSERTION_FAILED, ERRNO_OR_SIGNAL, WOULD_SLEEP, MODELLED_BUG, REFUSED_IN_TEST, KERNEL_BUG, OTHER }

    /**
     * The kernel BUGs a switch value models on purpose (its documented behaviour is an oops), by
     * invariant: a run on a variant with that value may end in them; any other KernelBugException
     * is the model breaking.
     */
    private static final Map<String, Switch> MODELLED_BUGS = Map.of("ext4-dirty-page-without-buffers", DirtyWithoutBuffersWriteback.BUG);

    @Test
    void everySingleSwitchVariantIsRefusedOrRunsWithoutAKernelBug(@TempDir Path reports) throws Exception {
        Map<String, String> refused = new LinkedHashMap<>();
        Set<String> accepted = new LinkedHashSet<>();
        Set<Switch> values = new LinkedHashSet<>();
        for (KernelModel m : KernelModel.all()) {
            for (Class<? extends Switch> type : KernelModel.SWITCHES) {
                for (Switch v : type.getEnumConstants()) {
                    if (m.get(type) == v) {
                        continue;
                    }
                    values.add(v);
                    try {
                        accepted.add(m.with(v).name());
                    } catch (IllegalArgumentException e) {
                        refused.put(m.name() + "+" + type.getSimpleName() + "." + v.name(), e.getMessage());
                    }
                }
            }
        }
        refused.forEach((variant, message) -> assertThat(message).as(variant)
                .contains(" is not a coherent kernel model:").containsPattern(" needs .* \\([A-Za-z]+\\.[A-Z_0-9]+.*, [0-9a-f]{12}: "));

        Map<Outcome, Integer> counts = new ConcurrentHashMap<>();
        for (Outcome o : Outcome.values()) {
            counts.put(o, 0);
        }
        Set<String> ran = ConcurrentHashMap.newKeySet();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger sampleRuns = new AtomicInteger();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(2, Runtime.getRuntime().availableProcessors()));
        List<Future<?>> launches = new ArrayList<>();
        for (Switch v : values) {
            launches.add(pool.submit(() -> TestModels.with(v, () -> {
                LauncherFactory.create().execute(request(v, reports), new TestExecutionListener() {
                    @Override
                    public void executionStarted(TestIdentifier id) {
                        TestModels.drainVariantsBuilt();
                    }

                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        List<String> built = TestModels.drainVariantsBuilt();
                        if (!id.isTest()) {
                            return;
                        }
                        boolean sample = id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                                .map(src -> src.getClassName().startsWith("io.pinsim.samples.")).orElse(false);
                        Set<String> variants = new TreeSet<>(built);
                        if (sample && id.getDisplayName().contains("+")) {
                            variants.add(id.getDisplayName());
                        }
                        Outcome o = outcome(result, v);
                        if (o == Outcome.REFUSED_IN_TEST) {
                            counts.merge(o, 1, Integer::sum);
                            return;
                        }
                        if (variants.isEmpty() || o == null) {
                            return;
                        }
                        ran.addAll(variants);
                        counts.merge(o, 1, Integer::sum);
                        if (sample) {
                            sampleRuns.incrementAndGet();
                        }
                        if (o == Outcome.KERNEL_BUG || o == Outcome.OTHER) {
                            problems.add(id.getLegacyReportingName() + " on " + variants + ": "
                                    + result.getThrowable().map(t -> t.toString().lines().findFirst().orElse("")).orElse(""));
                        }
                    }
                });
                return null;
            })));
        }
        pool.shutdown();
        for (Future<?> f : launches) {
            f.get();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        int runs = counts.entrySet().stream().filter(e -> e.getKey() != Outcome.REFUSED_IN_TEST).mapToInt(Map.Entry::getValue).sum();
        int samples = sampleRuns.get();
        System.out.printf("model coherence sweep: %d single-switch variants of the %d predefined models: %d refused by with(), %d run%n"
                        + "  %d runs (%d of samples, %d of runtime tests) in %d ms: %d passed, %d failed an assertion (the variant changes the outcome),"
                        + " %d ended in an errno or a signal, %d in a synchronous call the variant makes sleep, %d in the kernel BUG the variant models (DirtyWithoutBuffersWriteback.BUG);"
                        + " %d more refused inside a test (its own variant plus the switch)%n"
                        + "  KernelBugExceptions: %d, other exceptions: %d%n",
                refused.size() + accepted.size(), KernelModel.all().size(), refused.size(), accepted.size(),
                runs, samples, runs - samples, millis, counts.get(Outcome.PASSED), counts.get(Outcome.ASSERTION_FAILED),
                counts.get(Outcome.ERRNO_OR_SIGNAL), counts.get(Outcome.WOULD_SLEEP), counts.get(Outcome.MODELLED_BUG), counts.get(Outcome.REFUSED_IN_TEST), counts.get(Outcome.KERNEL_BUG), counts.get(Outcome.OTHER));

        assertThat(problems).as("runs that crashed the model").isEmpty();
        assertThat(ran).as("every accepted variant ran at least once").containsAll(accepted);
    }

    /**
     * Every sample, on its models changed by {@code v} ({@code pinsim.variant}; {@link VariantRunsOnly}
     * skips the models v leaves unchanged), and every runtime scenario test, whose kernels
     * {@link TestModels} changes. Left out: InvariantsTest corrupts frames on purpose to provoke
     * KernelBugExceptions; FrameSnapshotTest and ReadmeExampleTest build their kernels themselves;
     * CowSelftestThpTest (upstream cow.c on 2 MiB THPs, 60 runs of 512 pages each) would cost minutes
     * per value, and ThpTest runs the same THP mechanisms (fault, split, COW, GUP, fork) on every variant;
     * likewise CowSelftestHugetlbTest (120 runs, both hugetlb sizes), whose mechanisms HugetlbTest and
     * Hugetlb1gTest run on every variant, and GupLongtermTest (gup_longterm.c, 200 runs), whose
     * mechanisms MemfdTest, HugetlbTest, Hugetlb1gTest and the GUP tests run.
     */
    private static LauncherDiscoveryRequest request(Switch v, Path reports) {
        return LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage("io.pinsim.samples"), selectPackage("io.pinsim.runtime"))
                .filters(includeClassNamePatterns("io\\.pinsim\\.samples\\.[A-Za-z]*Sample", "io\\.pinsim\\.runtime\\.[A-Za-z]*Test(\\$.*)?"),
                        excludeClassNamePatterns("io\\.pinsim\\.runtime\\.(InvariantsTest|FrameSnapshotTest|ReadmeExampleTest|CowSelftestThpTest|CowSelftestHugetlbTest|GupLongtermTest)"))
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "false")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .configurationParameter("pinsim.variant", ((Enum<?>) v).getDeclaringClass().getSimpleName() + "." + v.name())
                .configurationParameter("pinsim.reportDir", reports.toString())
                .build();
    }

    /**
     * Classifies a finished test by the first throwable in its cause chain (and suppressed) that
     * tells what happened; null for a test that did not run (skipped, or aborted as no variant).
     */
    private static Outcome outcome(TestExecutionResult result, Switch variant) {
        if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
            return Outcome.PASSED;
        }
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            return null;
        }
        Throwable t = result.getThrowable().orElse(null);
        if (t == null) {
            return Outcome.OTHER;
        }
        KernelBugException bug = find(t, KernelBugException.class);
        if (bug != null) {
            return MODELLED_BUGS.get(bug.invariant()) == variant ? Outcome.MODELLED_BUG : Outcome.KERNEL_BUG;
        }
        if (t instanceof IllegalArgumentException && String.valueOf(t.getMessage()).contains(" is not a coherent kernel model:")) {
            return Outcome.REFUSED_IN_TEST;
        }
        if (t instanceof AssertionError) {
            return Outcome.ASSERTION_FAILED;
        }
        if (t instanceof ErrnoException || t instanceof SignalException) {
            return Outcome.ERRNO_OR_SIGNAL;
        }
        // a DSL step the variant made fail with an errno or a signal (a fork refused under
        // ForkPinned.PROPOSAL_REQUIRE_DONTFORK), so the next step could not run
        if (t instanceof io.pinsim.dsl.StepFailedException && (t.getCause() instanceof ErrnoException || t.getCause() instanceof SignalException)) {
            return Outcome.ERRNO_OR_SIGNAL;
        }
        if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).matches("(?s).* sleeps: .*; use start\\w+\\(.*")) {
            return Outcome.WOULD_SLEEP;
        }
        return Outcome.OTHER;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        Set<Throwable> seen = new java.util.HashSet<>();
        List<Throwable> todo = new ArrayList<>(List.of(t));
        while (!todo.isEmpty()) {
            Throwable x = todo.remove(todo.size() - 1);
            if (x == null || !seen.add(x)) {
                continue;
            }
            if (type.isInstance(x)) {
                return type.cast(x);
            }
            todo.add(x.getCause());
            todo.addAll(List.of(x.getSuppressed()));
        }
        return null;
    }
}
