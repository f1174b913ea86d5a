package io.pinsim.runtime;

/**
 * struct mmu_interval_notifier (99cb252f5e68, 5.5): a driver's subscription to invalidations of one
 * range of one process, with the sequence protocol of mm/mmu_notifier.c. A driver reads with
 * {@code seq = readBegin()}, faults or looks up pages, takes its lock, and commits only if
 * {@code !readRetry(seq)}; its invalidate callback calls {@code setSeq(curSeq)} under the same lock.
 */
public interface MmuIntervalNotifier {
    /** The subscriber's name in the trace. */
    String name();

    /** @return the first address watched */
    long start();

    /** @return the address after the last one watched */
    long end();

    /** The process whose address space this watches. */
    Process process();

    /**
     * mmu_interval_read_begin(): the sequence to check with {@link #readRetry(long)}. It takes the
     * lockdep map __mmu_notifier_invalidate_range_start_map, which every invalidation holds; called
     * from inside an invalidation (a callback) lockdep reports possible recursive locking, and once
     * the callback has set the sequence it would sleep for the invalidation that is calling it.
     * The model reports both as a {@link KernelBugException}. Called by another thread while an
     * invalidation of the interval is in progress it would sleep until invalidate_range_end
     * ({@link #readBeginWaits()}): a plain call then throws {@link WouldBlockException} (an
     * {@link IllegalStateException}), before anything changes.
     */
    long readBegin();

    /**
     * Whether {@link #readBegin()} would sleep now: an invalidation of this interval has set its
     * sequence and not ended (is_invalidating in mmu_interval_read_begin(): the interval's sequence
     * equals the mm's odd invalidate_seq). A stepped device fault waits while it is true.
     */
    boolean readBeginWaits();

    /** mmu_interval_read_retry(): under the driver lock, whether an invalidation ran since {@code seq}. */
    boolean readRetry(long seq);

    /** mmu_interval_check_retry(): the lockless hint, the same test. */
    boolean checkRetry(long seq);

    /** mmu_interval_set_seq(): from the invalidate callback, under the driver lock. */
    void setSeq(long curSeq);

    /**
     * mmu_interval_notifier_remove(): stop receiving invalidations. Called from an invalidate
     * callback it would wait for itself (a {@link KernelBugException}); during an invalidation the
     * removal is deferred until it ends.
     */
    void remove();

    /** @return whether {@link #remove()} has taken effect */
    boolean isRemoved();
}
