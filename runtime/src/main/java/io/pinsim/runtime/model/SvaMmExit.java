package io.pinsim.runtime.model;

/**
 * Shared virtual addressing (iommu_sva_bind_device(), reference device-semantics §7.2) and what the
 * IOMMU does with a bound PASID when the process's address space exits.
 */
public enum SvaMmExit implements Switch {
    /** no SVA API: iommu_sva_bind_device() does not exist, so a device cannot bind an mm to a PASID (uacce is not there either); the bind fails with ENODEV (before 26b25a2b98e4 iommu: Bind process address spaces to devices, 5.2) */
    @Switch.Doc(behaviour = "no SVA API: iommu_sva_bind_device() does not exist, so a device cannot bind an mm to a PASID (uacce is not there either); the bind fails with ENODEV",
            source = "before 26b25a2b98e4 iommu: Bind process address spaces to devices, 5.2")
    NO_SVA,
    /** at exit_mmap() the IOMMU's mmu notifier ->release calls the driver's iommu_sva_ops->mm_exit() (uacce_sva_exit() puts every queue of the mm), then clears the PASID entry; the PASID stays allocated until unbind (26b25a2b98e4 (5.2) to 5.7, uacce 5.7) */
    @Switch.Doc(behaviour = "at exit_mmap() the IOMMU's mmu notifier ->release calls the driver's iommu_sva_ops->mm_exit() (uacce_sva_exit() puts every queue of the mm), "
            + "then clears the PASID entry; the PASID stays allocated until unbind",
            source = "26b25a2b98e4 iommu: Bind process address spaces to devices (5.2) to 5.7; uacce_sva_exit() in uacce 5.7")
    MM_EXIT_OP,
    /** no callback: at exit_mmap() the IOMMU's ->release clears the PASID entry and aborts the device's DMA and page requests for it silently; the driver learns of it when its file is released; the PASID stays allocated until unbind ("iommu: Remove iommu_sva_ops::mm_exit()" and "uacce: Remove mm_exit() op", Jean-Philippe Brucker, 5.8, 20200423125329.782066-1-jean-philippe@linaro.org) */
    @Switch.Doc(behaviour = "no callback: at exit_mmap() the IOMMU's ->release clears the PASID entry and aborts the device's DMA and page requests for it silently; "
            + "the driver learns of it when its file is released; the PASID stays allocated until unbind",
            source = "\"iommu: Remove iommu_sva_ops::mm_exit()\" and \"uacce: Remove mm_exit() op\" (Jean-Philippe Brucker, 5.8, <20200423125329.782066-1-jean-philippe@linaro.org>)")
    ABORT_SILENTLY
}
