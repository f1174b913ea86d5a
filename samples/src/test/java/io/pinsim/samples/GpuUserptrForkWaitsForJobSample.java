package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.devices.UserptrMode;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.PinsimModels;

/**
 * A GPU job that writes a userptr buffer object is queued when the process forks. Fork's
 * invalidation of the parent's range (MMU_NOTIFY_PROTECTION_PAGE) reaches the BO's notifier, which
 * waits for every fence of the BO's reservation (amdgpu_hmm_invalidate_gfx():
 * dma_resv_wait_timeout(.., DMA_RESV_USAGE_BOOKKEEP, .., MAX_SCHEDULE_TIMEOUT)): fork blocks until
 * the job has written and signalled. The parent keeps the job's data; after the parent's COW the
 * next submission faults the parent's new page in (hmm_range_fault), so the GPU never writes the
 * child's memory. The same holds on every model (the GUP-plus-notifier form of 4.19's amdgpu_mn.c
 * behaves alike: GpuTest covers it).
 */
@Sample(id = "gpu-userptr-fork-waits-for-job", title = "fork waits in the userptr notifier for the GPU job's fence",
        source = "amdgpu_hmm.c amdgpu_hmm_invalidate_gfx(); Daniel Vetter, \"[PATCH 00/18] dma-fence lockdep annotations\", dri-devel, 2020-06-04",
        story = "A process gives a buffer to the GPU as a userptr BO and submits a job that writes it. It forks while the job is queued: the "
                + "BO's mmu notifier waits for the job's fence, so fork blocks until the job has written the parent's page and signalled. "
                + "The parent then writes (COW); the next job faults the parent's new page in and the child keeps what it had.")
class GpuUserptrForkWaitsForJobSample {
    @PinsimModels
    void forkWaitsAndTheGpuNeverWritesTheChild(Scenario s) {
        s.process("A").malloc(pages(1)).write('A').gpuUserptr(UserptrMode.HMM).gpuSubmit(fill('G')).fork()
                .assertParentSees(dmaData())
                .parentWrites(fill('P')).gpuSubmit(fill('H')).gpuJobCompletes()
                .assertParentSees(dmaData()).assertChildSees(fill('G')).assertNoLockdepReport();
    }
}
