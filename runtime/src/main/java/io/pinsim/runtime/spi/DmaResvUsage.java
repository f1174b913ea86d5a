package io.pinsim.runtime.spi;

/**
 * enum dma_resv_usage (7bc80a5462c3, 5.19; before it, the exclusive fence and the shared fences):
 * each usage includes the ones before it when iterating or waiting.
 */
public enum DmaResvUsage {
    /** Kernel memory management (moves, clears). */
    KERNEL,
    /** Implicit-sync writes (the old exclusive fence). */
    WRITE,
    /** Implicit-sync reads (the old shared fences). */
    READ,
    /** Everything else, e.g. a userptr job's fences that a notifier waits for. */
    BOOKKEEP
}
