package io.pinsim.samples;

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import io.pinsim.junit.KnownBug;
import io.pinsim.junit.ModelVariant;
import io.pinsim.junit.ReportEntries;
import io.pinsim.runtime.model.KernelModel;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * pinsim's main command: runs every sample on every predefined kernel model (and the variants a
 * sample declares), prints the matrix, writes {@code catalogue.json} and {@code index.html} (with a
 * timeline per cell) into the output directory, and exits non-zero if any cell is unexpected. Every
 * sample also runs on every proposal model; {@link ProposalMatrix} prints and writes that second
 * matrix, which never counts as unexpected.
 */
public final class Catalogue {
    /** A cell's outcome, as catalogue.json names it. */
    enum Outcome {
        OK("ok"), BUG_REPRODUCED("bug"), UNEXPECTED_PASS("UNEXPECTED PASS"), UNEXPECTED_FAILURE("UNEXPECTED FAILURE"), ERROR("ERROR");

        final String cell;

        Outcome(String cell) {
            this.cell = cell;
        }

        boolean unexpected() {
            return this != OK && this != BUG_REPRODUCED;
        }

        /** The cell for the extension's verdict. */
        static Outcome of(io.pinsim.junit.Outcome verdict) {
            return switch (verdict) {
                case OK -> OK;
                case BUG_REPRODUCED -> BUG_REPRODUCED;
                case UNEXPECTED_PASS -> UNEXPECTED_PASS;
                case UNEXPECTED_FAILURE -> UNEXPECTED_FAILURE;
            };
        }
    }

    /** A reproduced bug as the failing assertion described it: its {@link io.pinsim.dsl.BugKind} and its {@code because:} line. */
    record Bug(String kind, String because) {
    }

    /** What a cell of an explored sample explored: schedules, how many failed, and how ({@code up to 3 preemptions}). */
    record Explored(long schedules, long failed, String search) {
        /** The cell's second line: {@code 8 of 34 failed}. */
        String cell() {
            return failed + " of " + schedules + " failed";
        }
    }

    /**
     * One sample, the fix its @KnownBug references (null without one), its results by model name; for each BUG_REPRODUCED cell, the bug as it
     * showed; for each cell of an explored sample, what it explored.
     */
    record Row(Sample sample, String reference, List<String> variants, Map<String, Outcome> results, Map<String, String> timelines,
            Map<String, String> failures, Map<String, Bug> bugs, Map<String, Explored> explored, Map<String, String> proposals) {
    }

    /** Width of a matrix column: the longest cell, "UNEXPECTED FAILURE". */
    private static final int CELL = Outcome.UNEXPECTED_FAILURE.cell.length();

    private final Path out;
    private final List<Class<?>> samples;

    /** The catalogue of every sample of this package. */
    Catalogue(Path out) {
        this(out, sampleClasses());
    }

    /** A catalogue of these sample classes only (tests use it on fixture samples). */
    Catalogue(Path out, List<Class<?>> samples) {
        this.out = out;
        this.samples = List.copyOf(samples);
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target/pinsim");
        int unexpected = new Catalogue(out).run(System.out);
        System.exit(unexpected == 0 ? 0 : 1);
    }

    /** Runs the catalogue; returns the number of unexpected cells. */
    int run(PrintStream ps) throws IOException {
        Files.createDirectories(out);
        Map<String, Row> rows = new TreeMap<>();
        for (Class<?> c : samples) {
            Sample s = c.getAnnotation(Sample.class);
            KnownBug kb = sampleMethod(c).getAnnotation(KnownBug.class);
            rows.put(s.id(), new Row(s, kb == null ? null : kb.reference(), variants(c), new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(),
                    new LinkedHashMap<>(), new LinkedHashMap<>()));
        }
        Launcher launcher = LauncherFactory.create();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(samples.stream().map(DiscoverySelectors::selectClass).toList())
                .configurationParameter("pinsim.trace", "ALWAYS")
                .configurationParameter("pinsim.proposals", "true")
                .configurationParameter("pinsim.reportDir", out.resolve("runs").toString())
                .build();
        launcher.execute(request, new Listener(rows));
        List<String> models = new ArrayList<>();
        for (KernelModel m : KernelModel.all()) {
            models.add(m.name());
        }
        for (Row r : rows.values()) {
            for (String m : models) {
                r.results().putIfAbsent(m, Outcome.ERROR);
            }
            for (String v : r.variants()) {
                r.results().putIfAbsent(v, Outcome.ERROR);
            }
        }
        for (Row r : rows.values()) {
            for (String t : r.timelines().values()) {
                titleWithSample(Path.of(t), r.sample().id());
            }
        }
        int unexpected = printMatrix(ps, rows, models);
        Files.writeString(out.resolve("catalogue.json"), json(rows, models), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("index.html"), html(rows, models), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("proposals.md"), ProposalMatrix.markdown(rows), StandardCharsets.UTF_8);
        ps.println("catalogue written to " + out.resolve("catalogue.json").toAbsolutePath() + " and " + out.resolve("index.html").toAbsolutePath());
        return unexpected;
    }

    /** Puts the sample's id before the test's name and model in a timeline's title and heading. */
    private static void titleWithSample(Path timeline, String id) throws IOException {
        String html = Files.readString(timeline, StandardCharsets.UTF_8);
        String prefix = java.util.regex.Matcher.quoteReplacement(esc(id) + ": ");
        Files.writeString(timeline, html.replaceFirst("<title>", "<title>" + prefix).replaceFirst("<h2>", "<h2>" + prefix), StandardCharsets.UTF_8);
    }

    /** The sample classes, sorted by id: every class of the package with @Sample. */
    static List<Class<?>> sampleClasses() {
        Launcher launcher = LauncherFactory.create();
        TestPlan plan = launcher.discover(samplesRequest().build());
        Set<Class<?>> classes = new LinkedHashSet<>();
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier id : plan.getDescendants(root)) {
                id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast).ifPresent(ms -> classes.add(ms.getJavaClass()));
            }
        }
        List<Class<?>> sorted = new ArrayList<>();
        for (Class<?> c : classes) {
            if (c.isAnnotationPresent(Sample.class)) {
                sorted.add(c);
            }
        }
        sorted.sort(Comparator.comparing(c -> c.getAnnotation(Sample.class).id()));
        return sorted;
    }

    /** Every *Sample class of this package: what the catalogue runs and lists. */
    private static LauncherDiscoveryRequestBuilder samplesRequest() {
        return LauncherDiscoveryRequestBuilder.request().selectors(selectPackage(Catalogue.class.getPackageName())).filters(includeClassNamePatterns(".*Sample"));
    }

    static Method sampleMethod(Class<?> c) {
        for (Method m : c.getDeclaredMethods()) {
            if (m.isAnnotationPresent(io.pinsim.junit.PinsimModels.class)) {
                return m;
            }
        }
        throw new IllegalStateException(c.getName() + " has no @PinsimModels method");
    }

    static List<String> variants(Class<?> c) {
        List<String> out = new ArrayList<>();
        for (ModelVariant v : sampleMethod(c).getAnnotationsByType(ModelVariant.class)) {
            out.add(v.name());
        }
        return out;
    }

    /** What the sample declares for a model: BUG_REPRODUCED where @KnownBug names it, else OK. */
    static Outcome expected(Class<?> c, String model) {
        KnownBug kb = sampleMethod(c).getAnnotation(KnownBug.class);
        return kb != null && Arrays.asList(kb.models()).contains(model) ? Outcome.BUG_REPRODUCED : Outcome.OK;
    }

    /**
     * Collects each invocation's outcome from the extension's report entries ({@link ReportEntries}):
     * the outcome by its {@link io.pinsim.junit.Outcome} name and, for a reproduced bug, its kind and
     * because. An invocation that finished without the extension's verdict is an ERROR.
     */
    private static final class Listener implements TestExecutionListener {
        private final Map<String, Row> rows;
        /** What the extension published per invocation (unique id): its report entries, merged. */
        private final Map<String, Map<String, String>> entries = new HashMap<>();

        Listener(Map<String, Row> rows) {
            this.rows = rows;
        }

        @Override
        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
            entries.computeIfAbsent(id.getUniqueId(), k -> new HashMap<>()).putAll(entry.getKeyValuePairs());
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Row row = rowOf(id);
            if (row == null) {
                return;
            }
            if (!id.isTest()) {
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL && id.getSource().filter(MethodSource.class::isInstance).isPresent()) {
                    result.getThrowable().ifPresent(t -> row.failures().put("*", t.toString()));
                }
                return;
            }
            String model = id.getDisplayName();
            Map<String, String> kv = entries.getOrDefault(id.getUniqueId(), Map.of());
            Outcome o = outcome(result.getStatus(), kv.get(ReportEntries.OUTCOME));
            if (ProposalMatrix.names().contains(model)) {
                row.proposals().put(model, ProposalMatrix.label(o, kv.get(ReportEntries.FAILURE), result.getThrowable().map(Throwable::getMessage).orElse(null)));
                String timeline = kv.get(ReportEntries.TIMELINE);
                if (timeline != null) {
                    row.timelines().put(model, timeline);
                }
                return;
            }
            if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                row.failures().put(model, result.getThrowable().map(Throwable::getMessage).map(String::valueOf).orElse(""));
            }
            if (o == Outcome.BUG_REPRODUCED) {
                row.bugs().put(model, new Bug(kv.get(ReportEntries.BUG_KIND), kv.get(ReportEntries.BUG_BECAUSE)));
            }
            row.results().put(model, o);
            if (kv.containsKey(ReportEntries.EXPLORED)) {
                row.explored().put(model, new Explored(Long.parseLong(kv.get(ReportEntries.EXPLORED)), Long.parseLong(kv.get(ReportEntries.EXPLORE_FAILED)),
                        kv.get(ReportEntries.EXPLORE_SEARCH)));
            }
            String timeline = kv.get(ReportEntries.TIMELINE);
            if (timeline != null) {
                row.timelines().put(model, timeline);
            }
        }

        /**
         * The cell: the extension's verdict where the platform's status agrees with it (a pass is OK or
         * BUG_REPRODUCED, a failure UNEXPECTED_PASS or UNEXPECTED_FAILURE); a failure the extension did
         * not judge is an UNEXPECTED_FAILURE; anything else an ERROR.
         */
        static Outcome outcome(TestExecutionResult.Status status, String published) {
            Outcome verdict = published == null ? null : Outcome.of(io.pinsim.junit.Outcome.valueOf(published));
            return switch (status) {
                case SUCCESSFUL -> verdict == Outcome.OK || verdict == Outcome.BUG_REPRODUCED ? verdict : Outcome.ERROR;
                case FAILED -> verdict == Outcome.UNEXPECTED_PASS ? verdict : Outcome.UNEXPECTED_FAILURE;
                case ABORTED -> Outcome.ERROR;
            };
        }

        private Row rowOf(TestIdentifier id) {
            return id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast).map(ms -> {
                Sample s = ms.getJavaClass().getAnnotation(Sample.class);
                return s == null ? null : rows.get(s.id());
            }).orElse(null);
        }
    }

    private int printMatrix(PrintStream ps, Map<String, Row> rows, List<String> models) {
        int idWidth = rows.keySet().stream().mapToInt(String::length).max().orElse(6);
        StringBuilder head = new StringBuilder(pad("sample", idWidth));
        for (String m : models) {
            head.append("  ").append(pad(m, CELL));
        }
        head.append("  variants");
        ps.println(head);
        int ok = 0;
        int bug = 0;
        int unexpected = 0;
        for (Row r : rows.values()) {
            StringBuilder line = new StringBuilder(pad(r.sample().id(), idWidth));
            for (String m : models) {
                Outcome o = r.results().get(m);
                line.append("  ").append(pad(o.cell, CELL));
            }
            List<String> vs = new ArrayList<>();
            for (String v : r.variants()) {
                vs.add(v + ": " + r.results().get(v).cell);
            }
            line.append("  ").append(String.join(", ", vs));
            ps.println(line.toString().stripTrailing());
            if (!r.explored().isEmpty()) {
                // an explored sample: its schedules per cell on a second line
                StringBuilder counts = new StringBuilder(pad("  schedules", idWidth));
                for (String m : models) {
                    counts.append("  ").append(pad(r.explored().containsKey(m) ? r.explored().get(m).cell() : "", CELL));
                }
                ps.println(counts.toString().stripTrailing());
            }
            for (Outcome o : r.results().values()) {
                if (o.unexpected()) {
                    unexpected++;
                } else if (o == Outcome.BUG_REPRODUCED) {
                    bug++;
                } else {
                    ok++;
                }
            }
        }
        for (Row r : rows.values()) {
            r.results().forEach((m, o) -> {
                if (o.unexpected()) {
                    ps.println(o.cell + ": " + r.sample().id() + " on " + m + ": " + firstSentence(r.failures().getOrDefault(m, r.failures().getOrDefault("*", "no result"))));
                }
            });
        }
        ps.println(rows.size() + " samples: " + ok + " ok, " + bug + " bug reproduced, " + unexpected + " unexpected");
        ProposalMatrix.print(ps, rows);
        return unexpected;
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    /**
     * catalogue.json: the pinsim version and when it was generated (report metadata, the wall clock),
     * the predefined models, the variants the samples declare with their base model, and every
     * sample with its reference (the fix), story, results, bugs, the schedules each cell of an explored sample explored and failed,
     * and the paths of each run's files.
     */
    private String json(Map<String, Row> rows, List<String> models) {
        Map<String, ModelVariant> variants = new LinkedHashMap<>();
        for (Class<?> c : samples) {
            for (ModelVariant v : sampleMethod(c).getAnnotationsByType(ModelVariant.class)) {
                variants.putIfAbsent(v.name(), v);
            }
        }
        StringBuilder sb = new StringBuilder("{\n  \"version\": ").append(quote(version()))
                .append(",\n  \"generatedAt\": ").append(quote(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()))
                .append(",\n  \"models\": [").append(jsonList(models)).append("],\n  \"proposals\": ").append(ProposalMatrix.json())
                .append(",\n  \"variants\": [");
        int n = 0;
        for (ModelVariant v : variants.values()) {
            sb.append(n++ > 0 ? ", " : "").append("{\"name\": ").append(quote(v.name())).append(", \"base\": ").append(quote(v.base()))
                    .append(", \"with\": [").append(jsonList(Arrays.asList(v.with()))).append("]}");
        }
        sb.append("],\n  \"samples\": [");
        n = 0;
        for (Row r : rows.values()) {
            sb.append(n++ > 0 ? "," : "").append("\n    {\"id\": ").append(quote(r.sample().id())).append(", \"title\": ").append(quote(r.sample().title()))
                    .append(", \"source\": ").append(quote(r.sample().source()))
                    .append(", \"reference\": ").append(r.reference() == null ? "null" : quote(r.reference()))
                    .append(", \"story\": ").append(quote(r.sample().story())).append(", \"results\": {");
            int k = 0;
            for (Map.Entry<String, Outcome> e : r.results().entrySet()) {
                sb.append(k++ > 0 ? ", " : "").append(quote(e.getKey())).append(": ").append(quote(e.getValue().name()));
            }
            sb.append("}, \"bugs\": {");
            k = 0;
            for (Map.Entry<String, Bug> e : r.bugs().entrySet()) {
                sb.append(k++ > 0 ? ", " : "").append(quote(e.getKey())).append(": {\"kind\": ").append(quote(e.getValue().kind()))
                        .append(", \"because\": ").append(quote(e.getValue().because())).append("}");
            }
            sb.append("}, \"explored\": {");
            k = 0;
            for (Map.Entry<String, Explored> e : r.explored().entrySet()) {
                sb.append(k++ > 0 ? ", " : "").append(quote(e.getKey())).append(": {\"schedules\": ").append(e.getValue().schedules())
                        .append(", \"failed\": ").append(e.getValue().failed()).append(", \"search\": ").append(quote(e.getValue().search())).append("}");
            }
            sb.append("}, \"runs\": {");
            k = 0;
            for (String m : r.results().keySet()) {
                String timeline = relative(r, m);
                if (timeline != null) {
                    sb.append(k++ > 0 ? ", " : "").append(quote(m)).append(": {\"trace\": ").append(quote(traceOf(timeline)))
                            .append(", \"timeline\": ").append(quote(timeline)).append("}");
                }
            }
            for (String m : ProposalMatrix.names()) {
                String timeline = relative(r, m);
                if (timeline != null) {
                    sb.append(k++ > 0 ? ", " : "").append(quote(m)).append(": {\"trace\": ").append(quote(traceOf(timeline)))
                            .append(", \"timeline\": ").append(quote(timeline)).append("}");
                }
            }
            sb.append("}, \"proposals\": ").append(ProposalMatrix.json(r)).append("}");
        }
        return sb.append("\n  ]\n}\n").toString();
    }

    /** The project version, from the filtered resource pinsim-version.properties ("unknown" without it). */
    static String version() {
        try (var in = Catalogue.class.getResourceAsStream("pinsim-version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** A failure message's first non-blank line, with the indented lines that continue it (a sentence wrapped at 120 columns) joined again. */
    static String firstSentence(String message) {
        StringBuilder sb = new StringBuilder();
        for (String l : message.lines().dropWhile(String::isBlank).toList()) {
            if (sb.length() > 0 && !l.startsWith("  ")) {
                break;
            }
            sb.append(sb.length() > 0 ? " " : "").append(l.strip());
        }
        return sb.toString();
    }

    /** The trace.txt next to a timeline. */
    private static String traceOf(String timeline) {
        return timeline.substring(0, timeline.length() - "timeline.html".length()) + "trace.txt";
    }

    private static String jsonList(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(quote(names.get(i)));
        }
        return sb.toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private String html(Map<String, Row> rows, List<String> models) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>pinsim catalogue</title><style>")
                .append("body{font:14px sans-serif;margin:20px;max-width:1200px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}")
                .append(".txt{font-size:11px;color:#666}.OK{background:#dfd}.BUG_REPRODUCED{background:#fe9}.UNEXPECTED_PASS,.UNEXPECTED_FAILURE,.ERROR{background:#f99;font-weight:bold}.PROPOSAL{background:#eef}")
                .append("</style></head><body><h1>pinsim: the catalogue of samples</h1>")
                .append("<p><b>ok</b>: the kernel keeps the correct semantics; <b>bug</b>: the documented bug reproduces as documented; "
                        + "anything else is unexpected. Each cell links to the timeline of that run, and <i>txt</i> to its trace.txt.</p><table><tr><th>sample</th>");
        for (String m : models) {
            sb.append("<th>").append(esc(m)).append("</th>");
        }
        sb.append("<th>variants</th></tr>");
        for (Row r : rows.values()) {
            sb.append("<tr><td><a href=\"#").append(esc(r.sample().id())).append("\">").append(esc(r.sample().id())).append("</a></td>");
            for (String m : models) {
                sb.append(cell(r, m));
            }
            sb.append("<td>");
            for (String v : r.variants()) {
                sb.append(esc(v)).append(": ").append(link(r, v, r.results().get(v).cell)).append(" ");
            }
            sb.append("</td></tr>");
        }
        sb.append("</table>").append(ProposalMatrix.html(rows, this));
        for (Row r : rows.values()) {
            sb.append("<h2 id=\"").append(esc(r.sample().id())).append("\">").append(esc(r.sample().id())).append(": ").append(esc(r.sample().title())).append("</h2>")
                    .append("<p>").append(esc(r.sample().story())).append("</p><p><i>Source:</i> ").append(esc(r.sample().source()))
                    .append(r.reference() == null ? "" : "; <i>reference:</i> " + esc(r.reference())).append("</p><p>Runs (timeline, txt): ");
            for (String m : r.results().keySet()) {
                sb.append(link(r, m, m)).append(" ");
            }
            for (String m : r.proposals().keySet()) {
                sb.append(link(r, m, m)).append(" ");
            }
            sb.append("</p>");
        }
        return sb.append("</body></html>").toString();
    }

    private String cell(Row r, String model) {
        Outcome o = r.results().get(model);
        Bug bug = r.bugs().get(model);
        String title = bug == null ? "" : " title=\"" + esc(bug.kind() + ": " + bug.because()) + "\"";
        Explored explored = r.explored().get(model);
        String counts = explored == null ? "" : "<br><small>" + esc(explored.cell() + " (" + explored.search() + ")") + "</small>";
        return "<td class=\"" + o.name() + "\"" + title + ">" + link(r, model, o.cell) + counts + "</td>";
    }

    /** The text linked to the run's timeline, followed by a link to its trace.txt. */
    String link(Row r, String model, String text) {
        String rel = relative(r, model);
        if (rel == null) {
            return esc(text);
        }
        return "<a href=\"" + esc(rel) + "\">" + esc(text) + "</a> <a class=\"txt\" href=\"" + esc(traceOf(rel)) + "\">txt</a>";
    }

    /** The run's timeline.html relative to the output directory, or null when the run wrote none. */
    private String relative(Row r, String model) {
        String t = r.timelines().get(model);
        return t == null ? null : out.toAbsolutePath().relativize(Path.of(t).toAbsolutePath()).toString().replace('\\', '/');
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
