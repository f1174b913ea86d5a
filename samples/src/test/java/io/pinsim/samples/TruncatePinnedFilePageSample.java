package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.PinsimAssertions.assertThatFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import java.util.Arrays;

/**
 * An RDMA MR on an ext4 MAP_SHARED file, then truncate, then the NIC writes. Either the kernel
 * refuses the long-term write pin up front (6.5: 8ac268436e6d) or the data must not be lost
 * silently; up to 6.4 truncate orphans the pinned page and the NIC's writes reach no file.
 * "Re: [PATCH 1/2] mm: introduce put_user_page*(), placeholder versions", linux-mm, 2018-12-13.
 */
@Sample(id = "truncate-pinned-file-page", title = "RDMA MR on an ext4 shared mapping, truncate, the NIC writes",
        source = "\"Re: [PATCH 1/2] mm: introduce put_user_page*(), placeholder versions\", linux-mm, 2018-12-13; 8ac268436e6d (6.5)",
        story = "A process maps an ext4 file shared and registers it with an RDMA NIC; the file is truncated and extended again; the NIC "
                + "writes. Truncate removes the pinned page from the page cache whatever holds it: the NIC writes an orphan and the file never "
                + "sees the data. 6.5 refuses the long-term write pin of a dirty-tracked file mapping up front (EFAULT).")
class TruncatePinnedFilePageSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1"}, reference = "8ac268436e6d mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings",
            expect = BugKind.DEVICE_DATA_LOST, because = "0 cached page(s)")
    void eitherRefusedOrNotLost(Kernel kernel, RdmaNic nic) {
        Inode file = kernel.mount(FsKind.EXT4).create("data", new byte[4096]);
        Process a = kernel.spawn("A");
        OpenFile f = a.open(file, OpenFlags.RDWR);
        long map = a.mmap(0, 4096, Prot.READ | Prot.WRITE, MapFlags.SHARED, f, 0);
        MemoryRegion mr;
        try {
            mr = nic.regMr(nic.allocPd(a), map, 4096, IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        } catch (ErrnoException refused) {
            assertThat(refused.errno()).isEqualTo(Errno.EFAULT);
            return;
        }
        f.ftruncate(0);
        f.ftruncate(4096);
        byte[] dma = new byte[64];
        Arrays.fill(dma, (byte) 'D');
        nic.postWrite(mr, 0, dma);
        nic.processAll();
        assertThatFile(file).as("the NIC's write must reach the file").contains(dmaData(nic.name(), dma));
    }
}
