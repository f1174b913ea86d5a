package io.pinsim.samples;

import static io.pinsim.dsl.PinsimAssertions.assertThatKernelLog;
import static org.assertj.core.api.Assertions.assertThat;

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
 * The other half of "what is the backup plan ... if the unmap fails?" (put_user_page thread,
 * December 2018): Jérôme Glisse's answer that an mmu notifier invalidation must not fail. Here the
 * invalidation comes from munmap(), which has detached the VMAs and will free the page whatever the
 * driver answers: no errno can travel back to the process, so the kernel can only WARN and go on,
 * and a driver that fails leaves its NIC a translation to a freed page (a use-after-free DMA target).
 * That holds on every shipped kernel and also under the proposal that invalidations may fail
 * ({@code PROPOSAL_NOTIFIER_MAY_FAIL}: only fork can still back out, see
 * {@code odp-invalidate-cannot-fail}), which is the thread's point. The sample asserts the correct
 * semantics - no invalidation fails, the NIC keeps no translation - and documents the failure on
 * every model: the driver's "invalidation failed" warning.
 */
@Sample(id = "odp-invalidate-must-not-fail", title = "ODP invalidation refused at munmap: no caller can fail it",
        source = "put_user_page thread, linux-mm, Dec 2018 (Tom Talpey's question, Jerome Glisse's \"there is no way we will accept mmu notifier to fail\"); "
                + "mm/mmu_notifier.c mn_itree_invalidate() WARN_ON (99cb252f5e68)",
        story = "An RDMA NIC mirrors a process's page with ODP. The process unmaps it. The driver cannot allocate the buffer it needs to zap "
                + "its translation (fault injected) and refuses the invalidation; munmap cannot fail any more (the VMA is gone, the page will be "
                + "freed), so the kernel goes on and the NIC keeps a translation to a freed page. Even a kernel that lets invalidations fail "
                + "has no error path here: the driver must not fail.")
class OdpInvalidateMustNotFailSample {
    @PinsimModels
    @InjectFault(type = RdmaNic.class, method = "allocateXlt")
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"},
            reference = "a driver bug on every kernel: a blockable invalidation must not fail (include/linux/mmu_notifier.h)",
            expect = BugKind.KERNEL_WARNING, because = "invalidation failed")
    void munmapMustNotLeaveTheNicAFreedPage(Kernel kernel, NaiveOdpNic nic) {
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, 4096, IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        nic.advise(mr, 0, 4096, true);
        a.munmap(buf, 4096);
        assertThatKernelLog(kernel.log()).as("no invalidation failed").doesNotContain("invalidation failed");
        assertThat(mr.deviceFrame(0)).as("the NIC keeps no translation for the page munmap() freed").isNull();
    }
}
