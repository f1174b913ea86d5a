package io.pinsim.runtime.spi;

import io.pinsim.runtime.Process;

/**
 * A bond between a device and a process's address space (struct iommu_sva, returned by
 * iommu_sva_bind_device(), drivers/iommu/iommu-sva.c): the device issues DMA with process virtual
 * addresses tagged with the mm's PASID, and the IOMMU translates them by walking the CPU page table,
 * caching translations in its IOTLB (and the device's ATC) until the IOMMU's mmu notifier drops
 * them. A translation that misses or lacks the permission is an I/O page fault, served by
 * handle_mm_fault() on the process's behalf (iommu_sva_handle_iopf()). Nothing is pinned and
 * nothing is charged to RLIMIT_MEMLOCK.
 */
public interface IommuSva {
    /** iommu_sva_get_pasid(): the PASID of the bound mm. */
    int pasid();

    /** The process whose address space is bound. */
    Process process();

    /** Whether the bond still exists (not unbound with {@link #unbind()}). */
    boolean isBound();

    /**
     * Whether the PASID entry was cleared because the address space exited (the IOMMU's
     * mmu notifier ->release): DMA with this PASID is aborted from then on, until unbind.
     */
    boolean isAborted();

    /** The translations the IOTLB holds for this PASID now (virtual page addresses, ascending). */
    java.util.List<Long> iotlbEntries();

    /**
     * The device reads process memory at a virtual address through the IOMMU, faulting pages in as
     * needed ({@code what}, may be null, names the transfer in the trace).
     *
     * @throws IllegalArgumentException for a negative length, or a range that wraps
     * @throws IllegalStateException    after {@link #unbind()}
     * @throws IoPageFaultException     when a page fault cannot be served (no VMA, no permission,
     *                                  no memory: IOMMU_PAGE_RESP_INVALID), the PASID was aborted at
     *                                  mm exit, or the IOTLB keeps returning a stale entry
     */
    byte[] dmaRead(long address, int length, String what);

    /**
     * The device writes process memory at a virtual address through the IOMMU; every page of the
     * range is translated (and faulted in) before any byte is written, so a failed write writes
     * nothing.
     *
     * @throws IllegalArgumentException for a range that wraps
     * @throws IllegalStateException    after {@link #unbind()}
     * @throws IoPageFaultException     as for {@link #dmaRead}
     */
    void dmaWrite(long address, byte[] data, String what);

    /**
     * iommu_sva_unbind_device(): the IOTLB entries of the PASID go, the IOMMU's mmu notifier is
     * unregistered, and the mm's PASID is freed with its last bond.
     *
     * @throws IllegalStateException if already unbound
     */
    void unbind();
}
