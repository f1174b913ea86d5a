package io.pinsim.junit;

import io.pinsim.dsl.Exploration;
import io.pinsim.dsl.Pinsim;
import io.pinsim.dsl.PinsimAssertionError;
import io.pinsim.dsl.Scenario;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Leak;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.Switch;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extension behind {@link PinsimTest} and {@link PinsimModels}. It holds no state of its own:
 * everything about a test lives in that test's {@link ExtensionContext.Store}, so tests may run in
 * parallel.
 */
final class PinsimExtension implements ParameterResolver, TestTemplateInvocationContextProvider, AfterTestExecutionCallback, TestExecutionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PinsimExtension.class);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PinsimExtension.class);
    private static final String MODEL_KEY = "model";
    private static final String STATE_KEY = "state";

    /** Everything the extension knows about one test (one invocation of a template). */
    static final class TestState {
        final KernelModel model;
        final long seed;
        final TraceMode traceMode;
        Kernel kernel;
        Scenario scenario;
        Exploration exploration;
        /** Injected devices per name family ({@code mlx5_}, {@code nvme}, ...): two types of one family count together. */
        final Map<String, Integer> deviceCounts = new LinkedHashMap<>();
        boolean bugReproduced;

        TestState(KernelModel model, long seed, TraceMode traceMode) {
            this.model = model;
            this.seed = seed;
            this.traceMode = traceMode;
        }

        Kernel kernel() {
            if (kernel == null) {
                kernel = Kernel.builder().model(model).seed(seed).frameSnapshots(TraceReport.SNAPSHOTS_PER_STEP).build();
            }
            return kernel;
        }
    }

    /** Binds one template invocation to its model, or fails it with with()'s refusal of the configured variant. */
    private record ModelBinding(KernelModel model, IllegalArgumentException refused) implements BeforeEachCallback {
        @Override
        public void beforeEach(ExtensionContext context) {
            if (refused != null) {
                throw refused;
            }
            context.getStore(NS).put(MODEL_KEY, model);
        }
    }

    // ------------------------------------------------------------------ per-model templates

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> AnnotationSupport.isAnnotated(m, PinsimModels.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        PinsimModels pm = AnnotationSupport.findAnnotation(method, PinsimModels.class).orElseThrow();
        List<KernelModel> models = new ArrayList<>();
        List<String> only = context.getConfigurationParameter("pinsim.models").stream()
                .flatMap(text -> Arrays.stream(text.split(","))).map(String::trim).filter(t -> !t.isEmpty()).toList();
        if (pm.value().length == 0) {
            models.addAll(KernelModel.all());
            boolean proposals = context.getConfigurationParameter("pinsim.proposals", Boolean::parseBoolean).orElse(false);
            KernelModel.proposals().stream().filter(p -> proposals || only.contains(p.name())).forEach(models::add);
        } else {
            for (String name : pm.value()) {
                models.add(KernelModel.byName(name));
            }
        }
        for (ModelVariant v : AnnotationSupport.findRepeatableAnnotations(method, ModelVariant.class)) {
            models.add(variant(v));
        }
        List<Switch> configured = configuredVariant(context);
        return models.stream().filter(base -> only.isEmpty() || only.contains(base.name())).map(base -> {
            KernelModel m;
            IllegalArgumentException refused = null;
            try {
                m = base.with(configured.toArray(Switch[]::new));
            } catch (IllegalArgumentException e) {
                m = null;
                refused = e;
            }
            String name = m != null ? m.name() : base.name() + configured.stream().map(v -> "+" + label(v)).collect(Collectors.joining());
            ModelBinding binding = new ModelBinding(m, refused);
            return new TestTemplateInvocationContext() {
                @Override
                public String getDisplayName(int invocationIndex) {
                    return name;
                }

                @Override
                public List<Extension> getAdditionalExtensions() {
                    return List.of(binding);
                }
            };
        });
    }

    /** A variant model from its annotation: the base with its {@code Switch.VALUE}s applied together. */
    static KernelModel variant(ModelVariant v) {
        KernelModel m = KernelModel.byName(v.base()).with(Arrays.stream(v.with()).map(PinsimExtension::parseSwitch).toArray(Switch[]::new));
        return m.named(v.name(), v.description().isEmpty() ? v.base() + " with " + String.join(", ", v.with()) : v.description());
    }

    /**
     * The switch values of the configuration parameter {@code pinsim.variant}
     * ({@code "ForkPinned.SHARE_WRPROTECT,GupFastVsFork.UNSERIALIZED"}), which every test runs with:
     * its model, predefined or variant, {@code .with(..)} them. Empty when the parameter is not set.
     */
    private static List<Switch> configuredVariant(ExtensionContext ec) {
        return ec.getConfigurationParameter("pinsim.variant").stream()
                .flatMap(text -> Arrays.stream(text.split(",")))
                .map(String::trim).filter(t -> !t.isEmpty())
                .map(PinsimExtension::parseSwitch).toList();
    }

    private static String label(Switch v) {
        return ((Enum<?>) v).getDeclaringClass().getSimpleName() + "." + v.name();
    }

    static Switch parseSwitch(String text) {
        int dot = text.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("@ModelVariant(with = \"" + text + "\"): write SwitchType.VALUE, e.g. \"ForkPinned.SHARE_WRPROTECT\"");
        }
        String type = text.substring(0, dot);
        String value = text.substring(dot + 1);
        for (Class<? extends Switch> s : KernelModel.SWITCHES) {
            if (s.getSimpleName().equals(type)) {
                for (Switch c : s.getEnumConstants()) {
                    if (c.name().equals(value)) {
                        return c;
                    }
                }
                throw new IllegalArgumentException("@ModelVariant: " + type + " has no value " + value + "; values: "
                        + Arrays.stream(s.getEnumConstants()).map(Switch::name).toList());
            }
        }
        throw new IllegalArgumentException("@ModelVariant: no switch named " + type + "; switches: " + KernelModel.SWITCHES.stream().map(Class::getSimpleName).toList());
    }

    // ------------------------------------------------------------------ injection

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> type = pc.getParameter().getType();
        return type == Kernel.class || type == Scenario.class || type == KernelModel.class || type == Exploration.class || isDevice(type);
    }

    private static boolean isDevice(Class<?> type) {
        if (type.isPrimitive() || type.isInterface() || type.getName().startsWith("java.")) {
            return false;
        }
        try {
            type.getConstructor(Kernel.class, String.class);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        TestState s = state(ec);
        Class<?> type = pc.getParameter().getType();
        if (type == KernelModel.class) {
            return s.model;
        }
        if (type == Kernel.class) {
            return s.kernel();
        }
        if (type == Scenario.class) {
            if (s.scenario == null) {
                s.scenario = Pinsim.scenario(s.kernel()).exploring(exploration(s, ec));
            }
            return s.scenario;
        }
        if (type == Exploration.class) {
            return exploration(s, ec);
        }
        int index = s.deviceCounts.merge(DeviceNames.family(type), 1, Integer::sum) - 1;
        List<InjectFault> faults = new ArrayList<>();
        ec.getTestMethod().ifPresent(m -> {
            for (InjectFault f : AnnotationSupport.findRepeatableAnnotations(m, InjectFault.class)) {
                if (f.type().isAssignableFrom(type)) {
                    faults.add(f);
                }
            }
        });
        return FaultInjector.create(type, s.kernel(), DeviceNames.name(type, index), faults);
    }

    /** The test's state, created on first use: the model from the template, the annotation, the configuration, or LATEST. */
    private TestState state(ExtensionContext ec) {
        return ec.getStore(NS).getOrComputeIfAbsent(STATE_KEY, k -> newState(ec), TestState.class);
    }

    private TestState newState(ExtensionContext ec) {
        KernelModel model = ec.getStore(NS).get(MODEL_KEY, KernelModel.class);
        Optional<PinsimTest> pt = findPinsimTest(ec);
        Optional<PinsimModels> pm = ec.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, PinsimModels.class));
        if (model == null) {
            String name = pt.map(PinsimTest::model).filter(n -> !n.isEmpty())
                    .orElseGet(() -> ec.getConfigurationParameter("pinsim.model").orElse("LATEST"));
            model = KernelModel.byName(name).with(configuredVariant(ec).toArray(Switch[]::new));
        }
        long seed = pt.map(PinsimTest::seed).filter(x -> x != Long.MIN_VALUE)
                .or(() -> pm.map(PinsimModels::seed).filter(x -> x != Long.MIN_VALUE))
                .orElseGet(() -> ec.getConfigurationParameter("pinsim.seed").map(Long::parseLong).orElse(0L));
        TraceMode annotated = pt.map(PinsimTest::trace).or(() -> pm.map(PinsimModels::trace)).orElse(TraceMode.ON_FAILURE);
        TraceMode mode = annotated == TraceMode.ALWAYS ? annotated
                : ec.getConfigurationParameter("pinsim.trace").map(TraceMode::valueOf).orElse(annotated);
        return new TestState(model, seed, mode);
    }

    private static Optional<PinsimTest> findPinsimTest(ExtensionContext ec) {
        Optional<PinsimTest> onMethod = ec.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, PinsimTest.class));
        return onMethod.isPresent() ? onMethod : ec.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, PinsimTest.class));
    }

    // ------------------------------------------------------------------ outcome

    private static KnownBug knownBug(ExtensionContext ec, TestState s) {
        KnownBug kb = ec.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, KnownBug.class)).orElse(null);
        return kb != null && Arrays.asList(kb.models()).contains(s.model.name()) ? kb : null;
    }

    /** Whether the failure is the documented bug: a pinsim assertion of the kind expected, with the because fragment. */
    static boolean isTheDocumentedBug(KnownBug kb, Throwable t) {
        return t instanceof PinsimAssertionError e && e.kind() == kb.expect() && e.because().contains(kb.because());
    }

    /** What failed, as the report entry and the mismatch message name it: the assertion's kind, or the exception's type. */
    static String seen(Throwable t) {
        return t instanceof PinsimAssertionError e ? e.kind().name() : t.getClass().getSimpleName();
    }

    /** The expectation of a @KnownBug, as a mismatch names it: {@code DEVICE_DATA_LOST because ~ "copied frame"}. */
    static String expectation(KnownBug kb) {
        return kb.expect().name() + (kb.because().isEmpty() ? "" : " because ~ \"" + kb.because() + "\"");
    }

    /** Why a failure on a known-bug model is not the documented bug, in one sentence. */
    static String mismatch(KnownBug kb, String model, Throwable t) {
        String expected = "@KnownBug(" + kb.reference() + ") expects " + kb.expect() + " (" + kb.expect().description() + ")"
                + (kb.because().isEmpty() ? "" : " whose because: contains \"" + kb.because() + "\"") + " on " + model;
        if (t instanceof PinsimAssertionError e && e.kind() == kb.expect()) {
            return "Not the documented bug: " + expected + "; the " + e.kind() + " assertion failed, but because: " + e.because();
        }
        if (t instanceof PinsimAssertionError e) {
            return "Not the documented bug: " + expected + ", but a " + e.kind() + " assertion failed (" + e.kind().description() + ")";
        }
        return "Not the documented bug: " + expected + ", but the test failed with " + t.getClass().getSimpleName()
                + (t instanceof AssertionError ? ", an assertion that names no pinsim BugKind" : ", not with an assertion");
    }

    private void publish(ExtensionContext ec, Outcome outcome, Map<String, String> details) {
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put(ReportEntries.OUTCOME, outcome.name());
        entry.putAll(details);
        Explorations.addEntries(state(ec).exploration, entry);
        ec.publishReportEntry(entry);
    }

    /** The test's one exploration, as its {@link Explore} configures it; the scenario's racing steps and an Exploration parameter share it. */
    private static Exploration exploration(TestState s, ExtensionContext ec) {
        if (s.exploration == null) {
            s.exploration = Explorations.of(ec.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, Explore.class)).orElse(null));
        }
        return s.exploration;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext ec, Throwable t) throws Throwable {
        TestState s = state(ec);
        KnownBug kb = knownBug(ec, s);
        if (kb != null && isTheDocumentedBug(kb, t)) {
            PinsimAssertionError bug = (PinsimAssertionError) t;
            s.bugReproduced = true;
            String summary = "[" + s.model.name() + "] known bug reproduced (" + kb.reference() + ")";
            publish(ec, Outcome.BUG_REPRODUCED, Map.of(ReportEntries.BUG_KIND, bug.kind().name(), ReportEntries.BUG_BECAUSE, bug.because(),
                    ReportEntries.SUMMARY, summary));
            LOG.info("{}#{} {}: {}", ec.getRequiredTestClass().getName(), ec.getRequiredTestMethod().getName(), summary, bug.kind());
            if (s.traceMode == TraceMode.ALWAYS && s.kernel != null) {
                writeArtifacts(ec, s, header(ec, s, "the documented bug reproduced: " + bug.kind() + ": " + t.getMessage()), true);
            }
            return;
        }
        publish(ec, Outcome.UNEXPECTED_FAILURE, Map.of(ReportEntries.FAILURE, seen(t)));
        if (kb != null) {
            String why = mismatch(kb, s.model.name(), t);
            // the files' header says why; the message says it on its first line
            String report = s.kernel == null ? header(ec, s, null) : report(s, header(ec, s, null), writeArtifacts(ec, s, header(ec, s, why), true));
            String actual = t instanceof PinsimAssertionError e ? e.kind() + " because: " + e.because() : t.getClass().getSimpleName();
            NotTheDocumentedBugError e = new NotTheDocumentedBugError(TraceReport.wrapped(why) + "\n" + t + "\n\n" + report, kb.expect(), expectation(kb), actual, t);
            e.setStackTrace(t.getStackTrace());
            throw e;
        }
        if (s.kernel == null) {
            throw t;
        }
        // the files start with the failure; the message is the failure, so its report does not repeat it
        String report = "\n\n" + report(s, header(ec, s, null), writeArtifacts(ec, s, header(ec, s, "failed: " + t), true));
        if (t instanceof PinsimAssertionError pae) {
            throw pae.withMessage(pae.getMessage() + report);
        }
        if (t instanceof AssertionFailedError afe) {
            AssertionFailedError e = afe.isExpectedDefined() || afe.isActualDefined()
                    ? new AssertionFailedError(afe.getMessage() + report, afe.getExpected() == null ? null : afe.getExpected().getValue(),
                            afe.getActual() == null ? null : afe.getActual().getValue(), afe)
                    : new AssertionFailedError(afe.getMessage() + report, afe);
            e.setStackTrace(afe.getStackTrace());
            throw e;
        }
        if (t instanceof AssertionError ae) {
            AssertionError e = new AssertionError(ae.getMessage() + report, ae);
            e.setStackTrace(ae.getStackTrace());
            throw e;
        }
        t.addSuppressed(new PinsimReport(report.trim()));
        throw t;
    }

    @Override
    public void afterTestExecution(ExtensionContext ec) throws Exception {
        if (ec.getExecutionException().isPresent()) {
            return;
        }
        TestState s = state(ec);
        KnownBug kb = knownBug(ec, s);
        if (kb != null && !s.bugReproduced) {
            publish(ec, Outcome.UNEXPECTED_PASS, Map.of());
            String header = header(ec, s, "the documented bug did not reproduce");
            throw new BugDidNotReproduceError(TraceReport.wrapped("The documented bug did not reproduce on " + s.model.name() + ": the test passed, but "
                    + "@KnownBug says the kernel breaks it there with a " + expectation(kb) + " failure (" + kb.reference() + "). Either the model changed "
                    + "or the test no longer shows the bug.") + "\n\n"
                    + (s.kernel == null ? header : report(s, header, writeArtifacts(ec, s, header, false))));
        }
        if (!s.bugReproduced && s.scenario != null && s.scenario.steps() > 0 && !s.scenario.isAsserted()) {
            publish(ec, Outcome.UNEXPECTED_FAILURE, Map.of(ReportEntries.FAILURE, "never asserted"));
            throw new AssertionFailedError("The scenario ran " + s.scenario.steps() + " step(s) but never reached an assertion: end it with "
                    + "assertParentSees(..), assertFails(..) or another of the chain's assertions (then() is not one)");
        }
        if (s.kernel != null && ec.getConfigurationParameter("pinsim.leakCheck").map(Boolean::parseBoolean).orElse(true)) {
            List<Leak> leaks = s.kernel.leaks();
            if (!leaks.isEmpty()) {
                publish(ec, Outcome.UNEXPECTED_FAILURE, Map.of(ReportEntries.FAILURE, "memory leak"));
                StringBuilder sb = new StringBuilder("pinsim's leak check (the model's kmemleak, Kernel.leaks()) found " + leaks.size()
                        + " object(s) that nothing holds any more and that were never freed - a bug in the model, or in a driver written against its SPI:");
                for (Leak l : leaks) {
                    sb.append("\n  ").append(l);
                }
                String header = header(ec, s, "memory leak");
                throw new AssertionFailedError(sb + "\n(set the configuration parameter pinsim.leakCheck=false to skip this check)\n\n"
                        + report(s, header, writeArtifacts(ec, s, header, true)));
            }
        }
        if (!s.bugReproduced) {
            publish(ec, Outcome.OK, Map.of());
            if (s.traceMode == TraceMode.ALWAYS && s.kernel != null) {
                // a reproduced bug already wrote its files, with that header
                writeArtifacts(ec, s, header(ec, s, "passed"), false);
            }
        }
    }

    /** The part of a failure message that pinsim adds: the header, the trace table, where the files are. */
    private static String report(TestState s, String header, Path html) {
        return header + TraceReport.lockdep(s.kernel) + "\n" + TraceReport.table(s.kernel.trace().events()) + (html != null ? "full trace and timeline:\n  " + html.getParent().toAbsolutePath() : "");
    }

    private static String header(ExtensionContext ec, TestState s, String note) {
        String test = ec.getTestClass().map(Class::getName).orElse("?") + "#" + ec.getTestMethod().map(Method::getName).orElse("?");
        boolean perModel = ec.getStore(NS).get(MODEL_KEY, KernelModel.class) != null;
        String base = s.model.isPredefined() || !perModel ? s.model.name() : baseName(ec, s);
        String rerun = perModel
                ? "mvn test -Dtest=" + test + " -Dpinsim.models=" + base + " -Dpinsim.seed=" + s.seed
                        + "\n  (@PinsimModels runs only the models the configuration parameter pinsim.models names)"
                : "mvn test -Dtest=" + test + " -Dpinsim.model=" + s.model.name() + " -Dpinsim.seed=" + s.seed
                        + "\n  (or @PinsimTest(model = \"" + s.model.name() + "\", seed = " + s.seed + "))";
        return "pinsim: " + test + " [" + s.model.name() + "]"
                + "\nkernel model " + s.model.name() + " (" + s.model.standsFor() + "), seed " + s.seed
                + (note != null ? "\n" + note : "")
                + "\nrerun with:\n  " + rerun
                + (s.model.isPredefined() ? "" : "\nthe model is a variant: " + s.model.switches());
    }

    /** The name of the model or @ModelVariant this invocation was created from (a configured pinsim.variant renames it). */
    private static String baseName(ExtensionContext ec, TestState s) {
        for (ModelVariant v : ec.getTestMethod().map(m -> AnnotationSupport.findRepeatableAnnotations(m, ModelVariant.class)).orElse(List.of())) {
            if (s.model.name().startsWith(v.name())) {
                return v.name();
            }
        }
        int plus = s.model.name().indexOf('+');
        return plus > 0 ? s.model.name().substring(0, plus) : s.model.name();
    }

    /** Writes trace.txt and timeline.html under target/pinsim/ (or pinsim.reportDir), publishes and logs the path. */
    private static Path writeArtifacts(ExtensionContext ec, TestState s, String header, boolean failed) {
        Path base = Path.of(ec.getConfigurationParameter("pinsim.reportDir").orElse("target/pinsim"));
        String id = (ec.getTestClass().map(Class::getName).orElse("test") + "." + ec.getTestMethod().map(Method::getName).orElse("")
                + (ec.getStore(NS).get(MODEL_KEY, KernelModel.class) != null ? "[" + s.model.name() + "]" : ""))
                .replaceAll("[^A-Za-z0-9._\\[\\]-]", "_");
        try {
            String title = header.lines().findFirst().orElse("pinsim").replaceFirst("^pinsim: ", "");
            Path html = TraceReport.write(base.resolve(id), title, s.kernel, header, failed);
            ec.publishReportEntry(ReportEntries.TIMELINE, html.toAbsolutePath().toString());
            publishToPlatform(ec, html.getParent());
            LOG.info("pinsim trace and timeline of {}: {}", ec.getDisplayName(), html.getParent().toAbsolutePath());
            return html;
        } catch (IOException e) {
            LOG.warn("could not write the pinsim trace of {}: {}", ec.getDisplayName(), e.toString());
            return null;
        }
    }

    /**
     * Copies the run's files into the platform's output directory too (JUnit 5.12+'s
     * {@code publishDirectory}), so that IDEs and build tools that collect published files find them.
     * On an older JUnit, or without an output directory, the files stay in target/pinsim only.
     */
    private static void publishToPlatform(ExtensionContext ec, Path dir) {
        try {
            ec.publishDirectory("pinsim", target -> {
                for (String name : new String[] {"trace.txt", "timeline.html"}) {
                    java.nio.file.Files.copy(dir.resolve(name), target.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            });
        } catch (NoSuchMethodError | AbstractMethodError e) {
            LOG.debug("JUnit before 5.12 cannot publish files; the pinsim files of {} stay in {}", ec.getDisplayName(), dir);
        } catch (RuntimeException e) {
            LOG.debug("could not publish the pinsim files of {} to the platform's output directory: {}", ec.getDisplayName(), e.toString());
        }
    }

    /** The pinsim report attached to a failure that is not an assertion. */
    static final class PinsimReport extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PinsimReport(String report) {
            super(report, null, false, false);
        }
    }
}
