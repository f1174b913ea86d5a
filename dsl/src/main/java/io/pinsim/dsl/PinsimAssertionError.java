package io.pinsim.dsl;

import java.util.Objects;
import org.opentest4j.AssertionFailedError;

/**
 * A failed pinsim assertion: an opentest4j {@link AssertionFailedError} (so IDEs show expected and
 * actual as a diff) that also carries, as data, what kind of wrong behaviour it saw and why.
 *
 * <pre>{@code
 * try {
 *     kernel(LINUX_5_8).process("A").malloc(pages(1)).pin(rdma).fork().parentWrites(text("p")).dmaCompletes()
 *             .assertParentSees(dmaData());
 * } catch (PinsimAssertionError e) {
 *     e.kind();     // DEVICE_DATA_LOST
 *     e.because();  // "at step 8 (parent, write fault) write fault at 0x7f0000000000: copied frame #1 ..."
 * }
 * }</pre>
 */
public class PinsimAssertionError extends AssertionFailedError {
    private static final long serialVersionUID = 1L;

    /** What kind of wrong behaviour the assertion saw. */
    private final BugKind kind;
    /** Why, in the model's words: the step and mechanism that caused it. */
    private final String because;

    /** A failure without expected and actual values. */
    public PinsimAssertionError(BugKind kind, String message, String because) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.because = Objects.requireNonNull(because, "because");
    }

    /** A failure with the expected and actual values an IDE shows as a diff. */
    public PinsimAssertionError(BugKind kind, String message, String because, Object expected, Object actual) {
        super(message, expected, actual);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.because = Objects.requireNonNull(because, "because");
    }

    /** The same failure with a longer message (the JUnit extension appends its report), the original as cause. */
    public PinsimAssertionError withMessage(String message) {
        PinsimAssertionError e = isExpectedDefined() || isActualDefined()
                ? new PinsimAssertionError(kind, message, because, getExpected() == null ? null : getExpected().getValue(),
                        getActual() == null ? null : getActual().getValue())
                : new PinsimAssertionError(kind, message, because);
        e.initCause(this);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** What kind of wrong behaviour the assertion saw. */
    public BugKind kind() {
        return kind;
    }

    /** Why, in kernel terms: the {@code because:} line of the message (which step moved which frame, what the device holds). */
    public String because() {
        return because;
    }
}
