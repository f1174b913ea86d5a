package io.pinsim.dsl;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.SignalException;
import java.util.Arrays;
import org.opentest4j.AssertionFailedError;

/**
 * The failure messages of the DSL, one factory per failure kind, in AssertJ's shape: what was
 * expected, what was seen, and why. Thrown as opentest4j {@link AssertionFailedError} with
 * expected and actual, so IDEs show a diff, and with the DSL's own frames removed.
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

    /** Compares what was seen with what was expected; an AssertionFailedError with both if they differ. */
    static void compare(String who, Data.Placed expected, byte[] seen, String because) {
        if (!Arrays.equals(expected.bytes(), seen)) {
            throw new AssertionFailedError(shouldSee(who, expected, seen, because), expected.description(), Data.describe(seen));
        }
    }

    static void expectErrno(ScenarioState state, Errno errno) {
        RuntimeException f = state.failure;
        if (f instanceof ErrnoException e && e.errno() == errno) {
            return;
        }
        String saw = f == null ? "the last step (" + lastStep(state) + ") succeeded" : "it failed with " + describe(f);
        throw new AssertionFailedError("\nExpecting the last step to fail with:\n  " + errno + "\nbut " + saw, errno, f == null ? "success" : describe(f));
    }

    static void expectSignal(ScenarioState state, Signal signal) {
        RuntimeException f = state.failure;
        if (f instanceof SignalException e && e.signal() == signal) {
            return;
        }
        String saw = f == null ? "the last step (" + lastStep(state) + ") delivered no signal" : "it failed with " + describe(f);
        throw new AssertionFailedError("\nExpecting the last step to deliver:\n  " + signal + "\nbut " + saw, signal, f == null ? "no signal" : describe(f));
    }

    /** A step after an unasserted failure: the scenario cannot go on. */
    static AssertionFailedError unexpectedFailure(ScenarioState state, String next) {
        RuntimeException f = state.failure;
        String expect = f instanceof SignalException s ? "assertFaults(" + s.signal() + ")" : "assertFails(" + ((ErrnoException) f).errno() + ")";
        AssertionFailedError e = new AssertionFailedError("\nStep " + state.failedStep + " failed:\n  " + describe(f)
                + "\nso " + next + " cannot run; if the failure is expected, follow the step with " + expect);
        e.initCause(f);
        return e;
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
