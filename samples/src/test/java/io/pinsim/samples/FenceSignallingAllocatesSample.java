package io.pinsim.samples;

import static io.pinsim.dsl.PinsimAssertions.assertThatLockdep;

import io.pinsim.devices.Gpu;
import io.pinsim.devices.GpuBo;
import io.pinsim.devices.UserptrMode;
import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.spi.Gfp;

/**
 * A GPU driver allocates with GFP_KERNEL in its job's run path, a fence-signalling section (the job's
 * fence is published in a userptr BO's reservation). That allocation may reclaim, reclaim may
 * invalidate the userptr, and the notifier waits for the very fence the job is about to signal: a
 * deadlock under memory pressure, on every kernel. The scenario asserts that lockdep reports the
 * hazard on the first allocation, without memory pressure: dma_fence_map -> fs_reclaim ->
 * mmu_notifier_invalidate_range_start -> dma_fence_map, the rest of the chain primed at boot by
 * dma_resv_lockdep(). Kernels before the dma-fence annotations (5fbff813a4a3 "dma-fence: basic
 * lockdep annotations", 5.9; the priming in "dma-fence: prime lockdep annotations") cannot see
 * it: the deadlock is there, the report is not.
 */
@Sample(id = "fence-signalling-allocates", title = "GFP_KERNEL in a fence-signalling section: the lockdep report",
        source = "Daniel Vetter, \"[PATCH 04/18] dma-fence: prime lockdep annotations\" and 5fbff813a4a3 \"dma-fence: basic lockdep annotations\", 2020",
        story = "A GPU job's run path allocates with GFP_KERNEL while its fence is published in a userptr BO's reservation. Reclaim could "
                + "invalidate the userptr, whose notifier waits for that fence: a deadlock under memory pressure. With the dma-fence "
                + "annotations (5.9 on) lockdep reports the cycle on the first allocation, no pressure needed; older kernels report nothing.")
class FenceSignallingAllocatesSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "5fbff813a4a3 dma-fence: basic lockdep annotations (5.9)",
            expect = BugKind.LOCKDEP_REPORT, because = "lockdep reported nothing")
    void lockdepReportsTheAllocationInTheSignallingSection(Kernel kernel, Gpu gpu) {
        Process a = kernel.spawn("A");
        long buf = a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        GpuBo bo = gpu.createUserptr(a, buf, Kernel.PAGE_SIZE, UserptrMode.HMM);
        gpu.allocateInRunJob(Gfp.KERNEL);
        gpu.submit(bo, 0, new byte[] {'G'}).complete();
        assertThatLockdep(kernel.lockdep()).as("the allocation in %s's signalling section", gpu.name())
                .reportsCycle("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map");
    }
}
