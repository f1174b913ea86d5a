package io.pinsim.samples;

import io.pinsim.devices.RdmaNic;
import io.pinsim.junit.InjectFault;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;

/**
 * The same injected allocation failure in mlx5's ODP invalidation: mlx5r_umr_alloc_xlt() falls back
 * to smaller buffers and finally to a preallocated emergency page, so the invalidation never fails
 * for lack of memory and the NIC follows the parent across fork.
 */
@Sample(id = "odp-invalidate-emergency-page", title = "ODP invalidation that cannot allocate, with mlx5's emergency page",
        source = "drivers/infiniband/hw/mlx5/umr.c: mlx5r_umr_alloc_xlt(), xlt_emergency_page; 832a6b06ab5e",
        story = "As odp-invalidate-cannot-fail, with the same injected allocation failure, but the driver keeps a preallocated emergency page "
                + "as mlx5 does: the invalidation zaps the translation page by page through it, the NIC refaults after fork and writes the "
                + "parent's own page; the child keeps its data.")
class OdpInvalidateEmergencyPageSample {
    @PinsimModels
    @InjectFault(type = RdmaNic.class, method = "allocateXlt")
    void theNicFollowsTheParent(Kernel kernel, RdmaNic nic) {
        OdpInvalidateCannotFailSample.OdpFork.run(kernel, nic);
    }
}
