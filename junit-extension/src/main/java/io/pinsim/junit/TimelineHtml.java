package io.pinsim.junit;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Vma;
import io.pinsim.runtime.lockdep.LockdepReport;
import io.pinsim.runtime.trace.FrameSnapshot;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's timeline as one self-contained HTML page: the style sheet and the script
 * ({@code timeline.css}, {@code timeline.js} beside this class) are inlined, nothing is loaded from
 * elsewhere, and without a script the page still reads as a table.
 *
 * <p>One swimlane per actor and one row per trace event. Every frame number is a tag
 * ({@code <span class="f" data-pfn="n">}): clicking one highlights that frame in every lane, every
 * snapshot and the end table. A toolbar filters the lanes by actor, folds and unfolds the per-step
 * snapshots and jumps to the failing step (the step the test was in when it failed: the last step of
 * the trace). Lockdep's reports, when the run has any, are listed with a link to their step.
 */
final class TimelineHtml {
    /** {@code frame #12} or {@code frames #3}: a frame number inside a trace message, made a tag too. */
    private static final Pattern FRAME_IN_TEXT = Pattern.compile("(frames? )#(\\d+)");

    private TimelineHtml() {
    }

    /**
     * The page.
     *
     * @param title  the test (and sample) and model
     * @param kernel the kernel the test ran on
     * @param header the report header: test, model, seed, outcome, rerun command
     * @param failed whether the test failed (then the last step is marked as the failing step)
     */
    static String html(String title, Kernel kernel, String header, boolean failed) {
        List<TraceEvent> events = kernel.trace().events();
        List<String> actors = TraceReport.actors(events);
        int failingStep = failed && !events.isEmpty() ? events.get(events.size() - 1).step() : -1;
        StringBuilder sb = new StringBuilder(16_384);
        sb.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
                .append(resource("timeline.css")).append("</style></head><body data-ready=\"0\">");
        sb.append("<h2>").append(esc(title)).append("</h2><pre class=\"header").append(failed ? " failed" : "").append("\">")
                .append(esc(header)).append("</pre><p>The same run as text: <a href=\"trace.txt\">trace.txt</a></p>");
        toolbar(sb, actors, failingStep);
        sb.append("<p class=\"help\">One swimlane per actor, one row per event of the trace. Click a frame tag <span class=\"f\" ")
                .append("style=\"background:hsl(67,70%,80%)\">#n</span> to follow that frame across lanes and snapshots (click it again, ")
                .append("or press Esc, to stop). &#8674; marks DMA by a device, &#9889; an mmu notifier call. After each step a folded row ")
                .append("shows who maps and holds each frame the step changed (up to ").append(TraceReport.SNAPSHOTS_PER_STEP)
                .append("), and who did before.</p><div id=\"following\" hidden></div>");
        lockdep(sb, kernel.lockdep().reports());
        lanes(sb, kernel, events, actors, failingStep);
        endTable(sb, kernel);
        sb.append("<h3>Kernel log</h3><pre>").append(esc(kernel.log().render())).append("</pre><script>")
                .append(resource("timeline.js")).append("</script></body></html>");
        return sb.toString();
    }

    private static void toolbar(StringBuilder sb, List<String> actors, int failingStep) {
        sb.append("<div id=\"toolbar\"><span class=\"group\">actors:");
        for (int i = 0; i < actors.size(); i++) {
            sb.append(" <label><input type=\"checkbox\" class=\"actor-filter\" checked data-lane=\"").append(i).append("\"> ")
                    .append(esc(actors.get(i))).append("</label>");
        }
        sb.append("</span><span class=\"group\"><button id=\"fold\" type=\"button\">fold snapshots</button>")
                .append("<button id=\"unfold\" type=\"button\">unfold snapshots</button></span>");
        if (failingStep > 0) {
            sb.append("<span class=\"group\"><a id=\"jump-failing\" href=\"#step-").append(failingStep)
                    .append("\">jump to the failing step (").append(failingStep).append(")</a></span>");
        }
        sb.append("</div>");
    }

    private static void lockdep(StringBuilder sb, List<LockdepReport> reports) {
        if (reports.isEmpty()) {
            return;
        }
        sb.append("<section id=\"lockdep\"><h3>Lockdep: ").append(reports.size()).append(" report(s)</h3>");
        for (LockdepReport r : reports) {
            sb.append("<div class=\"lockdep-report\"><b>").append(esc(r.title())).append("</b> at <a href=\"#step-").append(r.step())
                    .append("\">step ").append(r.step()).append("</a> by ").append(esc(r.actor())).append("; cycle: ")
                    .append(esc(String.join(" \u2192 ", r.cycle()))).append("<details><summary>the report</summary><pre>")
                    .append(esc(r.text())).append("</pre></details></div>");
        }
        sb.append("</section>");
    }

    private static void lanes(StringBuilder sb, Kernel kernel, List<TraceEvent> events, List<String> actors, int failingStep) {
        sb.append("<table id=\"lanes\"><thead><tr><th>step</th>");
        for (int i = 0; i < actors.size(); i++) {
            sb.append("<th data-lane=\"").append(i).append("\">").append(esc(actors.get(i))).append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        Map<Integer, List<FrameSnapshot>> byStep = new TreeMap<>();
        for (FrameSnapshot f : kernel.frameSnapshots()) {
            byStep.computeIfAbsent(f.step(), x -> new ArrayList<>()).add(f);
        }
        Map<Long, FrameSnapshot> last = new LinkedHashMap<>();
        int previousStep = -1;
        for (int i = 0; i < events.size(); i++) {
            TraceEvent e = events.get(i);
            int lane = actors.indexOf(e.actor());
            boolean bad = e.kind() == TraceKind.SIGNAL || e.kind() == TraceKind.ERRNO;
            sb.append("<tr class=\"ev").append(e.step() == failingStep ? " failing" : "").append(bad ? " bad" : "")
                    .append("\" data-lane=\"").append(lane).append("\" data-step=\"").append(e.step()).append('"');
            if (e.step() != previousStep) {
                sb.append(" id=\"step-").append(e.step()).append('"');
                previousStep = e.step();
            }
            sb.append("><td class=\"step\">").append(e.step()).append("</td>");
            for (int a = 0; a < actors.size(); a++) {
                sb.append("<td data-lane=\"").append(a).append("\">");
                if (a == lane) {
                    String mark = e.kind() == TraceKind.DMA ? "&#8674; " : e.kind() == TraceKind.NOTIFIER ? "&#9889; " : "";
                    String text = framesInText(esc(e.message()));
                    sb.append("<span class=\"k ").append(e.kind()).append("\">").append(e.kind()).append("</span>").append(mark).append(text);
                    if (e.pfn() > 0 && !text.contains(" data-pfn=\"" + e.pfn() + "\"")) {
                        sb.append(frameTag(e.pfn()));
                    }
                }
                sb.append("</td>");
            }
            sb.append("</tr>");
            boolean stepEnds = i + 1 == events.size() || events.get(i + 1).step() != e.step();
            List<FrameSnapshot> snaps = stepEnds ? byStep.remove(e.step()) : null;
            if (snaps != null) {
                holdings(sb, e.step(), snaps, last, actors.size());
            }
        }
        sb.append("</tbody></table>");
    }

    /** The folded row after a step: each frame it changed, who holds it now, and who held it before. */
    private static void holdings(StringBuilder sb, int step, List<FrameSnapshot> snaps, Map<Long, FrameSnapshot> last, int lanes) {
        sb.append("<tr class=\"snap\" data-step=\"").append(step).append("\"><td></td><td colspan=\"").append(lanes)
                .append("\"><details><summary>after step ").append(step).append(": ");
        for (FrameSnapshot f : snaps) {
            sb.append(frameTag(f.pfn()));
        }
        sb.append("</summary><ul>");
        for (FrameSnapshot f : snaps) {
            FrameSnapshot before = last.put(f.pfn(), f);
            sb.append("<li>").append(frameTag(f.pfn())).append(' ').append(esc(f.describe()));
            if (before == null) {
                sb.append(" <i>(before: not in the timeline yet)</i>");
            } else if (!f.sameHoldingsAs(before)) {
                sb.append(" <i>(before, after step ").append(before.step()).append(": ").append(esc(before.describe())).append(")</i>");
            } else {
                sb.append(" <i>(unchanged)</i>");
            }
            sb.append("</li>");
        }
        sb.append("</ul></details></td></tr>");
    }

    private static void endTable(StringBuilder sb, Kernel kernel) {
        sb.append("<h3>Who holds which frame at the end</h3><table id=\"end\"><tr><th>process</th><th>mapping</th><th>frames</th></tr>");
        for (Process p : kernel.processes()) {
            if (!p.isAlive()) {
                sb.append("<tr><td>").append(esc(p.name())).append("</td><td colspan=\"2\">").append(p.state()).append("</td></tr>");
                continue;
            }
            for (Vma v : p.vmas()) {
                StringBuilder frames = new StringBuilder();
                int shown = 0;
                for (long a = v.start(); a < v.end() && shown < 64; ) {
                    Frame f = p.frameAt(a);
                    if (f != null && f.isCompound()) {
                        a = folio(frames, p, a, v.end(), f);
                        shown++;
                        continue;
                    }
                    if (f != null) {
                        frames.append(frameTag(f.pfn())).append(f.holders().isEmpty() ? "" : " (" + esc(String.join(", ", f.holders())) + ")");
                        shown++;
                    }
                    a += Kernel.PAGE_SIZE;
                }
                sb.append("<tr><td>").append(esc(p.name())).append("</td><td>").append(esc(v.toString())).append("</td><td>").append(frames)
                        .append("</td></tr>");
            }
        }
        sb.append("</table>");
    }

    /**
     * A compound page (THP or hugetlb folio) as one group: its head's tag, its size and whether a
     * PMD maps it, then the run of its subpages this mapping maps from {@code start} on, with the
     * folio's holders (pins and references count on the folio). Returns the address after the run.
     */
    private static long folio(StringBuilder frames, Process p, long start, long end, Frame first) {
        Frame head = first.compoundHead();
        long n = 0;
        long a = start;
        boolean gigantic = head.nrPages() > 512;
        if (gigantic) {
            // a 1 GiB hugetlb folio is mapped whole by one PUD entry, never by PTEs: its run is the rest of the folio in the
            // mapping, computed rather than walked (frameAt() of each of 262,144 subpages would create every tail page)
            n = Math.min(head.nrPages() - (first.pfn() - head.pfn()), (end - start) / Kernel.PAGE_SIZE);
            a = start + n * Kernel.PAGE_SIZE;
        }
        while (!gigantic && a < end) {
            Frame g = p.frameAt(a);
            if (g == null || !g.isCompound() || g.compoundHead().pfn() != head.pfn() || g.pfn() != first.pfn() + n) {
                break;
            }
            n++;
            a += Kernel.PAGE_SIZE;
        }
        frames.append("<span class=\"folio\" data-folio=\"").append(head.pfn()).append("\">folio ").append(frameTag(head.pfn()))
                .append(" (").append(head.nrPages()).append(" pages").append(head.entireMapcount() > 0 ? gigantic ? ", PUD-mapped" : ", PMD-mapped" : ", PTE-mapped").append("): ")
                .append(n == 1 ? "subpage " : "subpages ").append(frameTag(first.pfn()));
        if (n > 1) {
            frames.append("&ndash;").append(frameTag(first.pfn() + n - 1));
        }
        frames.append(head.holders().isEmpty() ? "" : " (" + esc(String.join(", ", head.holders())) + ")").append("</span> ");
        return a;
    }

    /** Makes each {@code frame #n} of an (escaped) message a frame tag. */
    static String framesInText(String escaped) {
        Matcher m = FRAME_IN_TEXT.matcher(escaped);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + frameTag(Long.parseLong(m.group(2)))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A frame's tag, in a colour of its own: what a click follows. */
    static String frameTag(long pfn) {
        int hue = (int) ((pfn * 67) % 360);
        return "<span class=\"f\" data-pfn=\"" + pfn + "\" style=\"background:hsl(" + hue + ",70%,80%)\">#" + pfn + "</span>";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String resource(String name) {
        try (InputStream in = TimelineHtml.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("pinsim-junit is missing its resource " + name + " (a broken jar?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
