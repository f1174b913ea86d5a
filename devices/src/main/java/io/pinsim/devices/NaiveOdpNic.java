package io.pinsim.devices;

import io.pinsim.runtime.Kernel;

/**
 * An RDMA NIC whose ODP driver has no preallocated translation buffer (no mlx5 xlt_emergency_page):
 * when its invalidation cannot allocate, the invalidation fails. The seed case of "what is the
 * backup plan if the mmu notifier invalidation fails?".
 */
public class NaiveOdpNic extends RdmaNic {
    /**
     * A NIC without the emergency page.
     *
     * @param kernel the kernel it DMAs into
     * @param name   its device name, {@code mlx5_0}
     */
    public NaiveOdpNic(Kernel kernel, String name) {
        super(kernel, name, false);
    }
}
