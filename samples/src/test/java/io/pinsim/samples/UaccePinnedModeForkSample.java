package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.SvaAccelerator;
import io.pinsim.devices.UacceMode;
import io.pinsim.devices.UacceQueue;
import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;

/**
 * The WarpDrive RFC's "VFIO way" (v1/v2 on vfio-mdev, 2018): the accelerator DMAs into the user's
 * buffer pinned long-term, and after fork the parent's own write copies the page away from the
 * device, "the parent process lost its page" - the RDMA bug. Up to 5.8 fork shares the pinned page;
 * from 5.9 (70e806e4e645) fork copies it for the child and the parent keeps the pinned one. The mode
 * never shipped: upstream uacce (5.7) kept SVA and the static region.
 */
@Sample(id = "uacce-pinned-mode-fork", title = "WarpDrive \"VFIO way\" pinned buffer, fork, the parent writes, the device writes",
        source = "WarpDrive RFC v1/v2 (Kenneth Lee, 2018, vfio-mdev); RFC v3 cover letter; 70e806e4e645 mm: Do early cow for pinned pages during fork() for ptes (5.9)",
        story = "A process maps its buffer for an accelerator the way the first WarpDrive RFCs did: pinned long-term (FOLL_LONGTERM|FOLL_WRITE, "
                + "locked_vm), as VFIO_IOMMU_MAP_DMA does. It forks, the parent writes the buffer, the device writes it. Up to 5.8 fork shares "
                + "the pinned page and the parent's write copies it, so the device's data lands in the page only the child maps; from 5.9 fork "
                + "copies the pinned page for the child. This is why RFC v3 moved uacce to SVA.")
class UaccePinnedModeForkSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "70e806e4e645", expect = BugKind.DEVICE_DATA_LOST, because = "\"A\" maps frame #2")
    void theParentSeesTheDevicesData(Kernel kernel) {
        SvaAccelerator acc = new SvaAccelerator(kernel, "warpdrive-0", UacceMode.PINNED);
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        UacceQueue q = acc.open(a);
        q.mapBuffer(buf, 4096);
        q.start();
        a.fork();
        a.write(buf + 8, new byte[] {'P'});
        byte[] dma = {'D'};
        assertThat(q.write(buf, dma).isOk()).as("the job completes").isTrue();
        assertThatProcess(a).as("the parent sees the accelerator's write").seesAt(buf, 1, dmaData(acc.name(), dma));
        q.close();
    }
}
