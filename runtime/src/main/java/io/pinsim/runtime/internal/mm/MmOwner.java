package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Process;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.SignalException;

/**
 * The process side of an address space as mm, fs and io_uring see it (task_struct with its
 * mm_struct): implemented by the kernel's process, so that the subsystems below it never depend on
 * it.
 */
public interface MmOwner extends Process {
    /** task-&gt;mm. */
    Mm mm();

    /** IllegalStateException if the process exited or was killed. */
    void requireAlive();

    /**
     * Delivers a fatal signal for a bad access (force_sig_fault()): the process is killed and torn
     * down; returns the exception the access throws.
     */
    SignalException kill(Signal sig, long address, String reason);

    /**
     * The process as mm sees it, checked to belong to this kernel.
     *
     * @throws NullPointerException     for null
     * @throws IllegalArgumentException for a process of another kernel
     */
    static MmOwner of(Process p, MmCore core) {
        java.util.Objects.requireNonNull(p, "process");
        if (!(p instanceof MmOwner o) || o.mm().kernel != core) {
            throw new IllegalArgumentException("process \"" + p.name() + "\" belongs to another kernel; use a process of this kernel");
        }
        return o;
    }
}
