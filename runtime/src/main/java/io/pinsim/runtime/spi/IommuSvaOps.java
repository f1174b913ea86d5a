package io.pinsim.runtime.spi;

/**
 * What a driver passes to {@link DriverContext#iommuSvaBindDevice}: struct iommu_sva_ops of the
 * 5.2 - 5.7 SVA API (iommu_sva_set_ops()). Only kernels whose model has
 * {@link io.pinsim.runtime.model.SvaMmExit#MM_EXIT_OP} call it; later kernels removed the op.
 */
@FunctionalInterface
public interface IommuSvaOps {
    /**
     * iommu_sva_ops->mm_exit(): the bound address space is exiting (exit_mmap() ->
     * mmu_notifier_release()); the driver must stop the device's use of the PASID before it returns
     * (uacce_sva_exit() puts every queue of the mm).
     */
    void mmExit(IommuSva bond);
}
