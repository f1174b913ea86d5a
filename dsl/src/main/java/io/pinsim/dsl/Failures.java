package io.pinsim.dsl;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Frame;
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
            StackTraceElement[] trace = e.getStackTrace();
            int first = 0;
            while (first < trace.length && isOwnFrame(trace[first].getClassName())) {
                first++;
            }
            if (first < trace.length) {
                e.setStackTrace(Arrays.copyOfRange(trace, first, trace.length));
            }
            throw e;
        }
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

    /** "Expecting X to see ... but saw ... because ...". */
    static String shouldSee(String who, Data.Placed expected, byte[] actual, String because) {
        return "\nExpecting " + who + " to see:\n  " + expected.description() + (expected.offset() != 0 ? " at offset " + expected.offset() : "")
                + "\nbut saw:\n  " + Data.describe(actual) + "\nbecause: " + because;
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
     * What an assertion reads: a {@link #peek} where every page is present (or reads as zeros);
     * where one is not (swapped out, a file or shmem page the process has not faulted in), the
     * process's own read, which faults it in and is traced: the model cannot yet say what a page
     * cache or swap slot holds without the fault.
     */
    static byte[] seen(Process p, long address, int length) {
        byte[] peeked = peek(p, address, length);
        return peeked != null ? peeked : p.read(address, length);
    }

    /**
     * An empty PTE in private anonymous memory: a read would fault in the shared zero page
     * (do_anonymous_page() for a read), so a peek knows what it would see without the fault.
     */
    private static boolean readsAsZeros(Process p, long address) {
        io.pinsim.runtime.Vma vma = p.vmaAt(address);
        return vma != null && vma.isAnonymous() && "none".equals(p.pteAt(address));
    }

    /**
     * What the process maps at the address, read from its frames without faulting (nothing traced);
     * an empty PTE of private anonymous memory reads as zeros; null if another page is not present.
     */
    static byte[] peek(Process p, long address, int length) {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long a = address + done;
            Frame f = p.frameAt(a);
            if (f == null && !readsAsZeros(p, a)) {
                return null;
            }
            int offset = (int) (a & (Kernel.PAGE_SIZE - 1L));
            int n = Math.min(length - done, Kernel.PAGE_SIZE - offset);
            if (f != null) {
                System.arraycopy(f.read(offset, n), 0, out, done, n);
            }
            done += n;
        }
        return out;
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
