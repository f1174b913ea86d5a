package io.pinsim.samples;

import io.pinsim.devices.RdmaNic;
import io.pinsim.dsl.Exploration;
import io.pinsim.junit.Explore;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;

/**
 * mlx5's ODP page fault against an invalidation of the same page, every interleaving explored up
 * to three preemptions: the invalidation (mlx5_ib_invalidate_range()) takes umem_mutex and moves
 * the interval's sequence before the zap; the fault (pagefault_real_mr() -&gt;
 * ib_umem_odp_map_dma_and_lock()) checks mmu_interval_read_retry() under umem_mutex before it
 * programs the device, and starts over if an invalidation ran since its mmu_interval_read_begin().
 * No schedule leaves the NIC a page the process no longer maps, on any kernel since the protocol
 * exists (the interval notifier is 5.5's 99cb252f5e68; 4.19's ib_umem_odp had the same check with
 * its own notifiers_seq). odp-fault-skips-read-retry is the same race for a driver without the check.
 */
@Sample(id = "odp-fault-vs-invalidate", title = "ODP device fault racing MADV_DONTNEED: mlx5's read_begin / read_retry protocol",
        source = "mm/mmu_notifier.c mmu_interval_read_begin()/read_retry() (99cb252f5e68, 5.5); drivers/infiniband/core/umem_odp.c "
                + "ib_umem_odp_map_dma_and_lock() (36f30e486dce, 5.10); Documentation/mm/hmm.rst",
        story = "An RDMA NIC faults a page of an ODP MR into its page table while the process drops the page with MADV_DONTNEED. "
                + "mlx5 reads the interval's sequence, faults the page with hmm_range_fault(), takes umem_mutex and checks "
                + "mmu_interval_read_retry(): if the invalidation ran in between, it starts over. Every interleaving is explored: "
                + "the NIC never keeps the page the process dropped.")
class OdpFaultVsInvalidateSample {
    @PinsimModels
    @Explore(preemptions = 3)
    void theNicNeverMapsAPageTheProcessDropped(Kernel kernel, Exploration exploration) {
        exploration.assertEverySchedulePasses(OdpFaultRace.explorer(kernel, RdmaNic::new));
    }
}
