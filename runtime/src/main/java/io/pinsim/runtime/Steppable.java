package io.pinsim.runtime;

import java.util.List;

/**
 * An operation that the kernel performs in several steps other threads can observe, run one step
 * at a time so that a test (or a scheduler) can interleave it with others: GUP-fast
 * ({@link GupFast}) and fork ({@link ForkSteps}); {@link #atomic} makes a one-step operation of a
 * plain call. The schedule explorer ({@code io.pinsim.runtime.explore}) also asks what the next
 * step touches ({@link #nextFootprint()}) and, for a step that waits, what for and who holds it
 * ({@link #waitsFor()}, {@link #holds()}).
 */
public interface Steppable {
    /**
     * Runs the next step. A step that must wait (for a lock another operation holds) makes no
     * progress and leaves {@link #isBlocked()} true.
     *
     * @throws IllegalStateException if the operation is already done
     */
    void step();

    /** Whether every step has run. */
    boolean isDone();

    /** Whether the next step waits for something another operation holds. */
    boolean isBlocked();

    /** What the next step will do, e.g. {@code walk page 0 (lockless)}. */
    String nextStep();

    /** The actor that runs the steps. */
    String actor();

    /**
     * The objects the next step may read and write, for the explorer's partial-order reduction:
     * steps with footprints that do not conflict commute. An implementation must name everything
     * the step may touch in the current state, including the locks it takes or releases and the
     * state that decides whether another operation's next step is blocked; when unsure, more.
     * The default, {@link Footprint#ALL}, conflicts with every step and is always sound.
     */
    default Footprint nextFootprint() {
        return Footprint.ALL;
    }

    /**
     * While {@link #isBlocked()}: the object the next step waits for, as a {@link Footprint} id
     * ({@code mm:1:mmap_lock}); null if not blocked or not known. The explorer's deadlock report
     * draws the wait-for graph from it and from {@link #holds()}.
     */
    default String waitsFor() {
        return null;
    }

    /** The objects (locks) this operation holds between its steps, as {@link Footprint} ids; empty by default. */
    default List<String> holds() {
        return List.of();
    }

    /**
     * A one-step operation: a plain call (a syscall, a CPU access, a device operation) that the
     * explorer runs atomically between the steps of others. Its footprint is {@link Footprint#ALL}.
     *
     * @param actor who runs it, as the trace names it ({@code A}, {@code A/T2}, {@code rdma0})
     * @param what  what it does, for the explorer's trace table ({@code write 'P' to the buffer})
     * @param body  the call
     */
    static Steppable atomic(String actor, String what, Runnable body) {
        return new AtomicStep(actor, what, Footprint.ALL, body);
    }

    /** {@link #atomic(String, String, Runnable)} with the footprint of the call, when it is known exactly. */
    static Steppable atomic(String actor, String what, Footprint footprint, Runnable body) {
        return new AtomicStep(actor, what, footprint, body);
    }
}
