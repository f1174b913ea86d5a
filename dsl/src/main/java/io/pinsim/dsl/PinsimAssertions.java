package io.pinsim.dsl;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;

/**
 * AssertJ entry points for pinsim's types. Distinct names, so they never clash with AssertJ's
 * {@code assertThat} overloads. Every failure is a {@link PinsimAssertionError} carrying its
 * {@link BugKind}.
 */
public final class PinsimAssertions {
    private PinsimAssertions() {
    }

    public static ProcessAssert assertThatProcess(Process actual) {
        return new ProcessAssert(actual);
    }

    public static BufferAssert assertThatBuffer(Buffer actual) {
        return new BufferAssert(actual);
    }

    public static FrameAssert assertThatFrame(Frame actual) {
        return new FrameAssert(actual);
    }

    public static TraceAssert assertThatTrace(Trace actual) {
        return new TraceAssert(actual);
    }

    public static KernelLogAssert assertThatKernelLog(KernelLog actual) {
        return new KernelLogAssert(actual);
    }

    public static FileAssert assertThatFile(Inode actual) {
        return new FileAssert(actual);
    }
}
