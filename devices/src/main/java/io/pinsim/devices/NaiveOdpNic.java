package io.pinsim.devices;

import io.pinsim.runtime.Kernel;

/**
 * An RDMA NIC whose ODP driver gets two things wrong that mlx5 gets right: it has no preallocated
 * translation buffer (no mlx5 xlt_emergency_page), so when its invalidation cannot allocate, the
 * invalidation fails (the seed case of "what is the backup plan if the mmu notifier invalidation
 * fails?"); and its device page fault skips mmu_interval_read_retry()
 * ({@link OdpFaultProtocol#NO_READ_RETRY}), so a fault that raced an invalidation maps the page
 * the invalidation just took away. Not a kernel model: a driver bug, on every kernel.
 */
public class NaiveOdpNic extends RdmaNic {
    /**
     * A NIC without the emergency page.
     *
     * @param kernel the kernel it DMAs into
     * @param name   its device name, {@code mlx5_0}
     */
    public NaiveOdpNic(Kernel kernel, String name) {
        super(kernel, name, false, OdpFaultProtocol.NO_READ_RETRY);
    }
}
