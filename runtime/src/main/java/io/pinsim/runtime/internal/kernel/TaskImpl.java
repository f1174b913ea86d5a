package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.internal.mm.ZapSteps;
import java.util.Objects;
import io.pinsim.runtime.internal.mm.Gup;
import io.pinsim.runtime.internal.mm.GupFastImpl;
import io.pinsim.runtime.internal.mm.GupRef;

/**
 * A thread of a process (task_struct sharing the process's mm). Threads matter as actors: GUP-fast
 * in one thread can be interleaved with fork in another.
 */
public final class TaskImpl implements io.pinsim.runtime.Task {
    private final ProcessImpl process;
    private final int tid;
    private final String name;

    TaskImpl(ProcessImpl process, int tid, String name) {
        this.process = process;
        this.tid = tid;
        this.name = name;
    }

    @Override
    public ProcessImpl process() {
        return process;
    }

    public int tid() {
        return tid;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String actor() {
        return tid == process.pid() ? process.name() : process.name() + "/" + name;
    }

    @Override
    public GupFastImpl pinUserPagesFastSteps(long address, int nrPages, int gupFlags, String holder) {
        return Gup.fastSteps(process, this, address, nrPages, gupFlags, GupRef.Kind.PIN, holder);
    }

    @Override
    public GupFastImpl getUserPagesFastSteps(long address, int nrPages, int gupFlags, String holder) {
        return Gup.fastSteps(process, this, address, nrPages, gupFlags, GupRef.Kind.GET, holder);
    }

    @Override
    public io.pinsim.runtime.internal.mm.GupSlowStepsImpl pinUserPagesSteps(long address, int nrPages, int gupFlags, String holder) {
        return io.pinsim.runtime.internal.mm.GupSlowStepsImpl.of(process, this, address, nrPages, gupFlags, GupRef.Kind.PIN, holder);
    }

    @Override
    public io.pinsim.runtime.internal.mm.GupSlowStepsImpl getUserPagesSteps(long address, int nrPages, int gupFlags, String holder) {
        return io.pinsim.runtime.internal.mm.GupSlowStepsImpl.of(process, this, address, nrPages, gupFlags, GupRef.Kind.GET, holder);
    }

    @Override
    public io.pinsim.runtime.internal.mm.WriteFaultStepsImpl writeSteps(long address, byte value) {
        return new io.pinsim.runtime.internal.mm.WriteFaultStepsImpl(process, this, address, value);
    }

    @Override
    public ForkStepsImpl forkSteps(String childName) {
        return process.forkSteps(this, childName);
    }

    @Override
    public ZapSteps munmapSteps(long address, long length) {
        process.requireAlive();
        return ZapSteps.munmap(process.mm, actor(), address, length);
    }

    @Override
    public ZapSteps madviseSteps(long address, long length, Advice advice) {
        Objects.requireNonNull(advice, "advice");
        if (advice != Advice.DONTNEED) {
            throw new IllegalArgumentException(advice.kernelName() + " is not steppable: only MADV_DONTNEED is (it zaps, which other threads can observe);"
                    + " call Process.madvise(..) for the others");
        }
        process.requireAlive();
        return ZapSteps.dontneed(process.mm, actor(), address, length);
    }

    @Override
    public String toString() {
        return "thread " + actor() + " (tid " + tid + ")";
    }
}
