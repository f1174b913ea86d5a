package io.pinsim.runtime;

/**
 * A broken MM invariant, the model's {@code VM_BUG_ON}: a freed frame still mapped, a refcount
 * underflow, a writable PTE to a shared anonymous page in the anon-exclusive era, ... The message
 * says which invariant, on which frame, and ends with the trace of the scenario so far.
 */
public final class KernelBugException extends PinsimException {
    private static final long serialVersionUID = 1L;

    private final String invariant;
    private final String summary;

    /**
     * @param invariant the invariant that broke
     * @param detail what broke it
     * @param trace the trace so far, or empty
     */
    public KernelBugException(String invariant, String detail, String trace) {
        super("kernel BUG: " + invariant + ": " + detail + (trace.isEmpty() ? "" : "\ntrace:\n" + trace));
        this.invariant = invariant;
        this.summary = "kernel BUG: " + invariant + ": " + detail;
    }

    /** The message without the trace: {@code kernel BUG: <invariant>: <detail>}. */
    public String summary() {
        return summary;
    }

    /** The short name of the broken invariant, e.g. {@code freed-frame-mapped}. */
    public String invariant() {
        return invariant;
    }
}
