package io.pinsim.runtime.trace;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The kernel log (dmesg) of one kernel: info lines, warnings and BUG reports, with the kernel's own
 * wording where it is known. Every line is also logged through SLF4J, logger {@code pinsim.kernel}.
 */
public final class KernelLog {
    private static final Logger LOG = LoggerFactory.getLogger("pinsim.kernel");

    /** The level of a log line, after the kernel's printk levels. */
    public enum Level {
        /** KERN_INFO. */
        INFO,
        /** A WARN_ON() or KERN_WARNING. */
        WARN,
        /** KERN_CRIT. */
        CRIT,
        /** A BUG(): the model throws {@link io.pinsim.runtime.KernelBugException} too. */
        BUG
    }

    /**
     * One line of the log.
     *
     * @param step  the trace step during which it was printed
     * @param level its level
     * @param text  the text, as the kernel prints it
     */
    public record Line(int step, Level level, String text) {
        @Override
        public String toString() {
            return "[" + step + "] " + level + ": " + text;
        }
    }

    private final List<Line> lines = new ArrayList<>();
    private final List<Line> view = Collections.unmodifiableList(lines);
    private final String kernelName;

    /** @param kernelName the kernel's name, which each line logged through SLF4J carries */
    public KernelLog(String kernelName) {
        this.kernelName = kernelName;
    }

    /** Appends a line and mirrors it to SLF4J. */
    public void print(int step, Level level, String text) {
        lines.add(new Line(step, level, text));
        switch (level) {
            case INFO -> LOG.info("[{}] {}", kernelName, text);
            case WARN -> LOG.warn("[{}] {}", kernelName, text);
            case CRIT, BUG -> LOG.error("[{}] {}", kernelName, text);
        }
    }

    /** All lines, oldest first; a live read-only view. */
    public List<Line> lines() {
        return view;
    }

    /** Whether any line contains the text. */
    public boolean contains(String text) {
        return lines.stream().anyMatch(l -> l.text().contains(text));
    }

    /** The log as dmesg would print it. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
