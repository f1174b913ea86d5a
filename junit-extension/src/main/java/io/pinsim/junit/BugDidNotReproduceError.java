package io.pinsim.junit;

import org.opentest4j.AssertionFailedError;

/** A test passed on a model its {@link KnownBug} names: the documented bug did not reproduce. */
public final class BugDidNotReproduceError extends AssertionFailedError {
    private static final long serialVersionUID = 1L;

    BugDidNotReproduceError(String message) {
        super(message);
    }
}
