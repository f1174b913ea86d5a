package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.devices.SvaAccelerator;
import io.pinsim.devices.UacceQueue;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.SvaMmExit;

/**
 * The WarpDrive argument for SVA: an accelerator that shares the process's page table through the
 * IOMMU (a PASID, I/O page faults) follows whatever the parent maps after fork and COW, which a
 * pinned buffer cannot promise ("the VFIO way ... will not work properly if the process fork a
 * child", RFC v3 cover letter). Kernels without the SVA API (26b25a2b98e4, 5.2; uacce in 5.7) refuse
 * the open with ENODEV, which the sample asserts there.
 */
@Sample(id = "sva-fork-follows-parent", title = "SVA accelerator, fork, both write, the device writes",
        source = "uacce RFC v3 (Kenneth Lee, 2018-11-12, lkml.org/lkml/2018/11/12/1951); 26b25a2b98e4 iommu: Bind process address spaces to devices (5.2); drivers/misc/uacce (5.7)",
        story = "A process opens a uacce accelerator with UACCE_DEV_SVA: its mm is bound to a PASID and the device works on the process's "
                + "virtual addresses. The device reads the buffer (the IOMMU caches the translation), the process forks, the child and then the "
                + "parent write the buffer (COW), and the device writes it. The fork and the COW invalidated the IOMMU's cached translation "
                + "through its mmu notifier, so the device's write faults and lands in the parent's new page; the child keeps its own. On 4.19 "
                + "there is no SVA: the open fails with ENODEV.")
class SvaForkFollowsParentSample {
    @PinsimModels
    void theDeviceFollowsTheParent(Kernel kernel) {
        SvaAccelerator zip = new SvaAccelerator(kernel, "hisi_zip-0");
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        if (kernel.model().get(SvaMmExit.class) == SvaMmExit.NO_SVA) {
            assertThatThrownBy(() -> zip.open(a)).as("no iommu_sva_bind_device() in this kernel")
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
            return;
        }
        UacceQueue q = zip.open(a);
        q.start();
        assertThat(q.read(buf, 1).data()).containsExactly('A');
        Process child = a.fork();
        child.write(buf, new byte[] {'C'});
        a.write(buf, new byte[] {'P'});
        byte[] dma = {'D'};
        assertThat(q.write(buf, dma).isOk()).as("the job completes").isTrue();
        assertThatProcess(a).as("the parent sees the accelerator's write").seesAt(buf, 1, dmaData(zip.name(), dma));
        assertThatProcess(child).as("the child keeps its own copy").seesAt(buf, 1, fill('C'));
    }
}
