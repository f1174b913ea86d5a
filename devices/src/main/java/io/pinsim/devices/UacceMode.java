package io.pinsim.devices;

/**
 * How a uacce accelerator reaches user data: the modes of the 2018 WarpDrive/uacce RFCs (reference
 * device-semantics §7.2-7.3). Upstream uacce (drivers/misc/uacce, 5.7) kept one flag,
 * {@code UACCE_DEV_SVA}: a device with it uses {@link #SVA}, a device without it
 * ({@code uacce_alloc()} drops the flag when {@code iommu_dev_enable_feature(IOMMU_DEV_FEAT_SVA)}
 * fails) has only its queue's static DMA region, {@link #STATIC_REGION}. {@link #PINNED} is the
 * RFC v1/v2 design on vfio-mdev ("SPIMDEV", "SDMDEV", 2018) that never shipped.
 */
public enum UacceMode {
    /**
     * UACCE_DEV_SVA: open binds the process's mm to a PASID (iommu_sva_bind_device()); the device
     * DMAs with process virtual addresses through the IOMMU, which walks the CPU page table and
     * takes I/O page faults. Nothing is pinned. Needs a kernel with the SVA API.
     */
    SVA,
    /**
     * No SVA: the kernel owns a static DMA region per queue (the DUS region, dma_alloc_coherent()
     * memory mapped with uacce_fops_mmap()); the user copies data into it and the device DMAs only
     * there. Modelled as pages the driver pins in a VM_DONTCOPY | VM_WIPEONFORK mapping.
     */
    STATIC_REGION,
    /**
     * "The VFIO way" of RFC v1/v2: the user's own buffers are pinned long-term (FOLL_LONGTERM |
     * FOLL_WRITE, charged to locked_vm, as VFIO_IOMMU_MAP_DMA does) and the device DMAs to the
     * pinned frames, with all the fork and COW trouble of RDMA: "the VFIO way locking the user
     * memory ... will not work properly if the process fork a child" (RFC v3 cover letter).
     */
    PINNED
}
