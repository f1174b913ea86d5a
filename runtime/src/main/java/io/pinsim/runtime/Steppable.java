package io.pinsim.runtime;

/**
 * An operation that the kernel performs in several steps other threads can observe, run one step
 * at a time so that a test (or a scheduler) can interleave it with others: GUP-fast
 * ({@link GupFast}) and fork ({@link ForkSteps}).
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
}
