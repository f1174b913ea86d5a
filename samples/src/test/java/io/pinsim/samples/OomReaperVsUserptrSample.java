package io.pinsim.samples;

import static io.pinsim.dsl.PinsimAssertions.assertThatKernelLog;
import static io.pinsim.dsl.PinsimAssertions.assertThatTrace;

import io.pinsim.devices.Gpu;
import io.pinsim.devices.GpuJob;
import io.pinsim.devices.UserptrMode;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.trace.TraceKind;

/**
 * The OOM killer picks a process whose memory a queued GPU job writes through a userptr BO. The OOM
 * reaper unmaps with non-blockable invalidations: the driver must not sleep there, so it refuses
 * (amdgpu_hmm_invalidate_gfx(): {@code if (!mmu_notifier_range_blockable(range)) return false;},
 * which the core turns into -EAGAIN; "mm, oom: distinguish blockable mode for mmu notifiers",
 * 93065ac753e4, 4.19) and the reaper skips the VMA. The job's fence is never waited for there; the
 * victim's exit_mmap() then invalidates blockably and waits for the job.
 */
@Sample(id = "oom-reaper-vs-userptr", title = "The OOM reaper meets a userptr: -EAGAIN, not a wait",
        source = "93065ac753e4 \"mm, oom: distinguish blockable mode for mmu notifiers\" (4.19); amdgpu_hmm_invalidate_gfx()",
        story = "A process with a GPU job queued on its userptr buffer is OOM-killed. The reaper's invalidation is non-blockable: the GPU "
                + "driver refuses it at once instead of waiting for the job's fence, and the reaper leaves that memory to exit. The exit's "
                + "blockable invalidation then waits for the job.")
class OomReaperVsUserptrSample {
    @PinsimModels
    void theDriverRefusesTheReaperWithoutWaiting(Kernel kernel, Gpu gpu) {
        Process p = kernel.spawn("P");
        long buf = p.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        p.write(buf, new byte[] {'A'});
        GpuJob job = gpu.submit(gpu.createUserptr(p, buf, Kernel.PAGE_SIZE, UserptrMode.HMM), 0, new byte[] {'G'});
        kernel.oomKill(p);
        assertThatTrace(kernel.trace()).as("the driver refused the reaper").hasEvent(TraceKind.INFO, "refuses the non-blockable");
        assertThatKernelLog(kernel.log()).contains("oom_reaper: unable to reap");
        assertThatKernelLog(kernel.log()).as("no wait without a bound on %s", job.fence()).doesNotContain("indefinite fence");
        assertThatTrace(kernel.trace()).as("exit_mmap waited for %s", job).hasEvent(TraceKind.INFO, "dma_fence_signal " + job.fence());
    }
}
