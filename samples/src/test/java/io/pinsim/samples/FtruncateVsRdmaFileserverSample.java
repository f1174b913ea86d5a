package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatFrame;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.devices.WorkRequest;
import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
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
 * A file server exports an ext4 file to its clients through an RDMA MR over a MAP_SHARED mapping,
 * registered for remote reads only; someone truncates the file and writes new contents; the clients
 * keep reading the MR. What they read must be what the file holds. Truncate orphans the page the MR
 * pins, and the clients get the old contents forever - on every shipped kernel, 6.5 included: 6.5
 * refuses long-term pins of such mappings only for writing (a6e79df92e4a), and a read-only MR takes no
 * FOLL_WRITE since 6.2 (ib_umem_get(), IbUmemGupFlags.WRITE_IF_WRITABLE). The question is the put_user_page
 * thread's ("I have a fileserver process and someone does ftruncate and now my clients receive
 * corrupted data", linux-mm, December 2018); under PROPOSAL_TRUNCATE_WAITS_FOR_PIN the ftruncate
 * sleeps until the server deregisters the MR; under PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE (Jérôme
 * Glisse's answer in the same thread) the NIC gets an MR_REVOKE_SOON event, then is redirected to its
 * dummy page: the file is right, but the clients read the dummy page's zeros ("device redirected").
 */
@Sample(id = "ftruncate-vs-rdma-fileserver", title = "A file server's read-only RDMA MR on an ext4 file, ftruncate and new contents, the clients read",
        source = "\"Re: [PATCH 1/2] mm: introduce put_user_page*(), placeholder versions\", linux-mm, Dec 2018 (\"my clients receive corrupted data\"); a6e79df92e4a (6.5) refuses write pins only",
        story = "A file server maps an ext4 file shared and registers it with an RDMA NIC for remote reads; another process truncates the file "
                + "and writes new contents; a client reads the MR. Truncate removed the pinned page from the file, so the client reads the old "
                + "contents from the orphan - on every shipped kernel, since 6.5 refuses only long-term write pins of such mappings.")
class FtruncateVsRdmaFileserverSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"}, reference = "open: truncate_inode_pages_range() orphans a pinned page",
            expect = BugKind.DATA_CORRUPTION, because = "orphaned page-cache page")
    void theClientsReadWhatTheFileHolds(Kernel kernel, RdmaNic nic) {
        byte[] old = new byte[4096];
        Arrays.fill(old, (byte) 'O');
        Inode file = kernel.mount(FsKind.EXT4).create("export", old);
        Process server = kernel.spawn("server");
        OpenFile f = server.open(file, OpenFlags.RDWR);
        long map = server.mmap(0, 4096, Prot.READ | Prot.WRITE, MapFlags.SHARED, f, 0);
        MemoryRegion mr = nic.regMr(nic.allocPd(server), map, 4096, IbAccess.REMOTE_READ);

        Process admin = kernel.spawn("admin");
        OpenFile g = admin.open(file, OpenFlags.RDWR);
        g.ftruncate(0);
        byte[] fresh = new byte[4096];
        Arrays.fill(fresh, (byte) 'N');
        g.pwrite(fresh, 0);
        assertThat(file.read(0, 4)).containsOnly((byte) 'N');

        WorkRequest read = nic.postRead(mr, 0, 64);
        nic.processAll();
        assertThat(read.readData()).as("the client gets what the MR's frame holds").isEqualTo(mr.pins().frame(0).read(0, 64));
        assertThatFrame(mr.pins().frame(0)).as("the frame the clients read must hold the file's contents").contains(fill('N'));
    }
}
