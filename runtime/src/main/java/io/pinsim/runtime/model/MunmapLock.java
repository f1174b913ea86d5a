package io.pinsim.runtime.model;

/**
 * How munmap() holds mmap_lock while it zaps the range: for write to the end, or downgraded to
 * read once the VMAs are detached from the mm, so that other readers (a page fault, GUP's slow
 * path, a device's hmm_range_fault()) run during the zap and find no VMA there. Read by the stepped
 * munmap ({@code Task.munmapSteps}); the plain munmap() is one step either way.
 */
public enum MunmapLock implements Switch {
    /**
     * do_munmap() detaches the VMAs, zaps and frees them with mmap_sem held for write, and
     * vm_munmap() releases it at the end (mm/mmap.c up to 4.19)
     */
    @Switch.Doc(behaviour = "munmap() holds mmap_lock for write from detaching the VMAs to freeing them: faults and GUP wait for the whole zap",
            source = "do_munmap(), mm/mmap.c up to 4.19")
    HELD_FOR_WRITE,
    /**
     * __do_munmap() detaches the VMAs (detach_vmas_to_be_unmapped()), then downgrade_write() and
     * zaps under mmap_sem held for read (dd2283f2605e mm: mmap: zap pages with read mmap_sem in
     * munmap, 4.20); 6.x does the same in do_vmi_align_munmap(): vma_iter_clear_gfp(), then
     * mmap_write_downgrade(), unmap_region(), remove_mt(), mmap_read_unlock() (6.1 keeps the
     * write lock next to a VM_GROWSDOWN/VM_GROWSUP VMA, which the model does not have)
     */
    @Switch.Doc(behaviour = "munmap() detaches the VMAs under mmap_lock for write, then downgrades it to read for the zap: a fault or GUP in the range runs during the zap and finds no VMA",
            source = "dd2283f2605e mm: mmap: zap pages with read mmap_sem in munmap, 4.20; do_vmi_align_munmap() mmap_write_downgrade() in 6.x")
    DOWNGRADED_FOR_ZAP
}
