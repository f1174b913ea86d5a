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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The trace of a failing test as a table with a column per actor, as text, and as an HTML timeline. */
final class TraceReport {
    /** The table in a failure message shows this many of the last events. */
    static final int TABLE_EVENTS = 40;
    /** The table in a failure message is at most this many columns wide; longer cells wrap. */
    static final int MAX_WIDTH = 120;
    /** No column is narrowed below this width (a table of many actors may then exceed {@link #MAX_WIDTH}). */
    private static final int MIN_CELL = 12;
    /** The timeline shows, after each step, who holds up to this many of the frames the step changed. */
    static final int SNAPSHOTS_PER_STEP = 16;

    private TraceReport() {
    }

    /** The actors in order of first appearance. */
    static List<String> actors(List<TraceEvent> events) {
        Set<String> set = new LinkedHashSet<>();
        for (TraceEvent e : events) {
            set.add(e.actor());
        }
        return new ArrayList<>(set);
    }

    /** The last events as a table: a step column and one column per actor (Lincheck's layout), at most {@link #MAX_WIDTH} wide. */
    static String table(List<TraceEvent> all) {
        List<TraceEvent> events = all.subList(Math.max(0, all.size() - TABLE_EVENTS), all.size());
        List<String> actors = actors(events);
        int[] width = new int[actors.size()];
        for (int i = 0; i < actors.size(); i++) {
            width[i] = actors.get(i).length();
        }
        for (TraceEvent e : events) {
            int i = actors.indexOf(e.actor());
            width[i] = Math.max(width[i], cell(e).length());
        }
        // narrow the widest column until the table fits; its cells wrap onto continuation lines
        while (7 + java.util.Arrays.stream(width).map(w -> w + 3).sum() > MAX_WIDTH) {
            int widest = 0;
            for (int i = 1; i < width.length; i++) {
                widest = width[i] > width[widest] ? i : widest;
            }
            if (width[widest] <= MIN_CELL) {
                break;
            }
            width[widest]--;
        }
        StringBuilder sb = new StringBuilder();
        if (events.size() < all.size()) {
            sb.append("(the last ").append(events.size()).append(" of ").append(all.size()).append(" events)\n");
        }
        List<String> head = new ArrayList<>();
        for (String a : actors) {
            head.add(a);
        }
        row(sb, "step", head, width);
        sb.append("-".repeat(6)).append('|');
        for (int w : width) {
            sb.append("-".repeat(w + 2)).append('|');
        }
        sb.append('\n');
        for (TraceEvent e : events) {
            List<String> cells = new ArrayList<>();
            for (String a : actors) {
                cells.add(a.equals(e.actor()) ? cell(e) : "");
            }
            row(sb, String.valueOf(e.step()), cells, width);
        }
        return sb.toString();
    }

    /** One row of the table: each cell wrapped to its column's width, continuation lines with an empty step column. */
    private static void row(StringBuilder sb, String step, List<String> cells, int[] width) {
        List<List<String>> wrapped = new ArrayList<>();
        int lines = 1;
        for (int i = 0; i < cells.size(); i++) {
            List<String> w = wrap(cells.get(i), width[i]);
            wrapped.add(w);
            lines = Math.max(lines, w.size());
        }
        for (int l = 0; l < lines; l++) {
            sb.append(String.format("%5s |", l == 0 ? step : ""));
            for (int i = 0; i < cells.size(); i++) {
                List<String> w = wrapped.get(i);
                sb.append(' ').append(pad(l < w.size() ? w.get(l) : "", width[i])).append(" |");
            }
            sb.append('\n');
        }
    }

    /** The text in lines of at most {@code width} characters, broken after a space where there is one, else cut. */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        String rest = text;
        while (rest.length() > width) {
            int cut = rest.lastIndexOf(' ', width);
            if (cut <= 0) {
                out.add(rest.substring(0, width));
                rest = rest.substring(width);
            } else {
                out.add(rest.substring(0, cut));
                rest = rest.substring(cut + 1);
            }
        }
        out.add(rest);
        return out;
    }

    private static String cell(TraceEvent e) {
        return e.kind() == TraceKind.CALL ? e.message() : e.kind() + " " + e.message();
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    /**
     * The kernel's lockdep reports (Kernel.lockdep().reports()) as the failure message and trace.txt
     * show them after the header: a line per report with its cycle, then the report as lockdep
     * prints it, indented; empty when lockdep reported nothing. A lockdep report often explains the
     * failure that follows it, and lockdep reports only the first cycle it finds.
     */
    static String lockdep(Kernel kernel) {
        List<LockdepReport> reports = kernel.lockdep().reports();
        if (reports.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (LockdepReport r : reports) {
            sb.append("\nlockdep at step ").append(r.step()).append(" (").append(r.actor()).append("): ").append(r.title()).append(':');
            for (String line : wrap(String.join(" -> ", r.cycle()), MAX_WIDTH - 4)) {
                sb.append("\n  ").append(line);
            }
            for (String line : r.text().split("\n")) {
                for (String part : wrap(line, MAX_WIDTH - 4)) {
                    sb.append("\n  | ").append(part);
                }
            }
        }
        return sb.toString();
    }

    /** Writes trace.txt and timeline.html into the directory; returns the timeline's path. */
    static Path write(Path dir, String title, Kernel kernel, String header) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("trace.txt"), header + lockdep(kernel) + "\ntimeline: timeline.html (in this folder)\n\n" + kernel.trace().render() + "\nkernel log:\n" + kernel.log().render(), StandardCharsets.UTF_8);
        Path html = dir.resolve("timeline.html");
        Files.writeString(html, html(title, kernel, header), StandardCharsets.UTF_8);
        return html;
    }

    static String html(String title, Kernel kernel, String header) {
        List<TraceEvent> events = kernel.trace().events();
        List<String> actors = actors(events);
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
                .append("body{font:13px sans-serif;margin:16px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}")
                .append("th{background:#eee;position:sticky;top:0}.k{font-size:11px;color:#fff;border-radius:3px;padding:0 4px;margin-right:4px}")
                .append(".CALL{background:#555}.FAULT{background:#07a}.COW_COPY{background:#c30}.COW_REUSE{background:#393}.UNSHARE{background:#c80}")
                .append(".FORK{background:#639}.PIN,.GUP_GET{background:#06c}.UNPIN{background:#69c}.DMA{background:#b06}.NOTIFIER{background:#a50}")
                .append(".SIGNAL,.ERRNO,.LOCKDEP{background:#d00}.lockdep{background:#fee;border:1px solid #d00}.RECLAIM{background:#776}.STEP,.INFO,.EXIT{background:#999}")
                .append(".f{display:inline-block;border-radius:8px;padding:0 5px;margin-left:4px;font-size:11px;border:1px solid #333}")
                .append(".snap td{background:#f8f8f0;font-size:12px}.snap ul{margin:2px 0;padding-left:18px}")
                .append("pre{background:#f6f6f6;padding:8px}</style></head><body>");
        sb.append("<h2>").append(esc(title)).append("</h2><pre>").append(esc(header)).append("</pre>")
                .append("<p>The same run as text: <a href=\"trace.txt\">trace.txt</a></p>");
        for (LockdepReport r : kernel.lockdep().reports()) {
            sb.append("<h3 id=\"lockdep\">Lockdep at step ").append(r.step()).append(": ").append(esc(r.title())).append("</h3><p>")
                    .append(esc(String.join(" \u2192 ", r.cycle()))).append("</p><pre class=\"lockdep\">").append(esc(r.text())).append("</pre>");
        }
        sb.append("<p>One swimlane per actor; each row one event of the trace. Frames are tagged <span class=\"f\">#n</span> in one colour per frame, so "
                + "you can follow a frame from lane to lane; &#8674; marks DMA by a device, &#9889; an mmu notifier call. "
                + "After each step, a row shows who maps and holds each frame the step changed (up to " + SNAPSHOTS_PER_STEP + "), and who did before.</p>");
        sb.append("<table><tr><th>step</th>");
        for (String a : actors) {
            sb.append("<th>").append(esc(a)).append("</th>");
        }
        sb.append("</tr>");
        Map<Integer, List<FrameSnapshot>> byStep = new HashMap<>();
        for (FrameSnapshot f : kernel.frameSnapshots()) {
            byStep.computeIfAbsent(f.step(), x -> new ArrayList<>()).add(f);
        }
        Map<Long, FrameSnapshot> last = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            TraceEvent e = events.get(i);
            sb.append("<tr><td>").append(e.step()).append("</td>");
            for (String a : actors) {
                sb.append("<td>");
                if (a.equals(e.actor())) {
                    String mark = e.kind() == TraceKind.DMA ? "&#8674; " : e.kind() == TraceKind.NOTIFIER ? "&#9889; " : "";
                    boolean lockdep = e.message().startsWith("lockdep: ");
                    sb.append("<span class=\"k ").append(lockdep ? "LOCKDEP" : e.kind()).append("\">").append(lockdep ? "LOCKDEP" : e.kind()).append("</span>").append(mark)
                            .append(lockdep ? "<a href=\"#lockdep\">" + esc(e.message()) + "</a>" : esc(e.message()));
                    if (e.pfn() > 0) {
                        sb.append(frameTag(e.pfn()));
                    }
                }
                sb.append("</td>");
            }
            sb.append("</tr>");
            boolean stepEnds = i + 1 == events.size() || events.get(i + 1).step() != e.step();
            List<FrameSnapshot> snaps = stepEnds ? byStep.remove(e.step()) : null;
            if (snaps != null) {
                sb.append(holdings(e.step(), snaps, last, actors.size()));
            }
        }
        sb.append("</table><h3>Who holds which frame at the end</h3><table><tr><th>process</th><th>mapping</th><th>frames</th></tr>");
        for (Process p : kernel.processes()) {
            if (!p.isAlive()) {
                sb.append("<tr><td>").append(esc(p.name())).append("</td><td colspan=\"2\">").append(p.state()).append("</td></tr>");
                continue;
            }
            for (Vma v : p.vmas()) {
                StringBuilder frames = new StringBuilder();
                int shown = 0;
                for (long a = v.start(); a < v.end() && shown < 64; a += Kernel.PAGE_SIZE) {
                    Frame f = p.frameAt(a);
                    if (f != null) {
                        frames.append(frameTag(f.pfn())).append(f.holders().isEmpty() ? "" : " (" + esc(String.join(", ", f.holders())) + ")");
                        shown++;
                    }
                }
                sb.append("<tr><td>").append(esc(p.name())).append("</td><td>").append(esc(v.toString())).append("</td><td>").append(frames).append("</td></tr>");
            }
        }
        sb.append("</table><h3>Kernel log</h3><pre>").append(esc(kernel.log().render())).append("</pre></body></html>");
        return sb.toString();
    }

    /** The row after a step: each frame it changed, who holds it now, and who held it before. */
    private static String holdings(int step, List<FrameSnapshot> snaps, Map<Long, FrameSnapshot> last, int lanes) {
        StringBuilder sb = new StringBuilder("<tr class=\"snap\"><td></td><td colspan=\"").append(lanes).append("\"><b>after step ").append(step).append("</b><ul>");
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
        return sb.append("</ul></td></tr>").toString();
    }

    private static String frameTag(long pfn) {
        int hue = (int) ((pfn * 67) % 360);
        return "<span class=\"f\" style=\"background:hsl(" + hue + ",70%,80%)\">#" + pfn + "</span>";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
