package io.pinsim.dsl;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.SignalException;
import java.util.Arrays;
import org.assertj.core.api.WritableAssertionInfo;

/**
 * The failure messages of the DSL, one factory per failure kind, in AssertJ's shape: what was
 * expected, what was seen, and why. Thrown as {@link PinsimAssertionError} (an opentest4j
 * AssertionFailedError with expected and actual, so IDEs show a diff) carrying its {@link BugKind}
 * and its {@code because:} line, with the DSL's own frames removed. A step that cannot run after an
 * unasserted failure throws {@link StepFailedException} instead: it is not an assertion.
 */
final class Failures {
    private Failures() {
    }

    /** Runs an assertion; strips the DSL's frames from a failure so its top frame is the user's line. */
    static void check(Runnable assertion) {
        try {
            assertion.run();
        } catch (AssertionError e) {
            throw trimmed(e);
        }
    }

    /** The failure with the DSL's frames stripped from the top of its stack trace: its top frame is the user's line. */
    static <E extends AssertionError> E trimmed(E e) {
        StackTraceElement[] trace = e.getStackTrace();
        int first = 0;
        while (first < trace.length && isOwnFrame(trace[first].getClassName())) {
            first++;
        }
        if (first < trace.length) {
            e.setStackTrace(Arrays.copyOfRange(trace, first, trace.length));
        }
        return e;
    }

    /** Whether a frame belongs to the DSL itself (loaded from the DSL's own jar or classes) or to AssertJ. */
    private static boolean isOwnFrame(String className) {
        if (className.startsWith("org.assertj.")) {
            return true;
        }
        if (!className.startsWith("io.pinsim.dsl.")) {
            return false;
        }
        try {
            Class<?> c = Class.forName(className, false, Failures.class.getClassLoader());
            var own = Failures.class.getProtectionDomain().getCodeSource();
            var theirs = c.getProtectionDomain().getCodeSource();
            return own != null && theirs != null && own.getLocation().equals(theirs.getLocation());
        } catch (ClassNotFoundException | SecurityException e) {
            return false;
        }
    }

    /** The part of what was read that the expectation covers. */
    static byte[] slice(byte[] seen, Data.Placed expected) {
        int from = (int) Math.min(expected.offset(), seen.length);
        int to = (int) Math.min(seen.length, expected.offset() + expected.bytes().length);
        return java.util.Arrays.copyOfRange(seen, from, to);
    }

    /** Compares what was seen with what was expected; a {@link PinsimAssertionError} of that kind, with both, if they differ. */
    static void compare(BugKind kind, String who, Data.Placed expected, byte[] seen, String because) {
        if (!Arrays.equals(expected.bytes(), seen)) {
            throw new PinsimAssertionError(kind, shouldSee(who, expected, seen, because), because, expected.description(), Data.describe(seen));
        }
    }

    /**
     * The kind of a failed "sees" assertion of a process, or of a pipe a process reads: the data a
     * device wrote is lost; or a child sees what its parent sees now (the parent's writes, or its
     * device's, reached the child); or the data is otherwise not what was written.
     */
    static BugKind seesKind(Data.Placed expected, Process viewer, long address, byte[] seen) {
        if (expected.fromDevice()) {
            return BugKind.DEVICE_DATA_LOST;
        }
        Process parent = viewer == null ? null : viewer.parent();
        if (parent != null && parent.isAlive()) {
            byte[] parentSees = peek(parent, address, seen.length);
            if (parentSees != null && Arrays.equals(parentSees, seen)) {
                return BugKind.LEAK_TO_CHILD;
            }
        }
        return BugKind.DATA_CORRUPTION;
    }

    /** The kind of a failed assertion on what a file or a frame contains. */
    static BugKind containsKind(Data.Placed expected) {
        return expected.fromDevice() ? BugKind.DEVICE_DATA_LOST : BugKind.DATA_CORRUPTION;
    }

    /**
     * What an assertion reads: {@link Process#peek}, the debugger's read without its fault, so an
     * assertion takes no fault, adds no step and changes nothing, whether the pages are present,
     * swapped out or not faulted in yet; null if the range cannot be read (nothing mapped there, or
     * past a file's end: peek's EIO).
     */
    static byte[] peek(Process p, long address, int length) {
        try {
            return p.peek(address, length);
        } catch (ErrnoException e) {
            return null;
        }
    }

    /**
     * Where the peek found the pages that are not present, for a failure message:
     * {@code 0x7f0000000000 not present (swapped out: read from swap slot 0)}; empty if every page
     * is present.
     */
    static String notPresent(Process p, long address, int length) {
        StringBuilder sb = new StringBuilder();
        long first = address & -Kernel.PAGE_SIZE;
        int listed = 0;
        for (long a = first; a < address + Math.max(length, 1) && listed < 4; a += Kernel.PAGE_SIZE) {
            String pte = p.pteAt(a);
            String where;
            if (pte.startsWith("swap entry slot ")) {
                where = "swapped out: read from swap slot " + pte.substring("swap entry slot ".length()).replace(" (exclusive)", "");
            } else if (pte.equals("none")) {
                io.pinsim.runtime.Vma v = p.vmaAt(a);
                where = v == null ? null : v.isAnonymous() ? "never touched: reads as zeros"
                        : "not faulted in: read from the page cache or the file (" + v + ")";
            } else {
                where = null;
            }
            if (where != null) {
                sb.append(listed++ == 0 ? "" : "; ").append(Kernel.hex(a)).append(" not present (").append(where).append(')');
            }
        }
        return sb.toString();
    }

    /**
     * The failure of {@code sees(expected)} on a buffer, or null if its process sees the data: read
     * with {@link #peek}; the scenario (null outside the chain) resolves {@code dmaData()} and
     * explains why. Shared by the AssertJ assertion and the Hamcrest matcher.
     */
    static PinsimAssertionError seesFailure(ScenarioState scenario, Buffer b, Data expected) {
        Data.Placed d = expected.place(scenario, b.process().kernel(), b.length());
        long at = b.address() + d.offset();
        byte[] seen = peek(b.process(), at, d.bytes().length);
        if (seen != null && Arrays.equals(d.bytes(), seen)) {
            return null;
        }
        ScenarioState explaining = scenario != null ? scenario : Scenarios.of(b.process().kernel());
        String because = explaining != null ? Explain.why(explaining, b) : Explain.mapping(b);
        BugKind kind = seen == null ? containsKind(d) : seesKind(d, b.process(), at, seen);
        String actual = seen == null ? "nothing (it cannot be read)" : Data.describe(seen);
        return new PinsimAssertionError(kind, shouldSee(b.process(), at, b.toString(), d, seen, because), because, d.description(), actual);
    }

    /** A failure message's lines are at most this wide; {@link #wrap} breaks a longer one. */
    static final int WIDTH = 120;

    /**
     * The line broken after spaces into lines of at most {@link #WIDTH} columns, the continuation
     * lines indented by two spaces (a word longer than a line is cut); of a text of several lines
     * only the first is wrapped. The text of
     * {@link PinsimAssertionError#because()} stays one line; only the message wraps it.
     */
    static String wrap(String line) {
        int newline = line.indexOf('\n');
        if (newline >= 0) {
            // only the sentence: what follows it (the explorer's interleaving table) keeps its layout
            return wrap(line.substring(0, newline)) + line.substring(newline);
        }
        StringBuilder sb = new StringBuilder();
        String rest = line;
        int width = WIDTH;
        while (rest.length() > width) {
            int cut = rest.lastIndexOf(' ', width);
            if (cut <= 0 || rest.substring(0, cut).isBlank()) {
                sb.append(rest, 0, width).append("\n  ");
                rest = rest.substring(width);
            } else {
                sb.append(rest, 0, cut).append("\n  ");
                rest = rest.substring(cut + 1);
            }
            width = WIDTH - 2;
        }
        return sb.append(rest).toString();
    }

    /** "Expecting X to see ... but saw ... because ...": a failed assertion on a file's or a frame's content. */
    static String shouldSee(String who, Data.Placed expected, byte[] actual, String because) {
        return "\nExpecting " + who + " to see:\n  " + expected.description() + (expected.offset() != 0 ? " at offset " + expected.offset() : "")
                + "\nbut saw:\n  " + Data.describe(actual) + "\n" + wrap("because: " + because);
    }

    /** "Expecting X to see ... but saw ... (where the pages were) because ...": a failed "sees" of a process's memory. */
    static String shouldSee(Process p, long at, String who, Data.Placed expected, byte[] actual, String because) {
        String where = actual == null ? "" : notPresent(p, at, expected.bytes().length);
        return "\nExpecting " + who + " to see:\n  " + expected.description() + (expected.offset() != 0 ? " at offset " + expected.offset() : "")
                + "\nbut " + (actual == null ? "could not read it: nothing is mapped there, or it lies past the end of its file"
                        : "saw:\n  " + Data.describe(actual) + (where.isEmpty() ? "" : "\n" + wrap("  (" + where + ")")))
                + "\n" + wrap("because: " + because);
    }

    /**
     * A failure thrown by one of the AssertJ assertion classes: AssertJ's description
     * ({@code as(..)}) and overriding message are kept as AssertJ would show them.
     */
    static PinsimAssertionError failure(WritableAssertionInfo info, BugKind kind, String message, String because, Object expected, Object actual) {
        String overriding = info.overridingErrorMessage();
        String text = overriding != null ? overriding : message;
        String description = info.descriptionText();
        if (description != null && !description.isEmpty()) {
            text = "[" + description + "] " + text;
        }
        return expected == null && actual == null ? new PinsimAssertionError(kind, text, because) : new PinsimAssertionError(kind, text, because, expected, actual);
    }

    static void expectErrno(ScenarioState state, Errno errno) {
        RuntimeException f = state.failure;
        if (f instanceof ErrnoException e && e.errno() == errno) {
            return;
        }
        String saw = f == null ? "the last step (" + lastStep(state) + ") succeeded" : "it failed with " + describe(f);
        throw new PinsimAssertionError(BugKind.WRONG_ERRNO, "\nExpecting the last step to fail with:\n  " + errno + "\nbut " + saw, saw, errno,
                f == null ? "success" : describe(f));
    }

    static void expectSignal(ScenarioState state, Signal signal) {
        RuntimeException f = state.failure;
        if (f instanceof SignalException e && e.signal() == signal) {
            return;
        }
        String saw = f == null ? "the last step (" + lastStep(state) + ") delivered no signal" : "it failed with " + describe(f);
        throw new PinsimAssertionError(BugKind.WRONG_SIGNAL, "\nExpecting the last step to deliver:\n  " + signal + "\nbut " + saw, saw, signal,
                f == null ? "no signal" : describe(f));
    }

    /** A step (or an assertion) after an unasserted failure: the scenario cannot go on, and this is not an assertion failure. */
    static StepFailedException unexpectedFailure(ScenarioState state, String next) {
        RuntimeException f = state.failure;
        String expect = f instanceof SignalException s ? "assertFaults(" + s.signal() + ")" : "assertFails(" + ((ErrnoException) f).errno() + ")";
        return new StepFailedException("\nStep " + state.failedStep + " failed:\n  " + describe(f)
                + "\nso " + next + " cannot run; if the failure is expected, follow the step with " + expect, state.failedStep, next, f);
    }

    private static String describe(RuntimeException f) {
        if (f instanceof ErrnoException e) {
            return e.errno() + " from " + e.call() + ": " + e.reason();
        }
        if (f instanceof SignalException s) {
            return s.getMessage();
        }
        return String.valueOf(f);
    }

    private static String lastStep(ScenarioState state) {
        return state.lastStep;
    }
}
