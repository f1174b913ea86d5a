package io.pinsim.dsl;

/** Assertions on a {@link Buffer}; start with {@link PinsimAssertions#assertThatBuffer(Buffer)}. */
public final class BufferAssert extends AbstractBufferAssert<BufferAssert> {
    BufferAssert(Buffer actual) {
        super(actual, BufferAssert.class);
    }
}
