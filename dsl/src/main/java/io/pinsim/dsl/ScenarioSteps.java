package io.pinsim.dsl;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Signal;
import java.util.Objects;

/**
 * The steps every scenario has. Each step runs at once on the scenario's kernel and is traced; a
 * step that makes no sense where it is used fails at once with {@link IllegalStateException}
 * naming what is missing. A step the kernel refuses (an errno) or that kills the process (a signal)
 * is recorded: the next step must be {@link #assertFails(Errno)} or {@link #assertFaults(Signal)};
 * any other step or assertion throws {@link StepFailedException}. A failed assertion throws
 * {@link PinsimAssertionError}, whose {@link BugKind} says what the failure looks like.
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
public abstract class ScenarioSteps<S extends ScenarioSteps<S>> extends GpuSteps<S> {
    ScenarioSteps(ScenarioState state) {
        super(state);
    }

    /** The kernel under the scenario. */
    public Kernel kernel() {
        return state.kernel;
    }

    /**
     * How the racing steps ({@code forkRacingPin(..)}) explore: every schedule with up to
     * {@code preemptions} preemptions, or, if {@code schedule} is not empty, exactly that one
     * ({@code "T1*3,T2*3,T1*4"}, as a failure printed it). The JUnit extension sets it from
     * {@code @Explore}. Not a kernel step: it is not traced.
     */
    public S exploring(int preemptions, String schedule) {
        Objects.requireNonNull(schedule, "schedule");
        if (preemptions < 0) {
            throw new IllegalArgumentException("exploring(" + preemptions + ", ..): preemptions must be 0 or more");
        }
        if (!schedule.isEmpty()) {
            io.pinsim.runtime.explore.Schedule.parse(schedule);
        }
        state.preemptions = preemptions;
        state.schedule = schedule;
        return self();
    }

    // ------------------------------------------------------------------ assertions

    /** The parent (the process that forked, or the first process) must see the data in the buffer. */
    public S assertParentSees(Data expected) {
        Objects.requireNonNull(expected, "expected");
        Process p = state.parent != null ? state.parent : requireProcess("assertParentSees(..)");
        return assertSees(p, expected, "assertParentSees");
    }

    /** The current process must see the data in the buffer. */
    public S assertSees(Data expected) {
        Objects.requireNonNull(expected, "expected");
        return assertSees(requireProcess("assertSees(..)"), expected, "assertSees");
    }

    S assertSees(Process p, Data expected, String name) {
        Buffer b = requireBuffer(name + "(" + expected + ")");
        checkNoFailure(name);
        requireAlive(p, name + "(" + expected + ")");
        state.asserted = true;
        Failures.check(() -> PinsimAssertions.assertThatBuffer(b.in(p)).inScenario(state).sees(expected));
        return self();
    }

    /** The device holding the buffer must see the data: it reads through the frames it holds now. A failure is a {@link BugKind#STALE_PIN}. */
    public S assertDeviceSees(Data expected) {
        Objects.requireNonNull(expected, "expected");
        ScenarioState.Registration r = requireRegistration("assertDeviceSees(..)");
        Buffer b = state.buffer;
        checkNoFailure("assertDeviceSees");
        state.asserted = true;
        byte[] seen = state.lastDeviceRead != null ? state.lastDeviceRead : deviceView(r, b);
        Data.Placed d = expected.place(state, b.length());
        byte[] part = Failures.slice(seen, d);
        if (!java.util.Arrays.equals(d.bytes(), part)) {
            Failures.check(() -> Failures.compare(BugKind.STALE_PIN, "device " + r.device() + " holding " + b, d, part, Explain.why(state, b)));
        }
        return self();
    }

    /**
     * The file must contain the data, as another reader would read it now. A failure is a
     * {@link BugKind#DEVICE_DATA_LOST} for {@code dmaData()}, else a {@link BugKind#DATA_CORRUPTION}.
     */
    public S assertFileContains(Data expected) {
        Objects.requireNonNull(expected, "expected");
        io.pinsim.runtime.Inode f = requireFile("assertFileContains(..)");
        checkNoFailure("assertFileContains");
        state.asserted = true;
        Data.Placed d = expected.place(state, Math.max(1, f.size()));
        byte[] seen = f.read(d.offset(), d.bytes().length);
        Failures.check(() -> Failures.compare(Failures.containsKind(d), FileAssert.who(f), d, seen, FileAssert.describe(f)));
        return self();
    }

    /**
     * What the last pipeRead() returned must be the data. A failure is a {@link BugKind#LEAK_TO_CHILD}
     * if a forked child read what its parent sees now in the buffer, else a {@link BugKind#DATA_CORRUPTION}.
     */
    public S assertPipeSees(Data expected) {
        Objects.requireNonNull(expected, "expected");
        if (state.lastPipeRead == null) {
            throw new IllegalStateException("assertPipeSees(..) needs a read of the pipe: add pipeRead() first");
        }
        checkNoFailure("assertPipeSees");
        state.asserted = true;
        Data.Placed d = expected.place(state, state.lastPipeRead.length);
        byte[] seen = Failures.slice(state.lastPipeRead, d);
        if (!java.util.Arrays.equals(d.bytes(), seen)) {
            BugKind kind = Failures.seesKind(d, state.current, state.buffer.address() + d.offset(), seen);
            Failures.check(() -> Failures.compare(kind, state.pipe.name() + " read by \"" + state.current.name() + "\"", d, seen, Explain.whyPipe(state)));
        }
        return self();
    }

    /** The last step must have delivered this signal to the process that ran it. A failure is a {@link BugKind#WRONG_SIGNAL}. */
    public S assertFaults(Signal signal) {
        Objects.requireNonNull(signal, "signal");
        state.asserted = true;
        Failures.check(() -> Failures.expectSignal(state, signal));
        state.failure = null;
        return self();
    }

    /** The last step must have failed with this errno. A failure is a {@link BugKind#WRONG_ERRNO}. */
    public S assertFails(Errno errno) {
        Objects.requireNonNull(errno, "errno");
        state.asserted = true;
        Failures.check(() -> Failures.expectErrno(state, errno));
        state.failure = null;
        return self();
    }

    /** The kernel log must contain the text. A failure is a {@link BugKind#MISSING_KERNEL_LOG}. */
    public S assertKernelLog(String text) {
        Objects.requireNonNull(text, "text");
        state.asserted = true;
        Failures.check(() -> PinsimAssertions.assertThatKernelLog(state.kernel.log()).contains(text));
        return self();
    }

    /**
     * Lockdep must have reported a cycle through these lock classes, the held lock first and last
     * ({@code "dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map"}).
     * A failure is a {@link BugKind#LOCKDEP_REPORT}.
     */
    public S assertLockdepReports(String... cycle) {
        LockdepAssert.requireCycle("assertLockdepReports", cycle);
        checkNoFailure("assertLockdepReports");
        state.asserted = true;
        LockdepAssert a = PinsimAssertions.assertThatLockdep(state.kernel.lockdep());
        Failures.check(() -> a.reportsCycle(cycle));
        return self();
    }

    /** Lockdep must have reported nothing. A failure is a {@link BugKind#LOCKDEP_REPORT}. */
    public S assertNoLockdepReport() {
        checkNoFailure("assertNoLockdepReport");
        state.asserted = true;
        Failures.check(() -> PinsimAssertions.assertThatLockdep(state.kernel.lockdep()).hasNoReport());
        return self();
    }

    /**
     * Leaves the chain for the handle layer: the kernel, processes, buffer and devices as plain
     * objects. It is not an assertion: a scenario run under the JUnit extension still needs one of
     * the chain's assertions.
     */
    public Handles then() {
        return new Handles(state);
    }

    /** Whether the scenario reached an assertion (the JUnit extension fails a scenario that did not). */
    public boolean isAsserted() {
        return state.asserted;
    }

    /** The number of steps run so far. */
    public int steps() {
        return state.steps;
    }
}
