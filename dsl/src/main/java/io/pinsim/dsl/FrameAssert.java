package io.pinsim.dsl;

import io.pinsim.runtime.Frame;

/** Assertions on a {@link Frame}; start with {@link PinsimAssertions#assertThatFrame(Frame)}. */
public final class FrameAssert extends AbstractFrameAssert<FrameAssert> {
    FrameAssert(Frame actual) {
        super(actual, FrameAssert.class);
    }
}
