package io.pinsim.runtime;

/**
 * The base of every exception through which the model reports what the simulated kernel or a
 * device did: {@link ErrnoException} (a refused call), {@link SignalException} (a fatal signal for
 * a bad access), {@link KernelBugException} (a broken invariant, the model's {@code VM_BUG_ON}), and
 * a device's own (for example an IOMMU fault). Misuse of the Java API is not one of them: it throws
 * {@link IllegalArgumentException} or {@link IllegalStateException}.
 */
public abstract class PinsimException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with this message. */
    protected PinsimException(String message) {
        super(message);
    }
}
