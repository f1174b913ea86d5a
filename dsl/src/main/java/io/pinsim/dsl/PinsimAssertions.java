package io.pinsim.dsl;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;

/**
 * AssertJ entry points for pinsim's types. Distinct names, so they never clash with AssertJ's
 * {@code assertThat} overloads. Every failure is a {@link PinsimAssertionError} carrying its
 * {@link BugKind}. Named data that a scenario decides, such as {@link Pinsim#dmaData()}, is resolved
 * against the kernel the checked object belongs to. No assertion changes the model: what a
 * process sees is read with a side-effect-free peek that takes no fault and adds no step.
 */
public final class PinsimAssertions {
    private PinsimAssertions() {
    }

    /**
     * Assertions on a process: what it maps, whether it is alive.
     * <pre>{@code
     * assertThatProcess(child).isAlive();
     * }</pre>
     *
     * @param actual the process
     * @return its assertions
     */
    public static ProcessAssert assertThatProcess(Process actual) {
        return new ProcessAssert(actual);
    }

    /**
     * Assertions on a buffer: what its process sees there.
     * <pre>{@code
     * assertThatBuffer(buf).sees(dmaData());      // passes if the process sees what the device wrote last
     * assertThatBuffer(buf).sees(text("hello"));  // fails with what it saw instead, and why
     * }</pre>
     *
     * @param actual the buffer
     * @return its assertions
     */
    public static BufferAssert assertThatBuffer(Buffer actual) {
        return new BufferAssert(actual);
    }

    /**
     * Assertions on a physical frame: who holds it, whether it is pinned.
     * <pre>{@code
     * assertThatFrame(mr.pins().frame(0)).isPinned();
     * }</pre>
     *
     * @param actual the frame
     * @return its assertions
     */
    public static FrameAssert assertThatFrame(Frame actual) {
        return new FrameAssert(actual);
    }

    /**
     * Assertions on a kernel's trace: which events it recorded.
     * <pre>{@code
     * assertThatTrace(kernel.trace()).hasEvent(TraceKind.COW_COPY, "refcount");
     * }</pre>
     *
     * @param actual the trace
     * @return its assertions
     */
    public static TraceAssert assertThatTrace(Trace actual) {
        return new TraceAssert(actual);
    }

    /**
     * Assertions on a kernel's log (dmesg).
     * <pre>{@code
     * assertThatKernelLog(kernel.log()).doesNotContain("BUG");
     * }</pre>
     *
     * @param actual the log
     * @return its assertions
     */
    public static KernelLogAssert assertThatKernelLog(KernelLog actual) {
        return new KernelLogAssert(actual);
    }

    /**
     * Assertions on a file: what its page cache and its disk hold.
     *
     * @param actual the file's inode
     * @return its assertions
     */
    public static FileAssert assertThatFile(Inode actual) {
        return new FileAssert(actual);
    }

    /**
     * Assertions on a kernel's lockdep: the reports it printed.
     * <pre>{@code
     * assertThatLockdep(kernel.lockdep()).reportsCycle("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map");
     * }</pre>
     *
     * @param actual the kernel's lockdep
     * @return its assertions
     */
    public static LockdepAssert assertThatLockdep(io.pinsim.runtime.lockdep.Lockdep actual) {
        return new LockdepAssert(actual);
    }
}
