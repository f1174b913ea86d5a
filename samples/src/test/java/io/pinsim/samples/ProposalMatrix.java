package io.pinsim.samples;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.Switch;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalogue's second matrix, "sample x proposal": every sample also runs on every proposal model
 * ({@link KernelModel#proposals()}); a sample's {@code @KnownBug} names kernel models only, so on a
 * proposal the extension's verdict is OK or an UNEXPECTED_FAILURE naming what failed (the
 * assertion's {@link io.pinsim.dsl.BugKind}, or the exception's type). {@link #label} turns that into
 * the sample's own terms: ok, data lost, stale pin, leak to child, device redirected (a failure about a
 * device's dummy page), a call that blocks (or, in an
 * explored sample, blocks forever: the explorer's deadlock), a call refused with its errno (named
 * when the failure names it: {@code fork refused: EBUSY}), a signal. These cells are information, not verdicts: they never count as
 * unexpected.
 */
final class ProposalMatrix {
    private static final Pattern ERRNO = Pattern.compile("\\b(E[A-Z]{2,})\\b");
    private static final Pattern SIGNAL = Pattern.compile("\\b(SIG[A-Z]+)\\b");
    /** The explorer's deadlock report: {@code T1 truncate (A)  blocked in "..."}. */
    private static final Pattern DEADLOCK = Pattern.compile("(?m)^deadlock: .*\\n\\s+\\S+ (\\S+) \\([^)]*\\)\\s+blocked in");
    private static final Pattern SLEEPS = Pattern.compile("([a-z_]+)\\([^)]*\\)(?: of [^ ]+)? sleeps:");
    /** The call an {@link io.pinsim.runtime.ErrnoException}'s message starts with: {@code fork: EBUSY: ...}, {@code ftruncate(fd 3 ..., 0): ETXTBSY: ...}. */
    private static final Pattern CALL = Pattern.compile("^([a-z_][a-z_0-9]*)(?:\\(|: )");
    /** The failed call a DSL step's {@link io.pinsim.dsl.StepFailedException} names: {@code EBUSY from fork: ...}. */
    private static final Pattern FROM = Pattern.compile("\\bE[A-Z]{2,} from ([a-z_][a-z_0-9]*)");

    private ProposalMatrix() {
    }

    /** The proposal models' names, in {@link KernelModel#proposals()} order. */
    static List<String> names() {
        return KernelModel.proposals().stream().map(KernelModel::name).toList();
    }

    /**
     * A cell in the sample's terms, from the extension's verdict, the failure it published (a BugKind
     * name or an exception's simple name) and the failure's message.
     */
    static String label(Catalogue.Outcome outcome, String failure, String message) {
        if (outcome == Catalogue.Outcome.OK) {
            return "ok";
        }
        if (outcome != Catalogue.Outcome.UNEXPECTED_FAILURE || failure == null) {
            return outcome.cell;
        }
        String m = message == null ? "" : message;
        if (m.contains("(dummy page of ") || m.contains("'s dummy page, frame #")) {
            // TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE: what failed is what the device sees through its dummy page
            return "device redirected";
        }
        Matcher deadlock = DEADLOCK.matcher(m);
        if (deadlock.find()) {
            return deadlock.group(1) + " blocks forever";
        }
        Matcher sleeps = SLEEPS.matcher(m);
        if (sleeps.find()) {
            return sleeps.group(1) + " blocks";
        }
        return switch (failure) {
            case "DEVICE_DATA_LOST" -> "data lost";
            case "DATA_CORRUPTION" -> "data corrupted";
            case "STALE_PIN", "LEAK_TO_CHILD", "KERNEL_WARNING" -> failure.toLowerCase(Locale.ROOT).replace('_', ' ');
            case "KernelBugException" -> "kernel BUG";
            case "SignalException" -> find(SIGNAL, m, "signal");
            default -> {
                Matcher errno = ERRNO.matcher(m);
                if (failure.endsWith("Exception") && errno.find()) {
                    Matcher call = CALL.matcher(m);
                    Matcher from = FROM.matcher(m);
                    String name = failure.equals("ErrnoException") && call.find() ? call.group(1) + " "
                            : failure.equals("StepFailedException") && from.find() ? from.group(1) + " " : "";
                    yield name + "refused: " + errno.group(1);
                }
                yield failure.endsWith("Exception") ? failure : failure.toLowerCase(Locale.ROOT).replace('_', ' ');
            }
        };
    }

    private static String find(Pattern p, String text, String prefix) {
        Matcher m = p.matcher(text);
        return m.find() ? prefix + " " + m.group(1) : prefix;
    }

    /** Prints the matrix: one row per sample, one column per proposal. */
    static void print(PrintStream ps, Map<String, Catalogue.Row> rows) {
        List<String> names = names();
        if (names.isEmpty()) {
            return;
        }
        int idWidth = rows.keySet().stream().mapToInt(String::length).max().orElse(6);
        int w = 16;
        for (String n : names) {
            w = Math.max(w, n.length());
        }
        ps.println();
        ps.println("proposals (" + String.join(", ", names) + "): what each sample sees on each proposal model");
        StringBuilder head = new StringBuilder(pad("sample", idWidth));
        for (String n : names) {
            head.append("  ").append(pad(n, w));
        }
        ps.println(head.toString().stripTrailing());
        for (Catalogue.Row r : rows.values()) {
            StringBuilder line = new StringBuilder(pad(r.sample().id(), idWidth));
            for (String n : names) {
                line.append("  ").append(pad(r.proposals().getOrDefault(n, "not run"), w));
            }
            ps.println(line.toString().stripTrailing());
        }
    }

    /** The {@code "proposals"} array of catalogue.json: each proposal model, what it stands for, its proposal values with their thread, fate and behaviour. */
    static String json() {
        StringBuilder sb = new StringBuilder("[");
        int n = 0;
        for (KernelModel m : KernelModel.proposals()) {
            sb.append(n++ > 0 ? ", " : "").append("{\"name\": ").append(Catalogue.quote(m.name())).append(", \"standsFor\": ").append(Catalogue.quote(m.standsFor()))
                    .append(", \"values\": [");
            int k = 0;
            for (Switch v : proposalValues(m)) {
                sb.append(k++ > 0 ? ", " : "").append("{\"value\": ").append(Catalogue.quote(v.getClass().getSimpleName() + "." + v.name()))
                        .append(", \"source\": ").append(Catalogue.quote(v.source())).append(", \"behaviour\": ").append(Catalogue.quote(v.behaviour())).append("}");
            }
            sb.append("]}");
        }
        return sb.append("]").toString();
    }

    private static List<Switch> proposalValues(KernelModel m) {
        List<Switch> out = new ArrayList<>();
        for (Switch v : m.switches()) {
            if (v.isProposal()) {
                out.add(v);
            }
        }
        return out;
    }

    /** The per-sample {@code "proposals"} object of catalogue.json: the cell by proposal name. */
    static String json(Catalogue.Row r) {
        StringBuilder sb = new StringBuilder("{");
        int k = 0;
        for (String n : names()) {
            sb.append(k++ > 0 ? ", " : "").append(Catalogue.quote(n)).append(": ").append(Catalogue.quote(r.proposals().getOrDefault(n, "not run")));
        }
        return sb.append("}").toString();
    }

    /** The HTML section: a paragraph per proposal (thread and fate), then the matrix, each cell linked to its run's timeline. */
    static String html(Map<String, Catalogue.Row> rows, Catalogue c) {
        StringBuilder sb = new StringBuilder("<h2 id=\"proposals\">Proposals: what each option argued on the lists would have done</h2>")
                .append("<p>Every sample also runs on each proposal model (a kernel model with a <code>PROPOSAL_*</code> switch value no shipped kernel has). "
                        + "A cell says what the sample saw there: <b>ok</b> (the correct semantics hold), <i>data lost</i>, <i>stale pin</i>, "
                        + "<i>leak to child</i>, <i>device redirected</i> (the device was moved to a dummy page), a call that <i>blocks</i> (<i>blocks forever</i>: the explorer found every thread blocked), a call <i>refused</i> with its errno, a <i>signal</i>. "
                        + "Proposal cells are information, not verdicts.</p><ul>");
        for (KernelModel m : KernelModel.proposals()) {
            sb.append("<li><b>").append(Catalogue.esc(m.name())).append("</b>: ").append(Catalogue.esc(m.standsFor()));
            for (Switch v : proposalValues(m)) {
                sb.append("<br><code>").append(Catalogue.esc(v.getClass().getSimpleName() + "." + v.name())).append("</code>: ")
                        .append(Catalogue.esc(v.behaviour())).append(" <i>Thread and fate:</i> ").append(Catalogue.esc(v.source()));
            }
            sb.append("</li>");
        }
        sb.append("</ul><table><tr><th>sample</th>");
        for (String n : names()) {
            sb.append("<th>").append(Catalogue.esc(n)).append("</th>");
        }
        sb.append("</tr>");
        for (Catalogue.Row r : rows.values()) {
            sb.append("<tr><td><a href=\"#").append(Catalogue.esc(r.sample().id())).append("\">").append(Catalogue.esc(r.sample().id())).append("</a></td>");
            for (String n : names()) {
                String cell = r.proposals().getOrDefault(n, "not run");
                sb.append("<td class=\"").append(cell.equals("ok") ? "OK" : "PROPOSAL").append("\">").append(c.link(r, n, cell)).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</table>").toString();
    }

    /** The matrix as the Markdown table README.md's "Proposals" section shows (CatalogueTest keeps them equal). */
    static String markdown(Map<String, Catalogue.Row> rows) {
        StringBuilder sb = new StringBuilder("| sample |");
        for (String n : names()) {
            sb.append(" `").append(n).append("` |");
        }
        sb.append("\n|---|").append("---|".repeat(names().size())).append('\n');
        for (Catalogue.Row r : rows.values()) {
            sb.append("| `").append(r.sample().id()).append("` |");
            for (String n : names()) {
                sb.append(' ').append(r.proposals().getOrDefault(n, "not run")).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }
}
