package io.pinsim.runtime.spi;

/**
 * A dma_fence (include/linux/dma-fence.h): a point on a timeline ({@link #context()},
 * {@link #seqno()}) that signals once, optionally with an error. Waiting is annotated as a write
 * acquisition of {@code dma_fence_map}; signalling runs as a fence-signalling section.
 *
 * <p>The model is single-threaded: a wait on a fence that has not signalled cannot block. A wait
 * with a timeout returns 0 (timed out); a wait with {@link #MAX_SCHEDULE_TIMEOUT} marks the fence
 * {@link #isIndefinite() indefinite} and warns, since nothing could end it.
 */
public interface DmaFence {
    /** MAX_SCHEDULE_TIMEOUT: wait without a timeout. */
    long MAX_SCHEDULE_TIMEOUT = Long.MAX_VALUE;

    /** The fence context (dma_fence_context_alloc()), one per timeline. */
    long context();

    /** The sequence number on its timeline, from 1. */
    long seqno();

    /** The timeline's name (get_timeline_name()). */
    String timeline();

    /** dma_fence_is_signaled(). */
    boolean isSignaled();

    /** The error set before signalling (negative errno), 0 if none (dma_fence_get_status() on a signalled fence). */
    int error();

    /** Whether someone waited for it without a timeout while it had not signalled: an indefinite fence. */
    boolean isIndefinite();

    /**
     * dma_fence_signal(): signals once, runs the callbacks in the order added; returns false if it
     * had signalled already (-EINVAL in the kernel). Runs as a fence-signalling section.
     */
    boolean signal();

    /**
     * dma_fence_set_error(): records a negative errno to report at signal time.
     *
     * @throws IllegalArgumentException for an error that is not a negative errno
     * @throws IllegalStateException    once the fence has signalled (the kernel's BUG_ON)
     */
    void setError(int error);

    /**
     * dma_fence_add_callback(): runs {@code callback} when the fence signals; false (-ENOENT) and
     * not added if it already has.
     */
    boolean addCallback(Runnable callback);

    /**
     * dma_fence_wait_timeout(): the remaining timeout (at least 1) if the fence has signalled, 0 if
     * not. Annotated with __dma_fence_might_wait().
     *
     * @throws IllegalArgumentException for a negative timeout
     */
    long waitTimeout(long timeout);
}
