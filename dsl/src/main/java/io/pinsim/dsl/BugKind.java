package io.pinsim.dsl;

/**
 * What a failed pinsim assertion looks like: the kind of wrong behaviour it saw. Every assertion of
 * the chain and of {@link PinsimAssertions} throws a {@link PinsimAssertionError} that carries one,
 * so a test can name the bug it documents by its kind (JUnit's {@code @KnownBug(expect = ..)})
 * instead of by the text of a message.
 *
 * <p>Which assertion gives which kind:
 * <ul>
 *   <li>what a process, a file or a pipe sees ({@code assertParentSees}, {@code assertSees},
 *       {@code assertChildSees}, {@code assertFileContains}, {@code assertPipeSees},
 *       {@code assertThatBuffer(..).sees}, {@code assertThatProcess(..).seesAt},
 *       {@code assertThatFile(..).contains}, {@code assertThatFrame(..).contains}):
 *       {@link #DEVICE_DATA_LOST} if the data expected is what a device wrote ({@code dmaData()});
 *       else {@link #LEAK_TO_CHILD} if a forked child (or a pipe it reads) sees what its parent
 *       sees now; else {@link #DATA_CORRUPTION};</li>
 *   <li>what a device sees ({@code assertDeviceSees}) and whether the process maps the frame the
 *       device holds ({@code assertThatBuffer(..).mapsFrame}): {@link #STALE_PIN};</li>
 *   <li>{@code assertFails}: {@link #WRONG_ERRNO}; {@code assertFaults}: {@link #WRONG_SIGNAL};</li>
 *   <li>{@code assertKernelLog}, {@code assertThatKernelLog(..).contains}: {@link #MISSING_KERNEL_LOG};
 *       {@code assertThatKernelLog(..).hasNoWarnings} and {@code doesNotContain}: {@link #KERNEL_WARNING};</li>
 *   <li>{@code assertThatProcess(..).isAlive}, {@code wasKilledBy}, {@code hasPinned}: {@link #PROCESS_STATE};</li>
 *   <li>{@code assertThatFrame(..)}'s counts and flags: {@link #FRAME_STATE};</li>
 *   <li>{@code assertThatTrace(..).hasEvent}, {@code hasNoEvent}: {@link #TRACE_EVENT};</li>
 *   <li>{@code assertLockdepReports}, {@code assertNoLockdepReport}, {@code assertThatLockdep(..).reportsCycle},
 *       {@code hasNoReport}: {@link #LOCKDEP_REPORT}.</li>
 * </ul>
 */
public enum BugKind {
    /** A process or a file does not see the data a device wrote (an RDMA write, an O_DIRECT read, a VFIO DMA). */
    DEVICE_DATA_LOST("a process or a file does not see the data a device wrote"),
    /** A device does not see what the process wrote: it holds a frame the process no longer maps. */
    STALE_PIN("a device does not see what the process wrote: it holds a frame the process no longer maps"),
    /** A forked child, or a pipe it reads, sees what its parent (or the parent's device) wrote after fork. */
    LEAK_TO_CHILD("a child sees what its parent, or the parent's device, wrote after fork"),
    /** A process, a file or a pipe holds other data than was written there, and no device or parent explains it. */
    DATA_CORRUPTION("a process, a file or a pipe holds other data than was written there"),
    /** The kernel log has a warning (or a line) the scenario must not cause. */
    KERNEL_WARNING("the kernel log has a warning the scenario must not cause"),
    /** The kernel log lacks a line the scenario must produce. */
    MISSING_KERNEL_LOG("the kernel log lacks a line the scenario must produce"),
    /** A step did not fail with the errno expected: it succeeded, or failed otherwise. */
    WRONG_ERRNO("a step did not fail with the errno expected"),
    /** A step did not deliver the signal expected. */
    WRONG_SIGNAL("a step did not deliver the signal expected"),
    /** A process is not in the state expected: alive, killed by a signal, MMF_HAS_PINNED. */
    PROCESS_STATE("a process is not in the state expected"),
    /** A frame's counts or flags differ: refcount, mapcount, pinned, PageAnonExclusive, free. */
    FRAME_STATE("a frame's counts or flags are not the ones expected"),
    /** The trace lacks an event it must have, or has one it must not. */
    TRACE_EVENT("the trace lacks an event it must have, or has one it must not"),
    /** Lockdep did not report the dependency cycle the scenario has, or reported one it must not. */
    LOCKDEP_REPORT("lockdep did not report the dependency cycle the scenario has, or reported one it must not");

    private final String description;

    BugKind(String description) {
        this.description = description;
    }

    /** What a failure of this kind looks like, in one line. */
    public String description() {
        return description;
    }
}
