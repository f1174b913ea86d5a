package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
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
 * The question of the 2019 "RDMA/FS DAX truncate proposal" thread (Ira Weiny): a file server lets
 * its clients RDMA WRITE into a file on fs-DAX, where the pages the NIC pins are the file's blocks;
 * an administrator truncates the file and writes new contents. Whatever the kernel chooses, the
 * NIC must never write a block the file no longer owns, and the file's new contents must be the
 * administrator's. The options differ in who gives way: every shipped kernel refuses the long-term
 * pin of a DAX block (EOPNOTSUPP, 2bb6d2837083), so the server cannot use RDMA on the file at all
 * and the sample ends there, safe; under PROPOSAL_LAYOUT_LEASE the server takes an unbreakable
 * layout lease (fcntl(F_SETLEASE, F_LAYOUT | F_UNBREAKABLE)), the registration succeeds and the
 * administrator's ftruncate fails with ETXTBSY. With a breakable lease the ftruncate would break
 * the lease and wait for the server to deregister its MR (SwitchBehaviourTest shows it).
 */
@Sample(id = "dax-rdma-truncate-options", title = "RDMA into an fs-DAX file, then ftruncate: the pin refused, or a layout lease",
        source = "2bb6d2837083 get_user_pages_longterm (4.15); \"[PATCH RFC 00/10] RDMA/FS DAX truncate proposal\", Ira Weiny, linux-mm/linux-nvdimm, Jun 2019",
        story = "A file server maps a file on fs-DAX and registers it with an RDMA NIC so that clients can write into it; where the kernel has "
                + "layout leases it takes an unbreakable one first. An administrator truncates the file and writes new contents. The NIC must "
                + "never write a block the file no longer owns. Every shipped kernel refuses the registration (EOPNOTSUPP): the file is safe "
                + "and RDMA to it impossible. With a layout lease the registration succeeds and the truncate is refused (ETXTBSY).")
class DaxRdmaTruncateOptionsSample {
    @PinsimModels
    void theNicNeverWritesABlockTheFileNoLongerOwns(Kernel kernel, RdmaNic nic) {
        byte[] old = new byte[4096];
        Arrays.fill(old, (byte) 'S');
        Inode file = kernel.mount(FsKind.DAX).create("export", old);
        Process server = kernel.spawn("server");
        OpenFile f = server.open(file, OpenFlags.RDWR);
        long map = server.mmap(0, 4096, Prot.READ | Prot.WRITE, MapFlags.SHARED, f, 0);
        try {
            f.setLayoutLease(true);
        } catch (ErrnoException e) {
            assertThat(e.errno()).as("a kernel without layout leases does not know F_LAYOUT").isEqualTo(Errno.EINVAL);
        }
        MemoryRegion mr;
        try {
            mr = nic.regMr(nic.allocPd(server), map, 4096, IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        } catch (ErrnoException e) {
            // the kernel will not let a device pin the file's block long-term: nothing can write it behind truncate's back
            assertThat(e.errno()).as("a refused long-term pin of a DAX block").isEqualTo(Errno.EOPNOTSUPP);
            return;
        }
        byte[] dma = new byte[4096];
        Arrays.fill(dma, (byte) 'D');
        nic.postWrite(mr, 0, dma);
        nic.processAll();
        assertThatFile(file).as("a client's RDMA WRITE is the file's data: the NIC writes the block itself").contains(dmaData(nic.name(), dma));

        Process admin = kernel.spawn("admin");
        OpenFile g = admin.open(file, OpenFlags.RDWR);
        g.ftruncate(0);
        byte[] fresh = new byte[4096];
        Arrays.fill(fresh, (byte) 'N');
        g.pwrite(fresh, 0);
        nic.postWrite(mr, 0, new byte[] {'X'});
        nic.processAll();
        assertThatFile(file).as("the file holds the administrator's new contents, whatever the NIC writes").contains(fill('N'));
    }
}
