package io.pinsim.junit;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The trace of a failing test as a table with a column per actor, as text, and as an HTML timeline ({@link TimelineHtml}). */
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

    /**
     * A sentence of a failure message wrapped to {@link #MAX_WIDTH} columns, continuation lines
     * indented by two spaces; of a text of several lines only the first is wrapped.
     */
    static String wrapped(String sentence) {
        int newline = sentence.indexOf('\n');
        if (newline >= 0) {
            // only the sentence: what follows it (an explorer's interleaving table) keeps its layout
            return wrapped(sentence.substring(0, newline)) + sentence.substring(newline);
        }
        StringBuilder sb = new StringBuilder();
        String rest = sentence;
        int width = MAX_WIDTH;
        while (rest.length() > width) {
            int cut = rest.lastIndexOf(' ', width);
            if (cut <= 0) {
                sb.append(rest, 0, width).append("\n  ");
                rest = rest.substring(width);
            } else {
                sb.append(rest, 0, cut).append("\n  ");
                rest = rest.substring(cut + 1);
            }
            width = MAX_WIDTH - 2;
        }
        return sb.append(rest).toString();
    }

    private static String cell(TraceEvent e) {
        return e.kind() == TraceKind.CALL ? e.message() : e.kind() + " " + e.message();
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    /**
     * Writes trace.txt and timeline.html into the directory; returns the timeline's path.
     * {@code failed}: the test failed (the timeline marks the last step as the failing one).
     */
    static Path write(Path dir, String title, Kernel kernel, String header, boolean failed) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("trace.txt"), header + "\ntimeline: timeline.html (in this folder)\n\n" + kernel.trace().render() + "\nkernel log:\n" + kernel.log().render(), StandardCharsets.UTF_8);
        Path html = dir.resolve("timeline.html");
        Files.writeString(html, TimelineHtml.html(title, kernel, header, failed), StandardCharsets.UTF_8);
        return html;
    }

}
