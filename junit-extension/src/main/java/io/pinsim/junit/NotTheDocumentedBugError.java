package io.pinsim.junit;

import io.pinsim.dsl.BugKind;
import org.opentest4j.AssertionFailedError;

/**
 * A test failed on a model its {@link KnownBug} names, but not as documented: with an assertion of
 * another kind, without the {@code because} fragment, or with something that is not a pinsim
 * assertion at all. The failure is the cause; expected and actual are the two kinds.
 */
public final class NotTheDocumentedBugError extends AssertionFailedError {
    private static final long serialVersionUID = 1L;

    /** The kind the {@link KnownBug} expects. */
    private final BugKind expected;

    NotTheDocumentedBugError(String message, BugKind expected, String expectedText, String seen, Throwable cause) {
        super(message, expectedText, seen, cause);
        this.expected = expected;
    }

    /** The kind {@link KnownBug#expect()} names. */
    public BugKind expectedKind() {
        return expected;
    }
}
