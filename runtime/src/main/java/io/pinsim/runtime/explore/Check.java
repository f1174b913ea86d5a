package io.pinsim.runtime.explore;

import io.pinsim.runtime.Kernel;

/**
 * A property of the state an explored schedule reaches. It fails by throwing: an
 * {@link AssertionError} (AssertJ's, JUnit's or plain), or any exception, which the explorer
 * reports as the schedule's failure with its message. It may run more operations on the kernel
 * (the parent writes, the device DMAs) before it looks.
 *
 * @param <S> the state the explorer's setup returns
 */
@FunctionalInterface
public interface Check<S> {
    /** Throws if the property does not hold. */
    void check(Kernel kernel, S state) throws Exception;
}
