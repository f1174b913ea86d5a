/**
 * drivers/iommu: shared virtual addressing (iommu-sva.c) — PASIDs bound to address spaces, the
 * IOTLB of a secondary MMU that walks the CPU page table, its mmu notifier, and I/O page faults
 * served by handle_mm_fault() (io-pgfault.c, iommu_sva_handle_iopf()). Above mm, below kernel.
 */
package io.pinsim.runtime.internal.iommu;
