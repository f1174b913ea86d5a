package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatKernelLog;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.NaiveOdpNic;
import io.pinsim.devices.RdmaNic;
import io.pinsim.dsl.BugKind;
import io.pinsim.junit.InjectFault;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;

/**
 * "What is the backup plan from the mmu notifier if the unmap fails?": an ODP driver whose
 * invalidation needs memory it cannot get (the allocation is injected to fail). The invalidation
 * after fork fails in a blockable context: the kernel WARNs and goes on, the NIC keeps its writable
 * entry for the page fork just shared, and its next write lands in the child's memory too. This is
 * a driver bug on every kernel - the kernel has no backup plan - so it is documented on all models.
 * mlx5 keeps a preallocated emergency page for exactly this (see odp-invalidate-emergency-page).
 */
@Sample(id = "odp-invalidate-cannot-fail", title = "ODP invalidation that cannot allocate (no emergency page)",
        source = "Jason Gunthorpe / Jerome Glisse, uacce and ODP threads, 2018-2019; mlx5r_umr_alloc_xlt() and xlt_emergency_page",
        story = "An RDMA NIC mirrors a process's memory with ODP. The process forks, which invalidates the range (PROTECTION_PAGE). "
                + "The driver cannot allocate the buffer it needs to zap its translation table (fault injected) and returns false in a "
                + "blockable context: the kernel WARNs and carries on, the NIC still maps the page writable, and its next write is seen by "
                + "the child as well. There is no backup plan in the kernel: the driver must not fail.")
class OdpInvalidateCannotFailSample {
    @PinsimModels
    @InjectFault(type = RdmaNic.class, method = "allocateXlt")
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"}, reference = "a driver bug: invalidations must not fail (mmu_notifier.h)",
            expect = BugKind.LEAK_TO_CHILD, because = "which its parent \"A\" maps too")
    void theNicMustNotWriteTheChildsPage(Kernel kernel, NaiveOdpNic nic) {
        OdpFork.run(kernel, nic);
    }

    /** The scenario shared with the emergency-page sample. */
    static final class OdpFork {
        private OdpFork() {
        }

        static void run(Kernel kernel, RdmaNic nic) {
            Process a = kernel.spawn("A");
            long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.write(buf, new byte[] {'A'});
            MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, 4096, IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
            nic.advise(mr, 0, 4096, true);
            Process child = a.fork();
            byte[] dma = {'D'};
            nic.postWrite(mr, 0, dma);
            nic.processAll();
            assertThatProcess(a).as("the parent sees the NIC's write").seesAt(buf, 1, dmaData(nic.name(), dma));
            assertThatProcess(child).as("the child must not see the NIC's write").seesAt(buf, 1, fill('A'));
            assertThatKernelLog(kernel.log()).as("no invalidation failed").doesNotContain("failed an invalidation");
        }
    }
}
