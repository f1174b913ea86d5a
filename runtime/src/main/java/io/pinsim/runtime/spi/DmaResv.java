package io.pinsim.runtime.spi;

import java.util.List;

/**
 * A reservation object (struct dma_resv, drivers/dma-buf/dma-resv.c): a ww_mutex of the
 * {@code reservation_ww_class} and the fences of one buffer, by usage.
 */
public interface DmaResv {
    /** The name the trace and lockdep show. */
    String name();

    /**
     * dma_resv_lock(obj, ctx): takes the reservation lock (the lockdep class
     * {@code reservation_ww_class_mutex}).
     *
     * @throws IllegalStateException if it is held already
     */
    void lock();

    /**
     * dma_resv_unlock().
     *
     * @throws IllegalStateException if it is not held
     */
    void unlock();

    /** Whether it is locked. */
    boolean isLocked();

    /**
     * dma_resv_add_fence(): adds a fence with a usage.
     *
     * @throws IllegalStateException unless locked (dma_resv_assert_held())
     */
    void addFence(DmaFence fence, DmaResvUsage usage);

    /** The fences whose usage is this one or a more important one (dma_resv_for_each_fence). */
    List<DmaFence> fences(DmaResvUsage usage);

    /**
     * dma_resv_wait_timeout(): waits for each unsignalled fence of the usage in turn (lockless, as
     * the kernel: the caller may hold the lock or not); the remaining timeout, or 0 if one did not
     * signal.
     *
     * @throws IllegalArgumentException for a negative timeout
     */
    long waitTimeout(DmaResvUsage usage, long timeout);
}
