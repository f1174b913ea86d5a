package io.pinsim.dsl;

/**
 * A step of the chain could not run because an earlier step failed (an errno or a signal) and no
 * {@code assertFails(..)} / {@code assertFaults(..)} followed it. This is not an assertion failure:
 * the scenario did not get as far as the question it asks, so it can never count as a documented
 * bug. The earlier step's {@link io.pinsim.runtime.ErrnoException} or
 * {@link io.pinsim.runtime.SignalException} is the cause.
 */
public final class StepFailedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The step that failed. */
    private final String failedStep;
    /** The step that could not run because of it. */
    private final String blockedStep;

    StepFailedException(String message, String failedStep, String blockedStep, RuntimeException cause) {
        super(message, cause);
        this.failedStep = failedStep;
        this.blockedStep = blockedStep;
    }

    /** The step that failed, e.g. {@code madvise(MADV_PAGEOUT)}. */
    public String failedStep() {
        return failedStep;
    }

    /** The step or assertion that could not run after it. */
    public String blockedStep() {
        return blockedStep;
    }
}
