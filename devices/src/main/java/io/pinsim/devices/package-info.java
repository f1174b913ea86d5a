/**
 * Device models written against the runtime's driver SPI ({@link io.pinsim.runtime.spi}), each
 * after its Linux driver: {@link io.pinsim.devices.RdmaNic} (mlx5-like: protection domains, pinned
 * and on-demand-paging memory regions, work requests and completions), {@link io.pinsim.devices.NvmeDisk}
 * (O_DIRECT into user pages) and {@link io.pinsim.devices.VfioDevice} (VFIO type1: pinned IOVA
 * mappings behind an IOMMU) and {@link io.pinsim.devices.Gpu} (amdgpu-like: buffer objects with
 * reservation objects, userptr BOs, command submission, jobs and dma-fences). A device reaches
 * process memory only as its driver does: through pinned or referenced frames, or through frames
 * kept coherent by mmu notifiers (an ODP device page table, a userptr's hmm_range_fault()).
 */
package io.pinsim.devices;
