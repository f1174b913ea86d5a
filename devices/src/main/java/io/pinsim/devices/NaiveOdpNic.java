package io.pinsim.devices;

import io.pinsim.runtime.Kernel;

/**
 * An RDMA NIC whose ODP driver has no preallocated translation buffer (no mlx5 xlt_emergency_page):
 * when its invalidation cannot allocate, the invalidation fails. The seed case of "what is the
 * backup plan if the mmu notifier invalidation fails?".
 */
public class NaiveOdpNic extends RdmaNic {
    public NaiveOdpNic(Kernel kernel, String name) {
        super(kernel, name, false);
    }
}
