package io.pinsim.runtime.model;

/**
 * What clear_refs (echo 4 > /proc/pid/clear_refs) does to a PTE that maps a page that may be pinned
 * (clear_soft_dirty() in fs/proc/task_mmu.c).
 */
public enum SoftDirtyPinned implements Switch {
    /** the PTE is write-protected and its soft-dirty bit cleared like any other (clear_soft_dirty() up to 5.10.0) */
    @Switch.Doc(behaviour = "the PTE is write-protected and its soft-dirty bit cleared like any other", source = "clear_soft_dirty() up to 5.10.0")
    WRITE_PROTECT,
    /** pte_is_pinned(): a writable PTE in a COW mapping of a maybe-pinned page, in an mm that has pinned, is left alone (9348b73c2e1b mm: don't play games with pinned pages in clear_page_refs, 5.11 and 5.10.y) */
    @Switch.Doc(behaviour = "pte_is_pinned(): a writable PTE in a COW mapping of a maybe-pinned page, in an mm that has pinned, is left alone", source = "9348b73c2e1b mm: don't play games with pinned pages in clear_page_refs, 5.11 and 5.10.y",
            requires = @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                    why = "pte_is_pinned() asks MMF_HAS_PINNED and page_maybe_dma_pinned(), which only FOLL_PIN's bias of 1024 makes true"))
    SKIP_PINNED
}
