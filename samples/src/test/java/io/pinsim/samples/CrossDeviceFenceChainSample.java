package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.PinsimAssertions.assertThatKernelLog;
import static io.pinsim.dsl.PinsimAssertions.assertThatLockdep;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
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
 * "device B's mmu notifier might need to wait for fence_B ... which in turn has to wait for device
 * A to finish first": gpu1's job writes a userptr BO and depends on a job of gpu0. Fork invalidates
 * the userptr; gpu1's notifier waits for fence_B, which cannot signal before gpu0's job. The
 * invalidation (and fork) lasts until gpu0's job, then gpu1's, have finished: its latency is bounded
 * by another device's work. It does end: no indefinite fence, and the parent has gpu1's data.
 * (GpuTest shows the other side: if gpu0's job hangs, the wait never ends, an indefinite fence.)
 */
@Sample(id = "cross-device-fence-chain", title = "A userptr notifier waits for a fence that waits for another GPU",
        source = "Daniel Vetter, \"[PATCH 00/18] dma-fence lockdep annotations\" (cover letter), dri-devel, 2020-06-04",
        story = "gpu0 runs a job; gpu1 queues a job that writes a userptr buffer and waits for gpu0's fence. The process forks: gpu1's "
                + "notifier waits for its fence, which waits for gpu0. Fork returns once gpu0's job and then gpu1's have finished, and "
                + "the parent holds gpu1's data.")
class CrossDeviceFenceChainSample {
    @PinsimModels
    void theInvalidationIsBoundedByTheFirstDevicesJob(Kernel kernel, Gpu gpuA, Gpu gpuB) {
        Process p = kernel.spawn("P");
        long buf = p.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        p.write(buf, new byte[] {'A'});
        GpuJob jobA = gpuA.submit(gpuA.createBo(Kernel.PAGE_SIZE), 0, new byte[] {'X'});
        byte[] b = {'B'};
        GpuJob jobB = gpuB.submit(gpuB.createUserptr(p, buf, Kernel.PAGE_SIZE, UserptrMode.HMM), 0, b, jobA);
        p.fork();
        assertThatTrace(kernel.trace()).as("fork's invalidation waited for %s before %s", jobA, jobB)
                .hasEvent(TraceKind.INFO, "dma_fence_signal " + jobA.fence());
        assertThatProcess(p).as("the parent has %s's write", gpuB.name()).seesAt(buf, 1, dmaData(gpuB.name(), b));
        assertThatKernelLog(kernel.log()).as("every wait ended").doesNotContain("indefinite fence");
        assertThatLockdep(kernel.lockdep()).hasNoReport();
    }
}
