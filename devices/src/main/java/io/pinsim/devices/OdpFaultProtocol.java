package io.pinsim.devices;

/**
 * How an ODP driver's device page fault orders the interval-notifier protocol of
 * mm/mmu_notifier.c (Documentation/mm/hmm.rst, "the driver lock is taken after hmm_range_fault()
 * and mmu_interval_read_retry() is checked under it") against its notifier lock, umem_mutex.
 */
public enum OdpFaultProtocol {
    /**
     * mlx5 (pagefault_real_mr() -&gt; ib_umem_odp_map_dma_and_lock()): mmu_interval_read_begin(),
     * hmm_range_fault() under mmap_read_lock, take umem_mutex, mmu_interval_read_retry() and retry
     * if an invalidation ran, else program the device page table, unlock. Never maps a stale page.
     */
    MLX5,
    /**
     * A driver that skips mmu_interval_read_retry(): it maps what hmm_range_fault() returned even
     * when an invalidation ran in between, so the device keeps a page the process no longer maps.
     */
    NO_READ_RETRY,
    /**
     * A driver that takes umem_mutex before mmu_interval_read_begin() and holds it across
     * hmm_range_fault(): an invalidation that needs umem_mutex while holding mmap_lock (munmap) or
     * while read_begin waits for it deadlocks with the fault.
     */
    LOCK_ACROSS_FAULT
}
