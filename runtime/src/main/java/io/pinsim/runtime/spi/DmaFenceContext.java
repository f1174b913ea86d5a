package io.pinsim.runtime.spi;

/** A fence timeline: dma_fence_context_alloc() and the seqnos dma_fence_init() gives its fences. */
public interface DmaFenceContext {
    /** The context number. */
    long context();

    /** The timeline's name. */
    String timeline();

    /** dma_fence_init() with the next seqno. */
    DmaFence createFence();
}
