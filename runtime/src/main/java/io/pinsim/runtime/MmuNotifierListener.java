package io.pinsim.runtime;

/**
 * A classic mmu notifier subscriber (struct mmu_notifier with its ops, mmu_notifier_register()):
 * every operation that changes or removes PTEs calls {@link #invalidateRangeStart} before and
 * {@link #invalidateRangeEnd} after, with the event the kernel passes (reference §9.4); at exit
 * {@link #release} is called and the subscription goes. Drivers that mirror memory use interval
 * notifiers ({@link MmuIntervalNotifier}) instead.
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

    /**
     * The secondary TLB flush: -&gt;invalidate_range() up to 6.5, called before
     * {@link #invalidateRangeEnd} (and from ptep_clear_flush_notify()), or
     * -&gt;arch_invalidate_secondary_tlbs() in 6.6, called with the CPU TLB flush, which also covers
     * a PTE permission upgrade (see {@link io.pinsim.runtime.model.SecondaryTlbInvalidation}). An
     * IOMMU that caches translations of the CPU page table (SVA) drops them for [start, end) here.
     */
    default void invalidateSecondaryTlbs(Process process, long start, long end) {
    }

    /** ->release() at exit_mmap(), before the address space is torn down; the subscription then goes. */
    default void release(Process process) {
    }
}
