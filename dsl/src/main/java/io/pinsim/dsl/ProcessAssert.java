package io.pinsim.dsl;

import io.pinsim.runtime.Process;

/** Assertions on a {@link Process}; start with {@link PinsimAssertions#assertThatProcess(Process)}. */
public final class ProcessAssert extends AbstractProcessAssert<ProcessAssert> {
    ProcessAssert(Process actual) {
        super(actual, ProcessAssert.class);
    }
}
