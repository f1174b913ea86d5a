package io.pinsim.runtime;

/**
 * The hook where the MM core calls mmu notifiers: every operation that changes or removes PTEs
 * calls {@link #invalidateRangeStart} before and {@link #invalidateRangeEnd} after, with the event
 * the kernel passes (reference §9.4). The notifier subsystem with interval notifiers and the
 * sequence protocol is built on this hook.
 */
public interface MmuNotifierListener {
    /**
     * mmu_notifier_invalidate_range_start(): the pages in [start, end) are still mapped.
     *
     * @param blockable false only for the OOM reaper; a listener may refuse only then
     * @return true to proceed; false to refuse a non-blockable invalidation (-EAGAIN)
     */
    boolean invalidateRangeStart(Process process, MmuNotifierEvent event, long start, long end, boolean blockable);

    /** mmu_notifier_invalidate_range_end(): the pages in [start, end) are unmapped or changed. */
    void invalidateRangeEnd(Process process, MmuNotifierEvent event, long start, long end);
}
