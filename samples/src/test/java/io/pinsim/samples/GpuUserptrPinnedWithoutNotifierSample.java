package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.devices.UserptrMode;
import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;

/**
 * A GPU driver that only takes get_user_pages() references on a userptr BO and registers no mmu
 * notifier. A job is queued; the process forks and then writes the buffer. Fork ignores plain
 * references (only pins are copied early, and only from 5.9), so the page is shared and the
 * parent's write moves the parent to a copy. The job then writes the old page, which only the child
 * maps: the "GPU corrupting memory of the other process" of the 2020 thread, and the parent loses
 * the GPU's data. Nothing in the kernel can fix it on any model: the driver needs a notifier.
 */
@Sample(id = "gpu-userptr-pinned-without-notifier", title = "A GPU that only holds page references: after fork and COW it writes the child's page",
        source = "Daniel Vetter / Jason Gunthorpe / Christian König, \"[PATCH 00/18] dma-fence lockdep annotations\" thread, dri-devel, June 2020",
        story = "A driver pins a userptr buffer with get_user_pages() and no mmu notifier, and queues a GPU job that writes it. The process "
                + "forks and writes its buffer: the page was shared by fork, the write gives the parent a copy, and the job writes the old "
                + "page that only the child maps. The parent never sees the GPU's result. A bug of such drivers on every kernel.")
class GpuUserptrPinnedWithoutNotifierSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"},
            reference = "a driver bug: a userptr needs an mmu notifier (amdgpu_hmm.c, radeon_mn.c)",
            expect = BugKind.DEVICE_DATA_LOST, because = "GET by gpu0")
    void theParentSeesTheJobsWrite(Scenario s) {
        s.process("A").malloc(pages(1)).write('A').gpuUserptr(UserptrMode.GUP_WITHOUT_NOTIFIER).gpuSubmit(fill('G')).fork()
                .parentWrites(fill('P')).gpuJobCompletes().assertParentSees(dmaData());
    }
}
