package io.pinsim.runtime;

/**
 * The reason an mmu notifier invalidation is raised (enum mmu_notifier_event,
 * include/linux/mmu_notifier.h, 5.2+), with the kernel operations that raise each one
 * (reference §9.4). Kernels before 5.2 pass no event; the model still tells listeners what a 5.2+
 * kernel would pass, so a listener can tell them apart. munmap raises one invalidation over the
 * whole range; MADV_DONTNEED one per VMA; exit a RELEASE, then UNMAP per VMA.
 */
public enum MmuNotifierEvent {
    /** munmap, process exit (unmap_vmas), the OOM reaper. */
    UNMAP,
    /** MADV_DONTNEED and zap_page_range, the COW copy in wp_page_copy(), reclaim and migration unmap. */
    CLEAR,
    /** mprotect (change_protection). */
    PROTECTION_VMA,
    /** fork (copy_page_range, parent only, whole VMA) and writeback (page_mkclean_one). */
    PROTECTION_PAGE,
    /** clear_refs soft-dirty (whole address space). */
    SOFT_DIRTY,
    /** Interval notifiers at mm teardown (exit_mmap). */
    RELEASE,
    /** migrate_vma, carrying the owner so a driver can skip its own migrations (5.9). */
    MIGRATE,
    /** make_device_exclusive (5.14). */
    EXCLUSIVE
}
