package io.pinsim.runtime.model;

/**
 * When the core mm tells a secondary MMU (an IOMMU walking the CPU page table for SVA) to drop its
 * cached translations: the mmu notifier op {@code ->invalidate_range()}, renamed
 * {@code ->arch_invalidate_secondary_tlbs()} and moved into the architectures' TLB flush in 6.6.
 */
public enum SecondaryTlbInvalidation implements Switch {
    /** ->invalidate_range() from ptep_clear_flush_notify() and mmu_notifier_invalidate_range_end(); a PTE permission upgrade (ptep_set_access_flags() in wp_page_reuse()) notifies nobody, so an IOTLB without broadcast TLB maintenance keeps a read-only entry and the device faults on it forever (up to 6.5) */
    @Switch.Doc(behaviour = "->invalidate_range() from ptep_clear_flush_notify() and mmu_notifier_invalidate_range_end(); a PTE permission upgrade (ptep_set_access_flags() "
            + "in wp_page_reuse()) notifies nobody, so an IOTLB without broadcast TLB maintenance keeps a read-only entry and the device faults on it forever",
            source = "up to 6.5 (mmu_notifier_invalidate_range(), include/linux/mmu_notifier.h)")
    INVALIDATE_RANGE,
    /** ->arch_invalidate_secondary_tlbs() from the architecture's TLB flush, every time the CPU TLB is flushed, a permission upgrade included (arm64 ptep_set_access_flags() -> flush_tlb_page()) (1af5a8109904 rename, ec8832d007cb, 6bbd42e2df8f mmu_notifiers: call invalidate_range() when invalidating TLBs, Alistair Popple, 6.6) */
    @Switch.Doc(behaviour = "->arch_invalidate_secondary_tlbs() from the architecture's TLB flush, every time the CPU TLB is flushed, a permission upgrade included "
            + "(arm64 ptep_set_access_flags() -> flush_tlb_page())",
            source = "1af5a8109904 rename, ec8832d007cb, 6bbd42e2df8f mmu_notifiers: call invalidate_range() when invalidating TLBs (Alistair Popple, 6.6)")
    ARCH_INVALIDATE_SECONDARY_TLBS
}
